import Artefacts
import EventData
import FlowConfig
import FlowEngine
import Foundation
import Metrics
import Network
import Random
import Reweighting
import Statistics

/// `classify`: the downstream classifier, background against a signal hypothesis, trained with a chosen
/// signal weighting and evaluated on held-out events with their original weights.
public struct ClassifyStep: StepKind {
    public init() {}
    public let version = 8

    struct Settings: SettingGroup {
        @Setting(required: "background", .reference, "Background events (an independent sample).") var background: String
        @Setting(required: "signal", .reference, "Signal-hypothesis events; a transform step's output carries weight_original.") var signal: String
        @Setting("signal_test", .reference,
                 "The rest of the sample `signal` was split from, kept away from the weight models: the classifier is judged on these (with their original weights) and trains on all of `signal`. Without it, a share test_fraction of `signal` is held out, events the weight models may have seen.")
        var signalTest: String? = nil
        @Setting("compare_to", .list(Baseline.schema), "Also train with these signal weightings (from weight_original).") var compareTo: [Baseline] = []
        @Setting("luminosity", .number(minimum: 0, maximum: 1e7), "Integrated luminosity in fb⁻¹ for the expected yields.") var luminosity = 138.0
        @Setting("bins", .integer(minimum: 2, maximum: 10_000), "Bins of the classifier output and of the reference observable for the significance.")
        var bins = 20
        @Setting("test_fraction", .number(minimum: 0, maximum: 0.95), "Share of each sample (of the background only, with signal_test) held out for evaluation (above 0).")
        var testFraction = 0.5
        @Setting("bootstrap", .integer(minimum: 0, maximum: 10_000), "Poisson bootstrap replicas of the test events for the uncertainty of each significance (0: none).")
        var bootstrap = 100
        @Setting("validation_fraction", .number(minimum: 0, maximum: 0.95), "Share of the rest kept for the validation loss and early stopping.")
        var validationFraction = 0.1
        @Setting("reference_observable", .string(), "The column whose histogram alone gives the reference significance (e.g. tt_mass for a ROOT load).")
        var referenceObservable = "mtt"
        @Setting("background_normalisation", .number(minimum: 0, maximum: 0.9),
                 "Relative uncertainty of the background normalisation in the profile-likelihood fits (a normsys nuisance parameter; 0: none).")
        var backgroundNormalisation = 0.05
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
        let heldOut = samples.heldOut(luminosity: s.luminosity * 1000)  // fb⁻¹ → pb⁻¹
        context.log("judged on \(samples.test.background.count) background and \(samples.test.signal.count) signal events"
                    + (s.signalTest == nil ? " (a share of the signal sample)" : " that no weight model saw"))
        var strategies: [ClassifierStrategy] = []
        var outputs: [String: String] = [:]
        for (name, weights) in samples.strategies(s.compareTo) {
            let strategy = try train(name, weights: weights, samples, heldOut, s, context)
            context.log(String(format: "%@: AUC %.4f, expected significance %.3f ± %.3f σ at %.0f fb⁻¹; profile likelihood Z₀ %.3f σ, μ < %.4f (95 %% CL)",
                               name, strategy.auc, strategy.significance, strategy.significanceError, s.luminosity, strategy.profile.significance,
                               strategy.profile.medianLimit))
            strategies.append(strategy)
            outputs["workspace_\(ProfileFit.fileSafe(name))"] = context.scratch + "/" + strategy.profile.workspace
        }
        let observable = try samples.testColumn(s.referenceObservable)
        let edges = Histogram.quantileEdges(Array(observable.prefix(samples.test.background.count)), bins: s.bins)
        let zReference = heldOut.significance(observable, edges: edges, replicas: s.bootstrap, seed: UInt64(s.fit.seed))
        let profile = try ProfileFit.run(heldOut, observable, edges: edges, name: s.referenceObservable, channel: s.referenceObservable, s, context)
        outputs["workspace_\(ProfileFit.fileSafe(s.referenceObservable))"] = context.scratch + "/" + profile.workspace
        context.log(String(format: "%@ histogram alone: expected significance %.3f ± %.3f σ; profile likelihood Z₀ %.3f σ, μ < %.4f (95 %% CL)",
                           s.referenceObservable, zReference.value, zReference.error, profile.significance, profile.medianLimit))
        let summary = ClassifierSummary(luminosityFb: s.luminosity, referenceObservable: s.referenceObservable, referenceSignificance: zReference.value,
                                        referenceSignificanceError: zReference.error, leakFree: s.signalTest != nil, strategies: strategies,
                                        referenceProfile: profile, backgroundNormalisation: s.backgroundNormalisation)
        var metrics: [String: Value] = ["significance_mtt": .double(TableIO.rounded(zReference.value)),
                                        "significance_mtt_error": .double(TableIO.rounded(zReference.error)),
                                        "z0_mtt": .double(TableIO.rounded(profile.significance)),
                                        "mu_limit_mtt": .double(TableIO.rounded(profile.medianLimit))]
        for strategy in strategies {
            metrics["auc_\(strategy.name)"] = .double(TableIO.rounded(strategy.auc))
            metrics["significance_\(strategy.name)"] = .double(TableIO.rounded(strategy.significance))
            metrics["significance_\(strategy.name)_error"] = .double(TableIO.rounded(strategy.significanceError))
            metrics["z0_\(strategy.name)"] = .double(TableIO.rounded(strategy.profile.significance))
            metrics["mu_limit_\(strategy.name)"] = .double(TableIO.rounded(strategy.profile.medianLimit))
        }
        outputs["classifier"] = try summary.write(in: context.scratch)
        return StepResult(outputs: outputs, metrics: metrics)
    }

    /// One strategy: fit on its training weights, judge on held-out events with their original weights.
    func train(_ name: String, weights: [Double], _ samples: ClassifierSamples, _ heldOut: HeldOutEvents, _ s: Settings,
               _ context: StepContext) throws -> ClassifierStrategy {
        context.progress("\(name): training on \(samples.training.background.count) background and \(samples.training.signal.count) signal events")
        let fitter = ModelFit(fit: s.fit, network: s.network, epochs: s.epochs)
        let (model, curve) = try fitter.run(try samples.trainingData(samples.training, signalWeights: weights),
                                            validation: try samples.trainingData(samples.validation, signalWeights: weights),
                                            features: samples.features, objective: .binaryCrossEntropy, notes: [:], label: name, context: context)
        let scores = model.predict(try samples.testMatrix(), threads: context.threads)
        let roc = ROC(scores: scores, signal: heldOut.isSignal, weights: heldOut.weights)
        let backgroundScores = zip(scores, heldOut.isSignal).filter { !$0.1 }.map(\.0)
        let edges = Histogram.quantileEdges(backgroundScores, bins: s.bins)
        let z = heldOut.significance(scores, edges: edges, replicas: s.bootstrap, seed: UInt64(s.fit.seed))
        let yields = heldOut.yields(scores)
        let profile = try ProfileFit.run(heldOut, scores, edges: edges, name: name, channel: "classifier_output", s, context)
        return ClassifierStrategy(name: name, auc: roc.area, significance: z.value, significanceError: z.error, roc: roc.points.map { [$0.0, $0.1] }, curve: curve,
                                  output: BinnedYields(edges: yields.background.edges, background: yields.background.sums,
                                                       backgroundSumw2: yields.background.sumsOfSquares, signal: yields.signal.sums,
                                                       signalSumw2: yields.signal.sumsOfSquares),
                                  profile: profile)
    }
}

/// The binned profile-likelihood fit of one distribution of the held-out events: the templates' Σw² enter
/// as Barlow–Beeston-lite parameters, the background normalisation as a normsys; the model is written as a
/// HistFactory workspace beside the summary.
enum ProfileFit {
    /// `name` (a column the workflow names) as a file-name part: letters, digits, `_`, `-` and inner dots
    /// only, so no name can leave the step's scratch directory.
    static func fileSafe(_ name: String) -> String {
        let kept = String(name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "_-.".unicodeScalars.contains($0) ? Character($0) : "_" })
        return kept.hasPrefix(".") || kept.isEmpty ? "_" + kept : kept
    }

    static func run(_ heldOut: HeldOutEvents, _ values: [Double], edges: [Double], name: String, channel: String, _ s: ClassifyStep.Settings,
                    _ context: StepContext) throws -> ProfileResult {
        let t = heldOut.templates(values, edges: edges)
        let model = BinnedModel(signal: t.signal, signalSumw2: t.signalSumw2, background: t.background.sums,
                                backgroundSumw2: t.background.sumsOfSquares, backgroundNormalisation: s.backgroundNormalisation)
        let file = "workspace-\(fileSafe(name)).json"
        try AtomicFile.write(try HistFactoryWorkspace.data(model, channel: channel), to: context.scratch + "/" + file)
        return ProfileResult(significance: Asymptotics.discoverySignificance(model), upperLimits: Asymptotics.expectedUpperLimits(model), workspace: file)
    }
}

/// The background and signal samples of a `classify` step: each in a training and a validation part (loss
/// curves, early stopping), and the held-out test events — a seeded share of each sample, or for the signal
/// the separate `signal_test` sample that no weight model saw.
struct ClassifierSamples {
    typealias Rows = (background: [Int], signal: [Int])

    var background: EventTable, signal: EventTable, signalTest: EventTable
    var backgroundName: String, signalName: String, signalTestName: String
    var features: [String]
    var backgroundWeights: [Double], signalWeights: [Double]
    /// The signal weights before any transform (a transform step's weight_original).
    var originalSignal: [Double]
    /// Rows of `background` and `signal`; the test's signal rows are rows of `signalTest`.
    var training: Rows, validation: Rows, test: Rows
    /// What the test events' yields are scaled by to stand for the whole sample.
    var backgroundScale: Double, signalScale: Double

    init(_ context: StepContext, _ s: ClassifyStep.Settings) throws {
        (backgroundName, background) = try TableIO.input(context, at: "background")
        (signalName, signal) = try TableIO.input(context, at: "signal")
        (signalTestName, signalTest) = s.signalTest == nil ? (signalName, signal) : try TableIO.input(context, at: "signal_test")
        features = try s.fit.features(context)
        backgroundWeights = try background.weights(in: backgroundName)
        signalWeights = try signal.weights(in: signalName)
        originalSignal = signal["weight_original"] ?? signalWeights
        let seed = UInt64(s.fit.seed)
        func parts(_ rows: Int, _ stream: UInt64, test: Double) -> [[Int]] {
            let validationShare = (1 - test) * s.validationFraction
            let part = Splits.parts(rows: rows, fractions: [1 - test - validationShare, validationShare, test], seed: seed &+ stream)
            return (0..<3).map { p in part.indices.filter { part[$0] == p } }
        }
        let b = parts(background.rowCount, 0x42, test: s.testFraction)
        let sig = parts(signal.rowCount, 0x53, test: s.signalTest == nil ? s.testFraction : 0)
        let signalTestRows = s.signalTest == nil ? sig[2] : Array(0..<signalTest.rowCount)
        (training, validation, test) = ((b[0], sig[0]), (b[1], sig[1]), (b[2], signalTestRows))
        // An AUC or Z of no events would be NaN, not an answer.
        for (rows, name) in [(training.background, backgroundName), (training.signal, signalName), (test.background, backgroundName),
                             (test.signal, signalTestName)] where rows.isEmpty {
            throw StepFailure(step: context.step.name, message: "'\(name)' leaves no events for the classifier's training or test part: it needs more events")
        }
        backgroundScale = 1 / s.testFraction
        // A separate test sample is the rest of the sample `signal` was split from.
        signalScale = s.signalTest == nil ? 1 / s.testFraction : Double(signal.rowCount + signalTest.rowCount) / Double(max(1, signalTest.rowCount))
    }

    /// The signal weightings to train with: the sample's own, then each baseline of the original weights.
    func strategies(_ baselines: [Baseline]) -> [(String, [Double])] {
        [(signal["weight_original"] != nil ? "transformed" : "given", signalWeights)] + baselines.map { ($0.rawValue, $0.apply(originalSignal)) }
    }

    /// Features of training or validation rows (background, then signal).
    func matrix(_ rows: Rows) throws -> [Double] {
        try featureMatrix(background, features: features, rows: rows.background, dataset: backgroundName)
            + featureMatrix(signal, features: features, rows: rows.signal, dataset: signalName)
    }

    /// Features of the test events (background, then signal).
    func testMatrix() throws -> [Double] {
        try featureMatrix(background, features: features, rows: test.background, dataset: backgroundName)
            + featureMatrix(signalTest, features: features, rows: test.signal, dataset: signalTestName)
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
    func heldOut(luminosity: Double) -> HeldOutEvents {
        let ids = signalTest[EventTable.sampleColumn]
        let original = signalTest["weight_original"] ?? signalTest[EventTable.weightColumn] ?? []
        return HeldOutEvents(isSignal: test.background.map { _ in false } + test.signal.map { _ in true },
                             isAPart: ids.map { ids in test.background.map { _ in false } + test.signal.map { ids[$0] != 1 } },
                             weights: test.background.map { backgroundWeights[$0] * luminosity * backgroundScale }
                                 + test.signal.map { original[$0] * luminosity * signalScale })
    }

    /// A column over the held-out events, background first.
    func testColumn(_ name: String) throws -> [Double] {
        let b = try background.column(name, in: backgroundName), s = try signalTest.column(name, in: signalTestName)
        return test.background.map { b[$0] } + test.signal.map { s[$0] }
    }
}
