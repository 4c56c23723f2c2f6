import EventData
import FlowConfig
import FlowEngine
import Foundation

/// How dataset steps read their inputs and write their one `events` table.
enum TableIO {
    /// The events file a configuration path (`data`, `[2]` …) refers to.
    static func inputFile(_ context: StepContext, at path: String) throws -> InputFile {
        let files = context.inputs[path] ?? []
        guard let file = files.first(where: { $0.output == "events" }) ?? files.first else {
            throw StepFailure(step: context.step.name, message: "'\(path)' names no dataset")
        }
        return file
    }

    /// The table a configuration path refers to; fails unless it is exactly one table.
    static func input(_ context: StepContext, at path: String) throws -> (name: String, table: EventTable) {
        let file = try inputFile(context, at: path)
        do {
            return (file.step, try NPZ.read(file.path))
        } catch let error as DataError {
            throw StepFailure(step: context.step.name, message: "reading \(file.step): \(error)")
        }
    }

    /// Writes `table` as the step's `events.npz` and reports its weight summary as headline metrics.
    static func output(_ table: EventTable, _ context: StepContext) throws -> StepResult {
        let path = context.scratch + "/events.npz"
        try NPZ.write(table, to: path)
        var metrics: [String: Value] = ["events": .int(table.rowCount), "columns": .int(table.columnCount)]
        if let weights = table[EventTable.weightColumn] {
            let summary = WeightSummary(weights)
            metrics["sum_w"] = .double(rounded(summary.sum))
            metrics["sum_w_error"] = .double(rounded(summary.sumError))
            metrics["negative_fraction"] = .double(rounded(summary.negativeFraction))
            metrics["negative_weight_fraction"] = .double(rounded(summary.negativeWeightFraction))
            metrics["kish_fraction"] = .double(rounded(summary.effectiveEvents / Double(max(1, table.rowCount))))
        }
        context.log("wrote \(table.rowCount) events × \(table.columnCount) columns")
        return StepResult(outputs: ["events": path], metrics: metrics)
    }

    /// Six significant digits: enough for a lock file a person reads, and stable in its diffs.
    static func rounded(_ x: Double) -> Double {
        guard x != 0, x.isFinite else { return x }
        let scale = pow(10, 5 - floor(log10(abs(x))))
        return (x * scale).rounded() / scale
    }

    static func failure(_ context: StepContext, _ error: Error) -> StepFailure {
        error as? StepFailure ?? StepFailure(step: context.step.name, message: "\(error)")
    }
}
