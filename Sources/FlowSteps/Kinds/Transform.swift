import Artefacts
import Calibration
import EventData
import FlowConfig
import FlowEngine
import Foundation
import Reweighting

extension Baseline: SettingEnum {}
extension WeightForm: SettingEnum {}

/// `mode:` — the model's weights, or a baseline.
enum TransformMode: String, SettingEnum {
    case model, raw, abs
    case dropNegative = "drop-negative"

    var baseline: Baseline? { Baseline(rawValue: rawValue) }
}

/// `transform`: the new weight column, from cross-fitted (calibrated) models or a baseline.
public struct TransformStep: StepKind {
    public init() {}
    public let version = 3

    struct Settings: SettingGroup {
        @Setting(required: "data", .reference, "The events (the ones the model was trained on).") var data: String
        @Setting("model", .reference, "A calibrate or train step; each event is transformed by the model of its fold.") var model: String? = nil
        @Setting("mode", TransformMode.schema, "model (with `model`), or a baseline instead of a model: raw, abs or drop-negative.")
        var mode: TransformMode? = nil
        @Setting("form", WeightForm.schema, "per-event: w′ = |w|(2p − 1); local-mean: w′ = ⟨|w|⟩(x)(2p − 1), with ⟨|w|⟩ from `magnitude`.")
        var form = WeightForm.perEvent
        @Setting("magnitude", .reference, "For the local-mean form: a train step with target abs-weight on the same events and folds.")
        var magnitude: String? = nil
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "transform", section: .steps, summary: "Replace each weight by w′ (the original kept as weight_original).",
                        settings: Settings.self, check: Self.check)
    }

    /// Exactly one of `model` and `mode`, and a model applied to its own table.
    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let s = c.settings(Settings.self) else { return [] }
        switch (s.model, s.mode?.baseline) {
        case (nil, nil):
            return [Diagnostic(c.mark(), "transform needs a `model` (a calibrate or train step), or a `mode` of \(Baseline.allCases.map(\.rawValue).joined(separator: ", "))")]
        case (_?, _?):
            return [Diagnostic(c.mark("mode"), "transform takes a `model` or a baseline `mode`, not both")]
        case (let model?, nil):
            var found = CrossFittingCheck.modelAndData(c, model: model, data: s.data, models: [CalibrateStep().name, TrainStep().name])
            switch (s.form, s.magnitude) {
            case (.localMean, nil):
                found.append(Diagnostic(c.mark("form"), "the local-mean form needs a `magnitude`: a train step with target abs-weight"))
            case (.perEvent, _?):
                found.append(Diagnostic(c.mark("magnitude"), "`magnitude` is for `form: local-mean`; the per-event form keeps each event's |w|"))
            case (.localMean, let magnitude?):
                found += CrossFittingCheck.modelAndData(c, model: magnitude, data: s.data, models: [TrainStep().name])
            case (.perEvent, nil):
                break
            }
            return found
        case (nil, _?):
            return s.form == .perEvent && s.magnitude == nil ? [] : [Diagnostic(c.mark("form"), "`form` and `magnitude` shape a model's weights; a baseline `mode` has none")]
        }
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        var (name, table) = try TableIO.input(context, at: "data")
        let weights = try table.weights(in: name)
        var newWeights: [Double]
        if let baseline = s.mode?.baseline {
            newWeights = baseline.apply(weights)
        } else {
            let (w, p) = try modelWeights(context, table: table, dataset: name, weights: weights)
            newWeights = w
            if let p { try table.add("p", p) }
            if s.form == .localMean {
                guard let p else { throw StepFailure(step: context.step.name, message: "the local-mean form needs a weight-sign model's p") }
                let magnitude = try localMeanMagnitude(context, table: table, dataset: name, weights: weights)
                try table.add("mean_abs_weight", magnitude)
                newWeights = zip(magnitude, p).map { $0 * (2 * $1 - 1) }
            }
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

    /// ⟨|w|⟩(x) for every event: the abs-weight model of its fold, mapped to |w| by an isotonic fit on that
    /// model's calibration share (so Σ⟨|w|⟩ = Σ|w| there, and the log-space fit's bias is gone).
    func localMeanMagnitude(_ context: StepContext, table: EventTable, dataset: String, weights: [Double]) throws -> [Double] {
        let trained = try TrainedModels(context, models: "magnitude", data: "data", table: table)
        guard trained.target == .absWeight else {
            throw StepFailure(step: context.step.name, message: "'magnitude' was trained with target \(trained.target.rawValue); the local-mean form needs abs-weight")
        }
        let sign = try TrainedModels(context, models: "model", data: "data", table: table)
        guard sign.plan.folds == trained.plan.folds else {
            throw StepFailure(step: context.step.name, message: "'model' and 'magnitude' split the events into different folds: give both the same `folds` and `seed`")
        }
        var magnitude = [Double](repeating: .nan, count: table.rowCount)
        for fold in 0..<trained.assignment.folds {
            let calibration = trained.plan.calibrationRows(fold)
            let scores = try trained.scores(fold, table, rows: calibration, dataset: dataset)
            let map = IsotonicRegression(x: scores, y: calibration.map { abs(weights[$0]) }, weights: Array(repeating: 1, count: calibration.count))
            let rows = trained.plan.transformedRows(fold)
            for (k, score) in try trained.scores(fold, table, rows: rows, dataset: dataset).enumerated() { magnitude[rows[k]] = map.predict(score) }
        }
        return magnitude
    }

    /// w′ for every event from the model of its fold, and (weight-sign) the calibrated p.
    func modelWeights(_ context: StepContext, table: EventTable, dataset: String, weights: [Double]) throws -> ([Double], [Double]?) {
        let trained = try TrainedModels(context, models: "model", data: "data", table: table)
        let maps = try context.inputs["model"]?.first { $0.output == "calibration" }.map { try CalibrationSet.read($0.path).maps } ?? nil
        var newWeights = [Double](repeating: .nan, count: table.rowCount)
        var probabilities = [Double](repeating: .nan, count: table.rowCount)
        var covered = [Bool](repeating: false, count: table.rowCount)
        for fold in 0..<trained.assignment.folds {
            let rows = trained.plan.transformedRows(fold)
            let scores = try trained.scores(fold, table, rows: rows, dataset: dataset)
            for (k, r) in rows.enumerated() {
                covered[r] = true
                switch trained.target {
                case .weightSign:
                    let p = maps.map { $0[fold].predict(scores[k]) } ?? scores[k]
                    probabilities[r] = p
                    newWeights[r] = abs(weights[r]) * (2 * p - 1)
                case .weightRegression:
                    newWeights[r] = scores[k]
                case .absWeight:
                    throw StepFailure(step: context.step.name, message: "'model' was trained with target abs-weight: give it as `magnitude` with `form: local-mean`, and a weight-sign model as `model`")
                }
            }
        }
        // Every row belongs to exactly one fold, so none keeps its raw weight unnoticed.
        if let row = covered.firstIndex(of: false) {
            throw StepFailure(step: context.step.name, message: "event \(row) of '\(dataset)' belongs to no fold of the models")
        }
        return (newWeights, trained.target == .weightSign ? probabilities : nil)
    }
}
