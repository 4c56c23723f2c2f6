import ArgumentParser
import FlowConfig
import FlowEngine
import FlowSteps
import Foundation

extension Flow {
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check workflow files without running anything.")

        @Argument(help: "Workflow files.", completion: .file(extensions: ["yaml", "yml"]))
        var files: [String]

        func run() async throws {
            var invalid = 0
            for file in files {
                do {
                    let workflow = try Catalog.loader.load(path: file)
                    print("ok: \(file) (\(workflow.steps.count) steps)")
                } catch let failure as ValidationFailed {
                    invalid += 1
                    printError(failure.description)
                    printError("\(failure.diagnostics.count) error\(failure.diagnostics.count == 1 ? "" : "s") in \(file)")
                }
            }
            if invalid > 0 { throw ExitCode(2) }
        }
    }
}
