import ArgumentParser
import EventData
import FlowConfig
import FlowEngine
import FlowSteps
import Foundation

extension Flow {
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise a dataset: events, Σw ± √Σw², negative fractions, Kish N_eff, and each column.",
            discussion: "Give a data file (.csv, .npy, .npz), or a workflow and one of its steps.")

        @Argument(help: "A data file, or a workflow file followed by a step name.")
        var target: String

        @Argument(help: "The step, when the first argument is a workflow.")
        var step: String?

        func run() async throws {
            let path = try resolve()
            let table: EventTable
            do {
                table = try DataFiles.read(path)
            } catch let error as DataError {
                printError("flow: \(error)")
                throw ExitCode(1)
            }
            print(Self.render(table, title: step ?? target))
        }

        private func resolve() throws -> String {
            guard let step else { return target }
            let workflow = try WorkflowOptions.parse([target]).load()
            guard let status = workflow.status().first(where: { $0.step.name == step }) else {
                throw ValidationError("no step named '\(step)' in \(target)\(suggestion(for: step, among: workflow.workflow.steps.map(\.name)))")
            }
            guard let record = status.record else {
                throw ValidationError("'\(step)' is not up to date (\(status.reasons.joined(separator: "; "))): run it first")
            }
            guard let output = record.outputs["events"] ?? record.outputs.values.first else {
                throw ValidationError("'\(step)' has no outputs")
            }
            return workflow.store.objectPath(output.digest)
        }

        static func render(_ table: EventTable, title: String) -> String {
            var lines = ["\(title): \(table.rowCount) events, \(table.columnCount) columns"]
            if let weights = table[EventTable.weightColumn] {
                let s = WeightSummary(weights)
                lines.append(String(format: "  Σw = %.6g ± %.3g", s.sum, s.sumError))
                lines.append(String(format: "  negative weights: f = %.4f of events, r₋ = Σ|w₋|/Σ|w| = %.4f", s.negativeFraction, s.negativeWeightFraction))
                lines.append(String(format: "  Kish N_eff = (Σw)²/Σw² = %.1f (%.4f of N)", s.effectiveEvents, s.effectiveEvents / Double(max(1, s.events))))
            } else {
                lines.append("  (no 'weight' column)")
            }
            let width = max(6, table.names.map(\.count).max() ?? 0)
            lines.append("  " + "column".padding(toLength: width, withPad: " ", startingAt: 0)
                         + "          min          mean           max   weighted mean")
            for c in ColumnSummary.of(table) {
                let weighted = c.weightedMean.map { String(format: "%14.6g", $0) } ?? ""
                lines.append("  " + c.name.padding(toLength: width, withPad: " ", startingAt: 0)
                             + String(format: " %13.6g %13.6g %13.6g", c.min, c.mean, c.max) + " " + weighted)
            }
            return lines.joined(separator: "\n")
        }
    }
}
