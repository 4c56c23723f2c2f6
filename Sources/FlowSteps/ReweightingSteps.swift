import Calibration
import EventData
import FlowConfig
import FlowEngine
import BoostedTrees
import Foundation
import Network
import Reweighting

/// The network settings shared by every kind that trains one.
enum NetworkOptions {
    static let properties: [Property] = [
        Property("features", .list(.string(), minItems: 1), "Input columns (default: the workflow's features)."),
        Property("layers", .list(.integer(minimum: 1, maximum: 100_000), maxItems: 100), "Hidden layer widths (default [100, 100, 100, 100, 100])."),
        Property("activation", .string(oneOf: ["relu", "leaky-relu", "silu"]), "Hidden activation (default relu)."),
        Property("epochs", .integer(minimum: 1, maximum: 100_000), "Training epochs (default 30)."),
        Property("batch_size", .integer(minimum: 1, maximum: 10_000_000), "Events per mini-batch (default 512)."),
        Property("learning_rate", .number(minimum: 0, maximum: 100), "Adam's learning rate (default 0.001)."),
        Property("schedule", .string(oneOf: ["constant", "exponential", "cosine"]), "Learning-rate schedule (default constant)."),
        Property("decay", .number(minimum: 0), "Per-epoch factor of the exponential schedule (default 0.95)."),
        Property("weight_decay", .number(minimum: 0), "Decoupled weight decay (default 0)."),
        Property("patience", .integer(minimum: 1, maximum: 100_000), "Stop after this many epochs without a better validation loss."),
        Property("seed", .integer(minimum: 0, maximum: Limits.seed), "Seed of initialisation, shuffling and folds (default 1)."),
        Property("threads", .integer(minimum: 1, maximum: 1_024), "Data-parallel workers (default 2); a model is bit-identical for a given count."),
        Property("input_transform", .string(oneOf: ["standard", "quantile"]),
                 "standard: shift and scale each input; quantile (default): map it through its distribution first, which resolves narrow structures such as a resonance."),
    ]

    static func features(_ config: Value, _ context: StepContext) throws -> [String] {
        let features = config["features"]?.array?.compactMap(\.string) ?? context.workflow.features
        guard !features.isEmpty else {
            throw StepFailure(step: context.step.name, message: "no features: list them here or under the workflow's `features:`")
        }
        return features
    }

    static func settings(_ config: Value) -> TrainingSettings {
        var s = TrainingSettings()
        s.epochs = config["epochs"]?.int ?? 30
        s.batchSize = config["batch_size"]?.int ?? 512
        s.learningRate = config["learning_rate"]?.double ?? 1e-3
        switch config["schedule"]?.string {
        case "exponential": s.schedule = .exponential(decay: config["decay"]?.double ?? 0.95)
        case "cosine": s.schedule = .cosine
        default: s.schedule = .constant
        }
        s.weightDecay = config["weight_decay"]?.double ?? 0
        s.patience = config["patience"]?.int
        s.seed = UInt64(config["seed"]?.int ?? 1)
        s.threads = config["threads"]?.int ?? 2
        s.quantileKnots = (config["input_transform"]?.string ?? "quantile") == "quantile" ? 1001 : 0
        return s
    }

    static func architecture(_ config: Value, inputs: Int, objective: Objective) -> Architecture {
        Architecture(inputs: inputs, hidden: config["layers"]?.array?.compactMap(\.int) ?? [100, 100, 100, 100, 100],
                     activation: Activation(rawValue: config["activation"]?.string ?? "relu") ?? .relu, objective: objective)
    }
}

/// Refuses weights no model can learn from, naming the step and the dataset.
func checkWeights(_ table: EventTable, target: WeightTarget, dataset: String, step: String) throws {
    do {
        try DegenerateWeights.check(try table.weights(in: dataset), target: target)
    } catch let problem as DegenerateWeights {
        throw StepFailure(step: step, message: "dataset '\(dataset)': \(problem)")
    } catch let error as DataError {
        throw StepFailure(step: step, message: "\(error)")
    }
}

/// `train`: the weight network, one model per fold for cross-fitting.
public struct TrainStep: StepKind {
    public init() {}
    public let version = 3

    public var description: KindDescription {
        KindDescription(name: "train", section: .steps, summary: "Train the weight network (k-fold cross-fitted).", schema: .object([
            Property("data", .reference, required: true, "The weighted events."),
            Property("target", .string(oneOf: WeightTarget.allCases.map(\.rawValue)), "weight-sign (default) or weight-regression."),
            Property("folds", .integer(minimum: 1, maximum: 100), "Cross-fitting folds k (default 3); model i never sees fold i."),
            Property("calibration_fraction", .number(minimum: 0, maximum: 0.95), "Share of each model's training folds kept for early stopping and calibration (default 0.2)."),
            ModelOptions.property,
        ] + NetworkOptions.properties), check: Self.check)
    }

    /// Settings that defeat cross-fitting or calibration.
    static func check(_ c: KindCheck) -> [Diagnostic] {
        var found: [Diagnostic] = []
        if c.config["folds"]?.int == 1 {
            found.append(Diagnostic(c.mark("folds"), "with one fold the model weights the very events it was trained on (no cross-fitting): use folds ≥ 2", severity: .warning))
        }
        if let share = c.config["calibration_fraction"]?.double, share == 0 {
            found.append(Diagnostic(c.mark("calibration_fraction"), "calibration_fraction 0 leaves no events for early stopping and the isotonic calibration: use a share such as 0.2"))
        }
        return found
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let c = context.step.config
        let (name, table) = try TableIO.input(context, at: "data")
        let features = try NetworkOptions.features(c, context)
        let target = WeightTarget(rawValue: c["target"]?.string ?? "weight-sign")!
        try checkWeights(table, target: target, dataset: name, step: context.step.name)
        let k = c["folds"]?.int ?? 3
        let fraction = c["calibration_fraction"]?.double ?? 0.2
        let settings = NetworkOptions.settings(c)
        let plan = FoldPlan(table: table, k: k, seed: settings.seed, calibrationFraction: fraction)
        let architecture = NetworkOptions.architecture(c, inputs: features.count,
                                                       objective: target == .weightSign ? .binaryCrossEntropy : .meanSquaredError)
        var models: [StoredModel] = [], forests: [StoredTrees] = []
        var curves: [(String, Value)] = []
        var metrics: [String: Value] = [:]
        let useTrees = ModelOptions.isTrees(c)
        let boosting = try ModelOptions.boosting(c, loss: target == .weightSign ? .logLoss : .squaredError, seed: settings.seed,
                                                 threads: settings.threads, step: context.step.name)
        do {
            for fold in 0..<k {
                let train = try trainingData(table, features: features, rows: plan.trainingRows(fold), target: target, dataset: name)
                let validation = try trainingData(table, features: features, rows: plan.calibrationRows(fold), target: target, dataset: name)
                context.progress("fold \(fold + 1)/\(k): \(train.count) training, \(validation.count) calibration events")
                try Task.checkCancellation()
                let notes = ["fold": String(fold), "folds": String(k), "seed": String(settings.seed),
                             "calibration_fraction": "\(fraction)", "target": target.rawValue]
                if useTrees {
                    let (model, history) = BoostedTrees.fit(
                        x: train.features, y: train.targets, weights: train.weights, features: features.count,
                        validation: (validation.features, validation.targets, validation.weights), settings: boosting,
                        progress: { i, loss, validationLoss in
                            if i % 10 == 9 {
                                context.progress(String(format: "fold %d/%d tree %3d/%d  loss %.6f  validation %.6f", fold + 1, k, i + 1,
                                                        boosting.iterations, loss, validationLoss ?? .nan))
                            }
                        }, shouldStop: { Task.isCancelled })
                    try Task.checkCancellation()
                    forests.append(StoredTrees(model: model, features: features, notes: notes))
                    curves.append(("fold\(fold)", .object([
                        ("training_loss", .array(history.trainingLoss.map(Value.double))),
                        ("validation_loss", .array(history.validationLoss.map(Value.double))),
                        ("best_epoch", .int(history.bestIteration)),
                        ("unit", .string("tree")),
                    ])))
                    metrics["fold\(fold)_validation_loss"] = .double(TableIO.rounded(history.validationLoss[history.bestIteration]))
                    metrics["fold\(fold)_trees"] = .int(model.trees.count)
                    continue
                }
                let (network, history) = Trainer<Float>(architecture: architecture, settings: settings)
                    .train(train, validation: validation, shouldStop: { Task.isCancelled }) { report in
                    context.progress(String(format: "fold %d/%d epoch %3d/%d  loss %.6f  validation %.6f  %.0f events/s", fold + 1, k,
                                            report.epoch + 1, settings.epochs, report.trainingLoss, report.validationLoss ?? .nan,
                                            report.eventsPerSecond))
                }
                models.append(StoredModel(network: network, features: features, notes: notes))
                curves.append(("fold\(fold)", .object([
                    ("training_loss", .array(history.trainingLoss.map(Value.double))),
                    ("validation_loss", .array(history.validationLoss.map(Value.double))),
                    // Timings stay in the log: outputs must be the same bytes for the same inputs.
                    ("best_epoch", .int(history.bestEpoch)),
                ])))
                metrics["fold\(fold)_validation_loss"] = .double(TableIO.rounded(history.validationLoss[history.bestEpoch]))
                metrics["fold\(fold)_epochs"] = .int(history.trainingLoss.count)
            }
        } catch let error as DataError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }
        let modelPath = context.scratch + (useTrees ? "/models.flowgbt" : "/models.flownet"), historyPath = context.scratch + "/history.json"
        if useTrees { try TreeModelFile.write(forests, to: modelPath) } else { try ModelFile.write(models, to: modelPath) }
        try Value.object(curves).prettyJSON.write(toFile: historyPath, atomically: false, encoding: .utf8)
        return StepResult(outputs: ["models": modelPath, "history": historyPath], metrics: metrics)
    }
}

/// The models of a `train` step together with the fold plan they were trained under.
struct TrainedModels {
    var models: [FoldModel]
    var plan: FoldPlan
    var target: WeightTarget

    init(_ context: StepContext, path: String, table: EventTable) throws {
        let files = context.inputs[path] ?? []
        guard let file = files.first(where: { $0.output == "models" }) else {
            throw StepFailure(step: context.step.name, message: "'\(path)' names no step with trained models")
        }
        do {
            models = try FoldModel.read(file.path)
        } catch {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }
        guard let notes = models.first?.notes, let k = notes["folds"].flatMap(Int.init), let seed = notes["seed"].flatMap(UInt64.init),
              let fraction = notes["calibration_fraction"].flatMap(Double.init) else {
            throw StepFailure(step: context.step.name, message: "the models of '\(file.step)' carry no fold plan")
        }
        plan = FoldPlan(table: table, k: k, seed: seed, calibrationFraction: fraction)
        target = WeightTarget(rawValue: notes["target"] ?? "") ?? .weightSign
    }

    /// Model outputs for the given rows (inference is the same for any thread count).
    var threads = ProcessInfo.processInfo.activeProcessorCount

    func scores(_ model: Int, _ table: EventTable, rows: [Int], dataset: String) throws -> [Double] {
        let m = models[model]
        return m.predict(try featureMatrix(table, features: m.features, rows: rows, dataset: dataset), threads: threads)
    }
}

/// `calibrate`: isotonic maps of each model's output, fitted on events it did not train on.
public struct CalibrateStep: StepKind {
    public init() {}
    public let version = 2

    public var description: KindDescription {
        KindDescription(name: "calibrate", section: .steps, summary: "Calibrate a weight-sign network with isotonic regression.", schema: .object([
            Property("model", .reference, required: true, "The train step."),
            Property("data", .reference, required: true, "The same events the model was trained on."),
            Property("method", .string(oneOf: ["isotonic", "none"]), "isotonic (default) or none."),
        ]), check: { CrossFittingCheck.modelAndData($0, models: ["train"]) })
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let c = context.step.config
        let (name, table) = try TableIO.input(context, at: "data")
        let trained = try TrainedModels(context, path: "model", table: table)
        try checkWeights(table, target: trained.target, dataset: name, step: context.step.name)
        let weights = try table.weights(in: name)
        let isotonic = (c["method"]?.string ?? "isotonic") == "isotonic"
        var maps: [(String, Value)] = []
        var before: [Reliability] = [], after: [Reliability] = []
        for fold in 0..<trained.models.count {
            let rows = trained.plan.calibrationRows(fold)
            let p = try trained.scores(fold, table, rows: rows, dataset: name)
            let y = rows.map { weights[$0] > 0 ? 1.0 : 0.0 }, w = rows.map { abs(weights[$0]) }
            let fit = isotonic ? IsotonicRegression(x: p, y: y, weights: w) : IsotonicRegression(knotsX: [0, 1], knotsY: [0, 1])
            before.append(Reliability(predictions: p, outcomes: y, weights: w))
            after.append(Reliability(predictions: fit.predict(p), outcomes: y, weights: w))
            maps.append(("fold\(fold)", .object([("x", .array(fit.x.map(Value.double))), ("y", .array(fit.y.map(Value.double))),
                                                 ("reliability_before", reliabilityJSON(before.last!)),
                                                 ("reliability_after", reliabilityJSON(after.last!))])))
            context.log(String(format: "fold %d: %d calibration events, %d knots, ECE %.4f → %.4f, Brier %.5f → %.5f", fold, rows.count,
                               fit.x.count, before.last!.expectedCalibrationError, after.last!.expectedCalibrationError,
                               before.last!.brierScore, after.last!.brierScore))
        }
        let path = context.scratch + "/calibration.json"
        try Value.object([("method", .string(isotonic ? "isotonic" : "none")), ("folds", .object(maps))]).prettyJSON
            .write(toFile: path, atomically: false, encoding: .utf8)
        let models = context.inputs["model"]!.first { $0.output == "models" }!
        let copy = context.scratch + (TreeModelFile.isTreeFile(models.path) ? "/models.flowgbt" : "/models.flownet")
        try FileManager.default.copyItem(atPath: models.path, toPath: copy)
        func mean(_ xs: [Double]) -> Value { .double(TableIO.rounded(xs.reduce(0, +) / Double(max(xs.count, 1)))) }
        return StepResult(outputs: ["calibration": path, "models": copy], metrics: [
            "ece_before": mean(before.map(\.expectedCalibrationError)), "ece_after": mean(after.map(\.expectedCalibrationError)),
            "brier_before": mean(before.map(\.brierScore)), "brier_after": mean(after.map(\.brierScore)),
        ])
    }

    func reliabilityJSON(_ r: Reliability) -> Value {
        .object([("ece", .double(r.expectedCalibrationError)), ("brier", .double(r.brierScore)),
                 ("bins", .array(r.bins.map { .array([.double($0.meanPrediction), .double($0.observedFrequency), .double($0.weight)]) }))])
    }
}

/// `transform`: the new weight column, from cross-fitted (calibrated) models or a baseline.
public struct TransformStep: StepKind {
    public init() {}
    public let version = 2

    public var description: KindDescription {
        KindDescription(name: "transform", section: .steps, summary: "Replace each weight by w′ (the original kept as weight_original).", schema: .object([
            Property("data", .reference, required: true, "The events (the ones the model was trained on)."),
            Property("model", .reference, "A calibrate or train step; each event is transformed by the model of its fold."),
            Property("mode", .string(oneOf: ["model"] + Baseline.allCases.map(\.rawValue)), "model (default with `model`), or a baseline: raw, abs, drop-negative."),
        ]), check: Self.check)
    }

    static func check(_ c: KindCheck) -> [Diagnostic] {
        let mode = c.config["mode"]?.string
        if c.config["model"] == nil && (mode == nil || mode == "model") {
            return [Diagnostic(c.mark(), "transform needs a `model` (a calibrate or train step), or a `mode` of \(Baseline.allCases.map(\.rawValue).joined(separator: ", "))")]
        }
        guard c.config["model"] != nil else { return [] }
        return CrossFittingCheck.modelAndData(c, models: ["calibrate", "train"])
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let c = context.step.config
        var (name, table) = try TableIO.input(context, at: "data")
        let weights = try table.weights(in: name)
        var newWeights: [Double]
        if let mode = c["mode"]?.string, let baseline = Baseline(rawValue: mode) {
            newWeights = baseline.apply(weights)
        } else {
            guard c["model"] != nil else {
                throw StepFailure(step: context.step.name, message: "transform needs a `model`, or a `mode` of raw, abs or drop-negative")
            }
            let trained = try TrainedModels(context, path: "model", table: table)
            let maps = try calibrationMaps(context)
            newWeights = weights
            var probabilities = [Double](repeating: .nan, count: table.rowCount)
            for fold in 0..<trained.models.count {
                let rows = trained.plan.transformedRows(fold)
                let scores = try trained.scores(fold, table, rows: rows, dataset: name)
                for (k, r) in rows.enumerated() {
                    switch trained.target {
                    case .weightSign:
                        let p = maps.map { $0[fold].predict(scores[k]) } ?? scores[k]
                        probabilities[r] = p
                        newWeights[r] = abs(weights[r]) * (2 * p - 1)
                    case .weightRegression:
                        newWeights[r] = scores[k]
                    }
                }
            }
            if trained.target == .weightSign { try table.add("p", probabilities) }
        }
        try table.add("weight_original", weights)
        try table.add(EventTable.weightColumn, newWeights)
        var result = try TableIO.output(table, context)
        let before = WeightSummary(weights)
        result.metrics["negative_fraction_before"] = .double(TableIO.rounded(before.negativeFraction))
        result.metrics["kish_fraction_before"] = .double(TableIO.rounded(before.effectiveEvents / Double(max(1, before.events))))
        result.metrics["sum_w_before"] = .double(TableIO.rounded(before.sum))
        return result
    }

    func calibrationMaps(_ context: StepContext) throws -> [IsotonicRegression]? {
        guard let file = context.inputs["model"]?.first(where: { $0.output == "calibration" }),
              let data = FileManager.default.contents(atPath: file.path) else { return nil }
        let json = try Value(json: data)
        guard json["method"]?.string == "isotonic", let folds = json["folds"]?.object else { return nil }
        return folds.sorted { $0.0.count != $1.0.count ? $0.0.count < $1.0.count : $0.0 < $1.0 }.map { _, map in
            IsotonicRegression(knotsX: map["x"]?.array?.compactMap(\.double) ?? [], knotsY: map["y"]?.array?.compactMap(\.double) ?? [])
        }
    }
}

/// Cross-fitting holds only when a model set is applied to the table it was trained on: model i is
/// used for the events of fold i, which it never saw. Pointed at another table (the merge before the
/// folds were assigned, another sample), rows would meet models that trained on them, silently.
enum CrossFittingCheck {
    /// `model` must name a step of one of `models`' kinds, and `data` the table its train step read.
    static func modelAndData(_ c: KindCheck, models: [String]) -> [Diagnostic] {
        guard let model = c.config["model"]?.string, let data = c.config["data"]?.string else { return [] }
        guard let target = c.stepNamed(model) else { return [] }
        guard models.contains(target.kind) else {
            return [Diagnostic(c.mark("model"), "'\(model)' is a \(target.kind) step; `model` takes a \(models.joined(separator: " or ")) step")]
        }
        guard let trainedOn = trainingTable(of: model, c) else { return [] }
        guard trainedOn == data else {
            return [Diagnostic(c.mark("data"), "'\(model)' was trained on '\(trainedOn)': cross-fitting needs the same table here (with '\(data)', events would be weighted by models that trained on them)")]
        }
        return []
    }

    /// The `data` of the train step behind `model` (through a calibrate step).
    static func trainingTable(of model: String, _ c: KindCheck) -> String? {
        guard let step = c.stepNamed(model) else { return nil }
        switch step.kind {
        case "train": return step.config["data"]?.string
        case "calibrate": return step.config["model"]?.string.flatMap { trainingTable(of: $0, c) }
        default: return nil
        }
    }
}
