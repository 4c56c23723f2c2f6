import Artefacts
import EventData
import FlowConfig
import FlowEngine
import Foundation
import Network
import Reweighting

extension WeightTarget: SettingEnum {}

/// `train`: the weight model, one per fold for cross-fitting.
public struct TrainStep: StepKind {
    public init() {}
    public let version = 4

    static let defaultFolds = 3

    struct Settings: SettingGroup {
        @Setting(required: "data", .reference, "The weighted events.") var data: String
        @Setting("target", WeightTarget.schema, "weight-sign: classify w > 0 against w < 0; weight-regression: regress w; abs-weight: tell |w|-weighted events from mean-|w|-weighted ones, for the local-mean form of transform.")
        var target = WeightTarget.weightSign
        @Setting("folds", .integer(minimum: 1, maximum: 100),
                 "Cross-fitting folds k (default: the table's fold column, else \(TrainStep.defaultFolds)); model i never sees fold i.")
        var folds: Int? = nil
        @Setting("calibration_fraction", .number(minimum: 0, maximum: 0.95),
                 "Share of each model's training folds kept for early stopping and calibration.")
        var calibrationFraction = 0.2
        @Setting("epochs", .integer(minimum: 1, maximum: 100_000), "Network: training epochs.") var epochs = 30
        @Setting("ensemble", .integer(minimum: 1, maximum: 100), "Models per fold, each from its own seed (seed, seed + 1, …); their outputs are averaged.")
        var ensemble = 1
        var fit = FitOptions()
        var network = NetworkOptions()
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "train", section: .steps, summary: "Train the weight model (k-fold cross-fitted).", settings: Settings.self, check: Self.check)
    }

    /// Settings that defeat cross-fitting or calibration, or do nothing with the chosen model.
    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let s = c.settings(Settings.self) else { return [] }
        var found: [Diagnostic] = []
        if s.folds == 1 {
            found.append(Diagnostic(c.mark("folds"), "with one fold the model weights the very events it was trained on (no cross-fitting): use folds ≥ 2", severity: .warning))
        }
        if s.calibrationFraction == 0 {
            found.append(Diagnostic(c.mark("calibration_fraction"), "calibration_fraction 0 leaves no events for early stopping and the isotonic calibration: use a share such as 0.2"))
        }
        // One way to say k: a table with a fold column (from `split`) fixes it.
        if let k = s.folds, let data = c.stepNamed(s.data), data.kind == SplitStep().name,
           let split = try? SplitStep.Settings.decode(data.config), let columnFolds = split.folds, columnFolds != k {
            found.append(Diagnostic(c.mark("folds"), "'\(s.data)' numbers \(columnFolds) folds in its fold column, and `folds:` asks for \(k): leave out `folds:` to use the column"))
        }
        return found + ModelKindCheck.options(c, networkKeys: ["epochs"] + NetworkOptions.properties.map(\.name)) + FitOptions.check(c)
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        let (name, table) = try TableIO.input(context, at: "data")
        let features = try s.fit.features(context)
        try checkWeights(table, target: s.target, dataset: name, step: context.step.name)
        let assignment: FoldAssignment
        do {
            assignment = try FoldAssignment.make(for: table, digest: try TableIO.inputFile(context, at: "data").digest, dataset: name,
                                                 requested: s.folds, seed: s.fit.seed, calibrationFraction: s.calibrationFraction,
                                                 ensemble: s.ensemble)
        } catch let error as DataError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }
        let plan = assignment.plan(table)
        let objective: Objective = s.target == .weightRegression ? .meanSquaredError : .binaryCrossEntropy
        var models: [FoldModel] = [], curves: [FitCurve] = []
        do {
            for fold in 0..<assignment.folds {
                let train = try trainingData(table, features: features, rows: plan.trainingRows(fold), target: s.target, dataset: name)
                let validation = try trainingData(table, features: features, rows: plan.calibrationRows(fold), target: s.target, dataset: name)
                context.progress("fold \(fold + 1)/\(assignment.folds): \(train.count) training, \(validation.count) calibration events")
                for member in 0..<s.ensemble {
                    var fit = s.fit
                    fit.seed += member
                    let label = "fold \(fold + 1)/\(assignment.folds)" + (s.ensemble > 1 ? " model \(member + 1)/\(s.ensemble)" : "")
                    let (model, history) = try ModelFit(fit: fit, network: s.network, epochs: s.epochs)
                        .run(train, validation: validation, features: features, objective: objective,
                             notes: ["fold": String(fold), "member": String(member), "target": s.target.rawValue], label: label, context: context)
                    models.append(model)
                    curves.append(history)
                }
            }
        } catch let error as DataError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }
        return StepResult(outputs: ["models": try FoldModel.write(models, in: context.scratch),
                                    "folds": try assignment.write(in: context.scratch),
                                    "history": try TrainingCurves(folds: curves).write(in: context.scratch)],
                          metrics: Self.metrics(curves))
    }

    /// Per fold: the best validation loss, and the epochs run or trees kept.
    static func metrics(_ curves: [FitCurve]) -> [String: Value] {
        var metrics: [String: Value] = [:]
        for (fold, curve) in curves.enumerated() {
            metrics["fold\(fold)_validation_loss"] = .double(TableIO.rounded(curve.bestValidationLoss))
            metrics["fold\(fold)_\(curve.unit == "tree" ? "trees" : "epochs")"] = .int(curve.size)
        }
        return metrics
    }
}
