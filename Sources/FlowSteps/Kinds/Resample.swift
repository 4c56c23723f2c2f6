import EventData
import FlowConfig
import FlowEngine
import Foundation
import Reweighting

/// `method:` of `resample`.
enum ResampleMethod: String, SettingEnum {
    case cells
}

/// `resample`: the non-neural alternative to a weight model, cell resampling (Andersen & Maier), for side
/// by side comparison: the same events with new weights, the original kept as weight_original.
public struct ResampleStep: StepKind {
    public init() {}
    public let version = 1

    struct Settings: SettingGroup {
        @Setting(required: "data", .reference, "The events to resample.") var data: String
        @Setting("method", ResampleMethod.schema, "cells: grow a cell around each negative-weight event until its Σw ≥ 0 and share Σw over it.")
        var method = ResampleMethod.cells
        @Setting("features", .list(.string(), minItems: 1), "The columns spanning the distance, each divided by its standard deviation (default: the workflow's features).")
        var features: [String]? = nil
        @Setting("max_radius", .number(minimum: 0), "Cells stop growing beyond this distance, even with Σw < 0 (default: no limit).")
        var maxRadius: Double? = nil
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "resample", section: .steps, summary: "Remove negative weights by cell resampling (the original kept as weight_original).",
                        settings: Settings.self, check: Self.check)
    }

    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let s = c.settings(Settings.self), let features = s.features, features.contains(TruthColumn.name) else { return [] }
        return [Diagnostic(c.mark("features"), "\(TruthColumn.name) is the exact E[w|x], for validation only: resampling may not read it")]
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        var (name, table) = try TableIO.input(context, at: "data")
        let features = s.features ?? context.workflow.features
        guard !features.isEmpty else {
            throw StepFailure(step: context.step.name, message: "no features: list them here or under the workflow's `features:`")
        }
        guard !features.contains(TruthColumn.name) else {
            throw StepFailure(step: context.step.name, message: "\(TruthColumn.name) is the exact E[w|x], for validation only: resampling may not read it")
        }
        let weights = try table.weights(in: name)
        let before = WeightSummary(weights)
        guard before.sum > 0 else {
            throw StepFailure(step: context.step.name, message: "'\(name)' has Σw = \(before.sum): cells can only close where the sum is positive")
        }
        let x = try featureMatrix(table, features: features, rows: Array(0..<table.rowCount), dataset: name)
        if let row = x.firstIndex(where: { !$0.isFinite }) {
            throw StepFailure(step: context.step.name, message: "'\(name)' column '\(features[row % features.count])' row \(row / features.count) is \(x[row]): distances need finite values")
        }
        let start = Date()
        let outcome = CellResampling(maxRadius: s.maxRadius).resample(features: x, dimensions: features.count, weights: weights)
        context.log(String(format: "%d cells, mean size %.2f, largest %d, %d left negative by the radius; %.1f s",
                           outcome.cells, outcome.meanCellSize, outcome.largestCell, outcome.cellsLeftNegative, Date().timeIntervalSince(start)))
        try table.add("weight_original", weights)
        try table.add(EventTable.weightColumn, outcome.weights)
        var result = try TableIO.output(table, context)
        let after = WeightSummary(outcome.weights)
        result.metrics["cells"] = .int(outcome.cells)
        result.metrics["mean_cell_size"] = .double(TableIO.rounded(outcome.meanCellSize))
        result.metrics["largest_cell"] = .int(outcome.largestCell)
        result.metrics["cells_left_negative"] = .int(outcome.cellsLeftNegative)
        result.metrics["negative_fraction_before"] = .double(TableIO.rounded(before.negativeFraction))
        result.metrics["negative_fraction_after"] = .double(TableIO.rounded(after.negativeFraction))
        result.metrics["kish_fraction_before"] = .double(TableIO.rounded(before.effectiveEvents / Double(max(1, before.events))))
        result.metrics["kish_fraction_after"] = .double(TableIO.rounded(after.effectiveEvents / Double(max(1, after.events))))
        return result
    }
}
