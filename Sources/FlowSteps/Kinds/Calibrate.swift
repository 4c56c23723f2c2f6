import Artefacts
import Calibration
import EventData
import FlowConfig
import FlowEngine
import Foundation
import Random

/// `calibrate`: isotonic maps of each model's output, fitted on events it did not train on.
public struct CalibrateStep: StepKind {
    public init() {}
    public let version = 3

    enum Method: String, SettingEnum {
        case isotonic, none
    }

    struct Settings: SettingGroup {
        @Setting(required: "model", .reference, "The train step.") var model: String
        @Setting(required: "data", .reference, "The same events the model was trained on.") var data: String
        @Setting("method", Method.schema, "isotonic, or none (the identity map).") var method = Method.isotonic
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "calibrate", section: .steps, summary: "Calibrate a weight-sign model with isotonic regression.",
                        settings: Settings.self, check: Self.check)
    }

    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let s = c.settings(Settings.self) else { return [] }
        return CrossFittingCheck.modelAndData(c, model: s.model, data: s.data, models: [TrainStep().name])
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        let (name, table) = try TableIO.input(context, at: "data")
        let trained = try TrainedModels(context, models: "model", data: "data", table: table)
        try checkWeights(table, target: trained.target, dataset: name, step: context.step.name)
        let weights = try table.weights(in: name)
        var folds: [FoldCalibration] = []
        for fold in 0..<trained.assignment.folds {
            let rows = trained.plan.calibrationRows(fold)
            let p = try trained.scores(fold, table, rows: rows, dataset: name)
            let y = rows.map { weights[$0] > 0 ? 1.0 : 0.0 }, w = rows.map { abs(weights[$0]) }
            let fit = s.method == .isotonic ? IsotonicRegression(x: p, y: y, weights: w) : IsotonicRegression(knotsX: [0, 1], knotsY: [0, 1])
            let before = Reliability(predictions: p, outcomes: y, weights: w)
            let after = Reliability(predictions: s.method == .isotonic ? Self.crossFitted(p, y, w, seed: UInt64(fold)) : p, outcomes: y, weights: w)
            folds.append(FoldCalibration(x: fit.x, y: fit.y, before: before.summary, after: after.summary))
            context.log(String(format: "fold %d: %d calibration events, %d knots, ECE %.4f → %.4f, Brier %.5f → %.5f", fold, rows.count,
                               fit.x.count, before.expectedCalibrationError, after.expectedCalibrationError, before.brierScore, after.brierScore))
        }
        // The models and their folds pass through, so `transform` needs only this step.
        let models = context.inputs["model"]!.filter { $0.output == "models" || $0.output == "folds" }
        var outputs = ["calibration": try CalibrationSet(method: s.method.rawValue, folds: folds).write(in: context.scratch)]
        for file in models {
            let copy = context.scratch + "/" + (file.path as NSString).lastPathComponent
            try FileManager.default.copyItem(atPath: file.path, toPath: copy)
            outputs[file.output] = copy
        }
        func mean(_ xs: [Double]) -> Value { .double(TableIO.rounded(xs.reduce(0, +) / Double(max(xs.count, 1)))) }
        return StepResult(outputs: outputs, metrics: [
            "ece_before": mean(folds.map(\.before.ece)), "ece_after": mean(folds.map(\.after.ece)),
            "brier_before": mean(folds.map(\.before.brier)), "brier_after": mean(folds.map(\.after.brier)),
        ])
    }
}

extension CalibrateStep {
    /// Calibrated predictions that no map saw: the calibration events in two seeded halves, each mapped by
    /// the isotonic fit of the other. A map judged on its own events looks perfect (ECE ≈ 10⁻¹⁵).
    static func crossFitted(_ p: [Double], _ y: [Double], _ w: [Double], seed: UInt64) -> [Double] {
        let half = Splits.parts(rows: p.count, fractions: [0.5, 0.5], seed: seed &+ 0x49534F)
        var out = p
        for part in 0..<2 {
            let fitRows = half.indices.filter { half[$0] != part }, applyRows = half.indices.filter { half[$0] == part }
            guard !fitRows.isEmpty else { continue }
            let map = IsotonicRegression(x: fitRows.map { p[$0] }, y: fitRows.map { y[$0] }, weights: fitRows.map { w[$0] })
            for r in applyRows { out[r] = map.predict(p[r]) }
        }
        return out
    }
}

extension Reliability {
    var summary: ReliabilitySummary {
        ReliabilitySummary(ece: expectedCalibrationError, brier: brierScore,
                           bins: bins.map { [$0.meanPrediction, $0.observedFrequency, $0.weight] })
    }
}

extension CalibrationSet {
    /// The maps as functions, one per fold; nil for `method: none`.
    var maps: [IsotonicRegression]? {
        method == CalibrateStep.Method.isotonic.rawValue ? folds.map { IsotonicRegression(knotsX: $0.x, knotsY: $0.y) } : nil
    }
}
