import ArgumentParser
import FlowConfig
import FlowEngine
import FlowPlugins
import FlowSteps
import Foundation

/// The `flow` command: declarative, cached analysis workflows.
struct Flow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow",
        abstract: "Run declarative analysis workflows: every step cached by content, only what changed runs again.",
        discussion: "Exit status: 0 success, 1 a step failed, 2 an invalid workflow or usage, 130 interrupted.",
        version: "0.1.0",
        subcommands: [Run.self, Status.self, Show.self, Inspect.self, DAG.self, Validate.self, GC.self, Verify.self, Remote.self, Push.self, Pull.self, Diff.self, Schema.self, ExecStep.self]
    )
}

/// Options shared by the commands that read one workflow.
struct WorkflowOptions: ParsableArguments {
    @Argument(help: "The workflow file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var workflow: String

    @Option(name: [.short, .customLong("param")], help: ArgumentHelp("Override a parameter.", valueName: "name=value"))
    var params: [String] = []

    /// The `-p name=value` pairs.
    func overrides() throws -> [(String, String)] {
        try params.map { param in
            guard let equals = param.firstIndex(of: "=") else {
                throw ValidationError("--param takes name=value, got '\(param)'")
            }
            return (String(param[..<equals]), String(param[param.index(after: equals)...]))
        }
    }

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    func load() throws -> Workspace {
        let overrides = try overrides()
        var loader = Plugins.loader
        loader.strict = strict
        do {
            let workflow = try loader.load(path: workflow, overrides: overrides)
            reportWarnings(workflow.warnings)
            return Workspace(workflow: workflow, kinds: Plugins.kinds)
        } catch let failure as ValidationFailed {
            reportFailure(failure, in: workflow)
            throw ExitCode(2)
        }
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

/// Errors (and the warnings found with them) of a workflow that cannot run, and their count.
func reportFailure(_ failure: ValidationFailed, in file: String) {
    printError(failure.description)
    let warnings = failure.diagnostics.filter { $0.severity == .warning }.count
    printError(counted(failure.errorCount, "error") + (warnings > 0 ? " and " + counted(warnings, "warning") : "") + " in \(file)")
}

/// Warnings of a workflow that runs anyway; `--strict` makes them errors.
func reportWarnings(_ warnings: [Diagnostic]) {
    if !warnings.isEmpty { printError(DiagnosticRenderer.render(warnings)) }
}

/// Parses and runs a command; usage errors exit 2 like invalid workflows.
@main
enum Main {
    static func main() async {
        do {
            var command = try Flow.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = Flow.exitCode(for: error)
            if code == .validationFailure {
                printError(Flow.fullMessage(for: error))
                exit(2)
            }
            Flow.exit(withError: error)
        }
    }
}
