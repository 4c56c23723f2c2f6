import ArgumentParser
import FlowConfig
import FlowEngine
import FlowPlugins
import FlowSteps
import Foundation

extension Flow {
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check workflow files without running anything.")

        @Argument(help: "Workflow files.", completion: .file(extensions: ["yaml", "yml"]))
        var files: [String]

        @Flag(help: "Treat warnings as errors.")
        var strict = false

        func run() async throws {
            var invalid = 0
            var loader = Plugins.loader
            loader.strict = strict
            for file in files {
                do {
                    let workflow = try loader.load(path: file)
                    reportWarnings(workflow.warnings)
                    print("ok: \(file) (\(workflow.steps.count) steps\(workflow.warnings.isEmpty ? "" : ", \(counted(workflow.warnings.count, "warning"))"))")
                } catch let failure as ValidationFailed {
                    invalid += 1
                    reportFailure(failure, in: file)
                }
            }
            if invalid > 0 { throw ExitCode(2) }
        }
    }
}
