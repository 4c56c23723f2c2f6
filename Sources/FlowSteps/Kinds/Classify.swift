import Artefacts
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
    public let version = 5

    struct Settings: SettingGroup {
        @Setting(required: "background", .reference, "Background events (an independent sample).") var background: String
        @Setting(required: "signal", .reference, "Signal-hypothesis events; a transform step's output carries weight_original.") var signal: String
        @Setting("compare_to", .list(Baseline.schema), "Also train with these signal weightings (from weight_original).") var compareTo: [Baseline] = []
        @Setting("luminosity", .number(minimum: 0, maximum: 1e7), "Integrated luminosity in fb⁻¹ for the expected yields.") var luminosity = 138.0
        @Setting("bins", .integer(minimum: 2, maximum: 10_000), "Bins of the classifier output and of the reference observable for the significance.")
        var bins = 20
        @Setting("test_fraction", .number(minimum: 0, maximum: 0.95), "Share of each sample held out for evaluation (above 0).") var testFraction = 0.5
        @Setting("validation_fraction", .number(minimum: 0, maximum: 0.95), "Share of the rest kept for the validation loss and early stopping.")
        var validationFraction = 0.1
        @Setting("reference_observable", .string(), "The column whose histogram alone gives the reference significance (e.g. tt_mass for a ROOT load).")
        var referenceObservable = "mtt"
        @Setting("epochs", .integer(minimum: 1, maximum: 100_000), "Network: training epochs.") var epochs = 10
        var fit = FitOptions()
        var network = NetworkOptions()
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "classify", section: .steps, summary: "Train background vs signal; report AUC and expected significance.",
                        settings: Settings.self, check: Self.check)
    }

    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let s = c.settings(Settings.self) else { return [] }
        var found = ModelKindCheck.options(c, networkKeys: ["epochs"] + NetworkOptions.properties.map(\.name)) + FitOptions.check(c)
        if s.testFraction == 0 { found.append(Diagnostic(c.mark("test_fraction"), "test_fraction 0 leaves no events to evaluate the classifier on")) }
        return found
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        let samples = try ClassifierSamples(context, s)
        let luminosity = s.luminosity * 1000  // fb⁻¹ → pb⁻¹
        let heldOut = samples.heldOut(luminosity: luminosity, testFraction: s.testFraction)
        var strategies: [ClassifierStrategy] = []
        for (name, weights) in samples.strategies(s.compareTo) {
            let strategy = try train(name, weights: weights, samples, heldOut, s, context)
            context.log(String(format: "%@: AUC %.4f, expected significance %.3f σ at %.0f fb⁻¹", name, strategy.auc, strategy.significance, s.luminosity))
            strategies.append(strategy)
        }
        let observable = try samples.testColumn(s.referenceObservable)
        let edges = Histogram.quantileEdges(Array(observable.prefix(samples.test.background.count)), bins: s.bins)
        let zReference = heldOut.significance(observable, edges: edges)
        context.log(String(format: "%@ histogram alone: expected significance %.3f σ", s.referenceObservable, zReference))
        let summary = ClassifierSummary(luminosityFb: s.luminosity, referenceObservable: s.referenceObservable,
                                        referenceSignificance: zReference, strategies: strategies)
        var metrics: [String: Value] = ["significance_mtt": .double(TableIO.rounded(zReference))]
        for strategy in strategies {
            metrics["auc_\(strategy.name)"] = .double(TableIO.rounded(strategy.auc))
            metrics["significance_\(strategy.name)"] = .double(TableIO.rounded(strategy.significance))
        }
        return StepResult(outputs: ["classifier": try summary.write(in: context.scratch)], metrics: metrics)
    }

    /// One strategy: fit on its training weights, judge on held-out events with their original weights.
    func train(_ name: String, weights: [Double], _ samples: ClassifierSamples, _ heldOut: HeldOutEvents, _ s: Settings,
               _ context: StepContext) throws -> ClassifierStrategy {
        context.progress("\(name): training on \(samples.training.background.count) background and \(samples.training.signal.count) signal events")
        let fitter = ModelFit(fit: s.fit, network: s.network, epochs: s.epochs)
        let (model, curve) = try fitter.run(try samples.trainingData(samples.training, signalWeights: weights),
                                            validation: try samples.trainingData(samples.validation, signalWeights: weights),
                                            features: samples.features, objective: .binaryCrossEntropy, notes: [:], label: name, context: context)
        let scores = model.predict(try samples.matrix(samples.test), threads: context.threads)
        let roc = ROC(scores: scores, signal: heldOut.isSignal, weights: heldOut.weights)
        let backgroundScores = zip(scores, heldOut.isSignal).filter { !$0.1 }.map(\.0)
        let z = heldOut.significance(scores, edges: Histogram.quantileEdges(backgroundScores, bins: s.bins))
        let yields = heldOut.yields(scores)
        return ClassifierStrategy(name: name, auc: roc.area, significance: z, roc: roc.points.map { [$0.0, $0.1] }, curve: curve,
                                  output: BinnedYields(edges: yields.background.edges, background: yields.background.sums,
                                                       backgroundSumw2: yields.background.sumsOfSquares, signal: yields.signal.sums,
                                                       signalSumw2: yields.signal.sumsOfSquares))
    }
}

/// The background and signal samples of a `classify` step, each in three seeded parts: training,
/// validation (loss curves, early stopping) and the held-out test.
struct ClassifierSamples {
    typealias Rows = (background: [Int], signal: [Int])

    var background: EventTable, signal: EventTable
    var backgroundName: String, signalName: String
    var features: [String]
    var backgroundWeights: [Double], signalWeights: [Double]
    /// The signal weights before any transform (a transform step's weight_original).
    var originalSignal: [Double]
    var training: Rows, validation: Rows, test: Rows

    init(_ context: StepContext, _ s: ClassifyStep.Settings) throws {
        (backgroundName, background) = try TableIO.input(context, at: "background")
        (signalName, signal) = try TableIO.input(context, at: "signal")
        features = try s.fit.features(context)
        backgroundWeights = try background.weights(in: backgroundName)
        signalWeights = try signal.weights(in: signalName)
        originalSignal = signal["weight_original"] ?? signalWeights
        let validationShare = (1 - s.testFraction) * s.validationFraction
        let fractions = [1 - s.testFraction - validationShare, validationShare, s.testFraction]
        func parts(_ rows: Int, _ stream: UInt64) -> [[Int]] {
            let part = Splits.parts(rows: rows, fractions: fractions, seed: UInt64(s.fit.seed) &+ stream)
            return (0..<3).map { p in part.indices.filter { part[$0] == p } }
        }
        let b = parts(background.rowCount, 0x42), sig = parts(signal.rowCount, 0x53)
        (training, validation, test) = ((b[0], sig[0]), (b[1], sig[1]), (b[2], sig[2]))
    }

    /// The signal weightings to train with: the sample's own, then each baseline of the original weights.
    func strategies(_ baselines: [Baseline]) -> [(String, [Double])] {
        [(signal["weight_original"] != nil ? "transformed" : "given", signalWeights)] + baselines.map { ($0.rawValue, $0.apply(originalSignal)) }
    }

    func matrix(_ rows: Rows) throws -> [Double] {
        try featureMatrix(background, features: features, rows: rows.background, dataset: backgroundName)
            + featureMatrix(signal, features: features, rows: rows.signal, dataset: signalName)
    }

    /// Classes normalised to equal total weight, the mean weight 1.
    func trainingData(_ rows: Rows, signalWeights weights: [Double]) throws -> TrainingData {
        let sumB = rows.background.reduce(0) { $0 + backgroundWeights[$1] }, sumS = rows.signal.reduce(0) { $0 + weights[$1] }
        let half = Double(rows.background.count + rows.signal.count) / 2
        return TrainingData(features: try matrix(rows), targets: rows.background.map { _ in 0.0 } + rows.signal.map { _ in 1.0 },
                            weights: rows.background.map { backgroundWeights[$0] / sumB * half } + rows.signal.map { weights[$0] / sumS * half })
    }

    /// Held-out events keep their original weights, scaled to the luminosity and to the full sample. With a
    /// sample_id column, the signal sample's SM rows (id 1) are known, and s is the A part alone.
    func heldOut(luminosity: Double, testFraction: Double) -> HeldOutEvents {
        let scale = luminosity / testFraction
        let ids = signal[EventTable.sampleColumn]
        return HeldOutEvents(isSignal: test.background.map { _ in false } + test.signal.map { _ in true },
                             isAPart: ids.map { ids in test.background.map { _ in false } + test.signal.map { ids[$0] != 1 } },
                             weights: test.background.map { backgroundWeights[$0] * scale } + test.signal.map { originalSignal[$0] * scale })
    }

    /// A column over the held-out events, background first.
    func testColumn(_ name: String) throws -> [Double] {
        let b = try background.column(name, in: backgroundName), s = try signal.column(name, in: signalName)
        return test.background.map { b[$0] } + test.signal.map { s[$0] }
    }
}
