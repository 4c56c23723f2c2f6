import ArgumentParser
import FlowConfig
import FlowEngine
import Foundation
import SlurmExecutor

extension Flow {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a step's outputs, metrics and log.")

        @OptionGroup var options: WorkflowOptions

        @Argument(help: "The step (its full name for a matrix point, e.g. 'fit[mass=400]').")
        var step: String

        func run() async throws {
            let workspace = try options.load()
            guard let status = workspace.status().first(where: { $0.step.name == step }) else {
                let names = workspace.workflow.steps.map(\.name)
                throw ValidationError("no step named '\(step)' in \(options.workflow)\(suggestion(for: step, among: names))")
            }
            print("step     \(status.step.name)  (\(status.step.kind))")
            guard let record = status.record else {
                print("state    stale: \(status.reasons.joined(separator: "; "))")
                let failureLog = workspace.execution.failureLogPath(step)
                if let data = FileManager.default.contents(atPath: failureLog) {
                    print("log of the last failed run (\(failureLog)):")
                    print(String(decoding: data, as: UTF8.self), terminator: "")
                }
                return
            }
            print("state    up to date (ran \(record.finished), \(String(format: "%.2f", record.seconds)) s)")
            print("key      \(record.key.hex)")
            if !record.outputs.isEmpty { print("outputs") }
            for name in record.outputs.keys.sorted() {
                let output = record.outputs[name]!
                print("  \(name): \(workspace.results.directory(for: step))/\(output.file)  (\(output.size) bytes, sha256 \(output.digest.short))")
            }
            if !record.metrics.isEmpty { print("metrics") }
            for (path, value) in Value.object(record.metrics.sorted { $0.key < $1.key }).leaves() {
                print("  \(path): \(value.interpolationText)")
            }
            if let log = record.log, let data = FileManager.default.contents(atPath: workspace.store.objectPath(log)), !data.isEmpty {
                print("log")
                print(String(decoding: data, as: UTF8.self), terminator: "")
            }
        }
    }
}
