import EventData
import FlowConfig
import FlowEngine
import Foundation
import Metrics
import Network
import Reweighting

/// `classify`: the downstream classifier, background against a signal hypothesis, trained with a chosen
/// signal weighting and evaluated on held-out events with their original weights.
public struct ClassifyStep: StepKind {
    public init() {}
    public let version = 2

    public var description: KindDescription {
        KindDescription(name: "classify", section: .steps, summary: "Train background vs signal; report AUC and expected significance.", schema: .object([
            Property("background", .reference, required: true, "Background events (an independent sample)."),
            Property("signal", .reference, required: true, "Signal-hypothesis events; a transform step's output carries weight_original."),
            Property("compare_to", .list(.string(oneOf: Baseline.allCases.map(\.rawValue))), "Also train with these signal weightings (from weight_original)."),
            Property("luminosity", .number(minimum: 0), "Integrated luminosity in fb⁻¹ for the expected yields (default 138)."),
            Property("bins", .integer(minimum: 2), "Bins of the classifier output and of m_tt for the significance (default 20)."),
            Property("test_fraction", .number(minimum: 0), "Share of each sample held out for evaluation (default 0.5)."),
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
        let split = { (n: Int, stream: UInt64) in
            Splits.parts(rows: n, fractions: [1 - testFraction, testFraction], seed: settings.seed &+ stream)
        }
        let backgroundPart = split(background.rowCount, 0x42), signalPart = split(signal.rowCount, 0x53)
        let trainB = backgroundPart.indices.filter { backgroundPart[$0] == 0 }, testB = backgroundPart.indices.filter { backgroundPart[$0] == 1 }
        let trainS = signalPart.indices.filter { signalPart[$0] == 0 }, testS = signalPart.indices.filter { signalPart[$0] == 1 }

        var strategies: [(String, [Double])] = [(signal["weight_original"] != nil ? "transformed" : "given", signalWeights)]
        for name in c["compare_to"]?.array?.compactMap(\.string) ?? [] {
            strategies.append((name, Baseline(rawValue: name)!.apply(originalSignal)))
        }

        let xTrain = try featureMatrix(background, features: features, rows: trainB, dataset: backgroundName)
            + featureMatrix(signal, features: features, rows: trainS, dataset: signalName)
        let xTest = try featureMatrix(background, features: features, rows: testB, dataset: backgroundName)
            + featureMatrix(signal, features: features, rows: testS, dataset: signalName)
        let labelsTrain = trainB.map { _ in 0.0 } + trainS.map { _ in 1.0 }
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
            // Classes normalised to equal total weight.
            let sumB = trainB.reduce(0) { $0 + backgroundWeights[$1] }, sumS = trainS.reduce(0) { $0 + weights[$1] }
            let trainWeights = trainB.map { backgroundWeights[$0] / sumB } + trainS.map { weights[$0] / sumS }
            let n = Double(trainWeights.count)
            let data = TrainingData(features: xTrain, targets: labelsTrain, weights: trainWeights.map { $0 * n / 2 })
            context.progress("\(name): training on \(trainB.count) background and \(trainS.count) signal events")
            try Task.checkCancellation()
            let (network, history) = Trainer<Float>(architecture: architecture, settings: settings).train(data, shouldStop: { Task.isCancelled }) { r in
                context.progress(String(format: "%@ epoch %d/%d loss %.6f  %.0f events/s", name, r.epoch + 1, settings.epochs,
                                        r.trainingLoss, r.eventsPerSecond))
            }
            let scores = network.predict(xTest, threads: context.threads)
            let roc = ROC(scores: scores, signal: isSignalTest, weights: testWeights)
            let edges = Histogram.quantileEdges(zip(scores, isSignalTest).filter { !$0.1 }.map(\.0), bins: bins)
            let z = significance(scores, isSignalTest, isAPart, testWeights, edges, subtractSM: sampleIDs == nil)
            metrics["auc_\(name)"] = .double(TableIO.rounded(roc.area))
            metrics["significance_\(name)"] = .double(TableIO.rounded(z))
            context.log(String(format: "%@: AUC %.4f, expected significance %.3f σ at %.0f fb⁻¹", name, roc.area, z, luminosity / 1000))
            report.append((name, .object([
                ("auc", .double(roc.area)), ("significance", .double(z)),
                ("roc", .array(roc.points.map { .array([.double($0.0), .double($0.1)]) })),
                ("training_loss", .array(history.trainingLoss.map(Value.double))),
            ])))
        }
        let mtt = try background.column("mtt", in: backgroundName), signalMtt = try signal.column("mtt", in: signalName)
        let testMtt = testB.map { mtt[$0] } + testS.map { signalMtt[$0] }
        let zMtt = significance(testMtt, isSignalTest, isAPart, testWeights, Histogram.quantileEdges(testB.map { mtt[$0] }, bins: bins),
                                subtractSM: sampleIDs == nil)
        metrics["significance_mtt"] = .double(TableIO.rounded(zMtt))
        context.log(String(format: "m_tt histogram alone: expected significance %.3f σ", zMtt))
        let path = context.scratch + "/classifier.json"
        try Value.object([("luminosity_fb", .double(luminosity / 1000)), ("significance_mtt", .double(zMtt)),
                          ("strategies", .object(report))]).prettyJSON.write(toFile: path, atomically: false, encoding: .utf8)
        return StepResult(outputs: ["classifier": path], metrics: metrics)
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
