import FlowConfig
import FlowEngine
import Foundation

/// `command`: runs a shell command for any analysis step flow has no built-in kind for.
///
/// The command runs in an empty scratch directory, with `${inputs.NAME}` and `${outputs.NAME}`
/// replaced by paths (also exported as `FLOW_INPUT_NAME` / `FLOW_OUTPUT_NAME`). Its declared
/// inputs are hashed into the cache key; the inherited environment is not, so anything that
/// changes results belongs in `env:` or `inputs:`.
public struct CommandStep: StepKind {
    public init() {}

    public let version = 1

    public var description: KindDescription {
        KindDescription(name: "command", section: .steps, summary: "Run a shell command with declared inputs and outputs.", schema: .object([
            Property("run", .string(), required: true, "The command, run by /bin/sh (or `shell`) in an empty working directory."),
            Property("inputs", .dictionary(.either([
                .file,
                .object([
                    Property("step", .reference, required: true, "The step whose outputs are read."),
                    Property("output", .string(), "One output of that step; all of them when left out."),
                ]),
            ])), "Files of the workspace (relative to the workflow) or other steps' outputs."),
            Property("outputs", .dictionary(.string()), "Output name → file the command writes in its working directory."),
            Property("env", .dictionary(.scalar), "Environment variables; part of the cache key."),
            Property("metrics", .string(), "A JSON file the command writes; its values become the step's headline metrics."),
            Property("shell", .string(oneOf: ["sh", "bash"]), "The shell that runs `run` (default sh)."),
        ]))
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let config = context.step.config
        var inputPaths: [String: [String]] = [:]
        for (name, value) in config["inputs"]?.object ?? [] {
            if let file = value.string {
                inputPaths[name] = [context.files[file] ?? file]
            } else {
                let output = value["output"]?.string
                let files = context.inputs["inputs.\(name).step"] ?? []
                inputPaths[name] = files.filter { output == nil || $0.output == output }.map(\.path)
                if inputPaths[name]!.isEmpty {
                    throw StepFailure(step: context.step.name, message: "input '\(name)': step '\(value["step"]?.string ?? "")' has no output '\(output ?? "")'")
                }
            }
        }
        var outputPaths: [String: String] = [:]
        for (name, value) in config["outputs"]?.object ?? [] {
            guard let file = value.string, !file.hasPrefix("/"), !file.split(separator: "/").contains("..") else {
                throw StepFailure(step: context.step.name, message: "output '\(name)' must be a path inside the working directory")
            }
            outputPaths[name] = context.scratch + "/" + file
        }

        var environment = ProcessInfo.processInfo.environment
        for (key, value) in config["env"]?.object ?? [] { environment[key] = value.interpolationText }
        environment["FLOW_STEP"] = context.step.name
        environment["FLOW_WORKFLOW_DIR"] = context.workflow.directory
        environment["FLOW_THREADS"] = String(context.threads)
        for (name, paths) in inputPaths { environment["FLOW_INPUT_\(Self.variableName(name))"] = paths.joined(separator: " ") }
        for (name, path) in outputPaths { environment["FLOW_OUTPUT_\(Self.variableName(name))"] = path }

        let script = Self.substitute(config["run"]?.string ?? "", inputs: inputPaths, outputs: outputPaths)
        let shell = config["shell"]?.string == "bash" ? "/bin/bash" : "/bin/sh"
        let status = try await ChildProcess.run([shell, "-c", script], directory: context.scratch, environment: environment,
                                                logPath: context.logPath, pgidFile: context.scratch + "/.pgid")
        guard status == 0 else {
            throw StepFailure(step: context.step.name, message: status > 128 ? "command killed by signal \(status - 128)" : "command exited with status \(status)")
        }

        var metrics: [String: Value] = [:]
        if let file = config["metrics"]?.string {
            let path = context.scratch + "/" + file
            guard let data = FileManager.default.contents(atPath: path),
                  case .object(let pairs)? = try? Value(json: data) else {
                throw StepFailure(step: context.step.name, message: "metrics file '\(file)' is missing or not a JSON object")
            }
            metrics = Dictionary(pairs, uniquingKeysWith: { a, _ in a })
        }
        return StepResult(outputs: outputPaths, metrics: metrics)
    }

    static func variableName(_ name: String) -> String {
        String(name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// Replaces `${inputs.x}` (several paths on fan-in) and `${outputs.x}` with shell-quoted paths.
    static func substitute(_ script: String, inputs: [String: [String]], outputs: [String: String]) -> String {
        var text = script
        for (name, paths) in inputs {
            text = text.replacingOccurrences(of: "${inputs.\(name)}", with: paths.map(shellQuoted).joined(separator: " "))
        }
        for (name, path) in outputs {
            text = text.replacingOccurrences(of: "${outputs.\(name)}", with: shellQuoted(path))
        }
        return text
    }

    static func shellQuoted(_ s: String) -> String {
        s.allSatisfy { $0.isLetter || $0.isNumber || "/._-=,+:@%".contains($0) } ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
