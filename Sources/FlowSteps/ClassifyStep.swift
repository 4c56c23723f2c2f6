import BoostedTrees
import EventData
import FlowConfig
import FlowEngine
import Foundation
import Metrics
import Network
import Random
import Reweighting

/// `classify`: the downstream classifier, background against a signal hypothesis, trained with a chosen
/// signal weighting and evaluated on held-out events with their original weights.
public struct ClassifyStep: StepKind {
    public init() {}
    public let version = 4

    public var description: KindDescription {
        KindDescription(name: "classify", section: .steps, summary: "Train background vs signal; report AUC and expected significance.", schema: .object([
            Property("background", .reference, required: true, "Background events (an independent sample)."),
            Property("signal", .reference, required: true, "Signal-hypothesis events; a transform step's output carries weight_original."),
            Property("compare_to", .list(.string(oneOf: Baseline.allCases.map(\.rawValue))), "Also train with these signal weightings (from weight_original)."),
            Property("luminosity", .number(minimum: 0, maximum: 1e7), "Integrated luminosity in fb⁻¹ for the expected yields (default 138)."),
            Property("bins", .integer(minimum: 2, maximum: 10_000), "Bins of the classifier output and of m_tt for the significance (default 20)."),
            Property("test_fraction", .number(minimum: 0, maximum: 0.95), "Share of each sample held out for evaluation (default 0.5)."),
            Property("validation_fraction", .number(minimum: 0, maximum: 0.95), "Share of the rest kept for the validation loss and early stopping (default 0.1)."),
            Property("reference_observable", .string(), "The column whose histogram alone gives the reference significance (default mtt; e.g. tt_mass for a ROOT load)."),
            ModelOptions.property,
        ] + NetworkOptions.properties))
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let c = context.step.config
        let (backgroundName, background) = try TableIO.input(context, at: "background")
        let (signalName, signal) = try TableIO.input(context, at: "signal")
        let features = try NetworkOptions.features(c, context)
        var settings = NetworkOptions.settings(c)
        settings.epochs = c["epochs"]?.int ?? 10
        let luminosity = (c["luminosity"]?.double ?? 138) * 1000  // fb⁻¹ → pb⁻¹
        let bins = c["bins"]?.int ?? 20
        let testFraction = c["test_fraction"]?.double ?? 0.5
        let architecture = NetworkOptions.architecture(c, inputs: features.count, objective: .binaryCrossEntropy)

        let backgroundWeights = try background.weights(in: backgroundName)
        let signalWeights = try signal.weights(in: signalName)
        let originalSignal = signal["weight_original"] ?? signalWeights
        // Each sample in three parts: training, validation (the loss curves, early stopping) and the held-out test.
        let validationShare = (1 - testFraction) * (c["validation_fraction"]?.double ?? 0.1)
        let fractions = [1 - testFraction - validationShare, validationShare, testFraction]
        let rowsByPart = { (n: Int, stream: UInt64) -> [[Int]] in
            let part = Splits.parts(rows: n, fractions: fractions, seed: settings.seed &+ stream)
            return (0..<3).map { p in part.indices.filter { part[$0] == p } }
        }
        let backgroundRows = rowsByPart(background.rowCount, 0x42), signalRows = rowsByPart(signal.rowCount, 0x53)
        let (trainB, testB) = (backgroundRows[0], backgroundRows[2])
        let (trainS, testS) = (signalRows[0], signalRows[2])

        var strategies: [(String, [Double])] = [(signal["weight_original"] != nil ? "transformed" : "given", signalWeights)]
        for name in c["compare_to"]?.array?.compactMap(\.string) ?? [] {
            strategies.append((name, Baseline(rawValue: name)!.apply(originalSignal)))
        }

        let matrix = { (backgroundPart: [Int], signalPart: [Int]) in
            try featureMatrix(background, features: features, rows: backgroundPart, dataset: backgroundName)
                + featureMatrix(signal, features: features, rows: signalPart, dataset: signalName)
        }
        let (xTrain, xValidation, xTest) = (try matrix(trainB, trainS), try matrix(backgroundRows[1], signalRows[1]), try matrix(testB, testS))
        // Classes normalised to equal total weight, the mean weight 1.
        let trainingData = { (x: [Double], backgroundPart: [Int], signalPart: [Int], weights: [Double]) -> TrainingData in
            let sumB = backgroundPart.reduce(0) { $0 + backgroundWeights[$1] }, sumS = signalPart.reduce(0) { $0 + weights[$1] }
            let half = Double(backgroundPart.count + signalPart.count) / 2
            return TrainingData(features: x, targets: backgroundPart.map { _ in 0.0 } + signalPart.map { _ in 1.0 },
                                weights: backgroundPart.map { backgroundWeights[$0] / sumB * half } + signalPart.map { weights[$0] / sumS * half })
        }
        let isSignalTest = testB.map { _ in false } + testS.map { _ in true }
        // s = (SM + A) − SM: with a sample_id column the SM rows of the signal sample cancel exactly and s is
        // the A part (resonance + interference) alone, free of the two SM samples' statistical difference.
        let sampleIDs = signal[EventTable.sampleColumn]
        let isAPart = testB.map { _ in false } + testS.map { row in sampleIDs.map { $0[row] != 1 } ?? true }
        // Held-out events keep their original weights, scaled to the luminosity and to the full sample.
        let scale = luminosity / testFraction
        let testWeights = testB.map { backgroundWeights[$0] * scale } + testS.map { originalSignal[$0] * scale }

        var metrics: [String: Value] = [:]
        var report: [(String, Value)] = []
        for (name, weights) in strategies {
            let data = trainingData(xTrain, trainB, trainS, weights)
            let validation = trainingData(xValidation, backgroundRows[1], signalRows[1], weights)
            context.progress("\(name): training on \(trainB.count) background and \(trainS.count) signal events")
            try Task.checkCancellation()
            let scores: [Double], trainingLoss: [Double], validationLoss: [Double]
            if ModelOptions.isTrees(c) {
                let boosting = try ModelOptions.boosting(c, loss: .logLoss, seed: settings.seed, threads: settings.threads, step: context.step.name)
                let (model, history) = BoostedTrees.fit(
                    x: data.features, y: data.targets, weights: data.weights, features: features.count,
                    validation: (validation.features, validation.targets, validation.weights), settings: boosting,
                    progress: { i, loss, _ in
                        if i % 10 == 9 { context.progress(String(format: "%@ tree %d/%d loss %.6f", name, i + 1, boosting.iterations, loss)) }
                    }, shouldStop: { Task.isCancelled })
                try Task.checkCancellation()
                scores = model.predict(xTest, threads: context.threads)
                (trainingLoss, validationLoss) = (history.trainingLoss, history.validationLoss)
            } else {
                let (network, history) = Trainer<Float>(architecture: architecture, settings: settings).train(data, validation: validation, shouldStop: { Task.isCancelled }) { r in
                    context.progress(String(format: "%@ epoch %d/%d loss %.6f  %.0f events/s", name, r.epoch + 1, settings.epochs,
                                            r.trainingLoss, r.eventsPerSecond))
                }
                scores = network.predict(xTest, threads: context.threads)
                (trainingLoss, validationLoss) = (history.trainingLoss, history.validationLoss)
            }
            let roc = ROC(scores: scores, signal: isSignalTest, weights: testWeights)
            let edges = Histogram.quantileEdges(zip(scores, isSignalTest).filter { !$0.1 }.map(\.0), bins: bins)
            let z = significance(scores, isSignalTest, isAPart, testWeights, edges, subtractSM: sampleIDs == nil)
            let output = outputHistograms(scores, isSignalTest, testWeights)
            metrics["auc_\(name)"] = .double(TableIO.rounded(roc.area))
            metrics["significance_\(name)"] = .double(TableIO.rounded(z))
            context.log(String(format: "%@: AUC %.4f, expected significance %.3f σ at %.0f fb⁻¹", name, roc.area, z, luminosity / 1000))
            report.append((name, .object([
                ("auc", .double(roc.area)), ("significance", .double(z)),
                ("roc", .array(roc.points.map { .array([.double($0.0), .double($0.1)]) })),
                ("training_loss", .array(trainingLoss.map(Value.double))),
                ("validation_loss", .array(validationLoss.map(Value.double))),
                ("output", .object([
                    ("edges", .array(output.background.edges.map(Value.double))),
                    ("background", .array(output.background.sums.map(Value.double))),
                    ("background_sumw2", .array(output.background.sumsOfSquares.map(Value.double))),
                    ("signal", .array(output.signal.sums.map(Value.double))),
                    ("signal_sumw2", .array(output.signal.sumsOfSquares.map(Value.double))),
                ])),
            ])))
        }
        let observable = c["reference_observable"]?.string ?? "mtt"
        let mtt = try background.column(observable, in: backgroundName), signalMtt = try signal.column(observable, in: signalName)
        let testMtt = testB.map { mtt[$0] } + testS.map { signalMtt[$0] }
        let zMtt = significance(testMtt, isSignalTest, isAPart, testWeights, Histogram.quantileEdges(testB.map { mtt[$0] }, bins: bins),
                                subtractSM: sampleIDs == nil)
        metrics["significance_mtt"] = .double(TableIO.rounded(zMtt))
        context.log(String(format: "%@ histogram alone: expected significance %.3f σ", observable, zMtt))
        let path = context.scratch + "/classifier.json"
        try Value.object([("luminosity_fb", .double(luminosity / 1000)), ("significance_mtt", .double(zMtt)),
                          ("strategies", .object(report))]).prettyJSON.write(toFile: path, atomically: false, encoding: .utf8)
        return StepResult(outputs: ["classifier": path], metrics: metrics)
    }

    /// The classifier output of held-out SM and SM + A events (expected yields), in 30 bins between the
    /// 0.5 % and 99.5 % quantiles of the scores, where a percent-level difference is visible.
    func outputHistograms(_ scores: [Double], _ isSignal: [Bool], _ weights: [Double]) -> (background: Histogram, signal: Histogram) {
        let sorted = scores.sorted()
        let lo = sorted[sorted.count / 200], hi = sorted[sorted.count - 1 - sorted.count / 200]
        let edges = Histogram.uniform(30, from: lo, to: hi > lo ? hi : lo + 1e-6)
        var background = Histogram(edges: edges), signal = Histogram(edges: edges)
        for i in scores.indices {
            if isSignal[i] { signal.fill(scores[i], weights[i]) } else { background.fill(scores[i], weights[i]) }
        }
        return (background, signal)
    }

    /// Z from the binned distribution of `values`: sᵢ from the A part of the signal sample (or, without a
    /// sample_id column, signal minus background yields), bᵢ from the background sample.
    func significance(_ values: [Double], _ isSignal: [Bool], _ isAPart: [Bool], _ weights: [Double], _ edges: [Double],
                      subtractSM: Bool) -> Double {
        var a = Histogram(edges: edges), signal = Histogram(edges: edges), background = Histogram(edges: edges)
        for i in values.indices {
            if !isSignal[i] { background.fill(values[i], weights[i]) } else {
                signal.fill(values[i], weights[i])
                if isAPart[i] { a.fill(values[i], weights[i]) }
            }
        }
        let hypothesis = subtractSM ? signal.sums : zip(background.sums, a.sums).map { $0 + $1 }
        return Significance.binned(hypothesis: hypothesis, background: background.sums)
    }
}
