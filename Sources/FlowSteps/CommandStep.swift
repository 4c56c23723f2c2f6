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
        ]), shellKeys: ["run"], check: Self.check)
    }

    /// What the schema cannot say: output paths stay inside the working directory and are distinct,
    /// every `${inputs.x}`/`${outputs.x}` is declared, and a named upstream output exists.
    static func check(_ c: KindCheck) -> [Diagnostic] {
        var found: [Diagnostic] = []
        var files: [String: String] = [:]
        for (name, value) in c.config["outputs"]?.object ?? [] {
            let file = value.string ?? ""
            if let problem = outputPathProblem(file) {
                found.append(Diagnostic(c.mark("outputs", name), "output '\(name)': \(problem)"))
            } else if let other = files[(file as NSString).lastPathComponent] {
                found.append(Diagnostic(c.mark("outputs", name), "outputs '\(other)' and '\(name)' have the same file name '\((file as NSString).lastPathComponent)'; results/ keeps one file per name"))
            } else {
                files[(file as NSString).lastPathComponent] = name
            }
        }
        let declared: [String: Set<String>] = [
            "inputs": Set(c.config["inputs"]?.object?.map(\.0) ?? []),
            "outputs": Set(c.config["outputs"]?.object?.map(\.0) ?? []),
        ]
        let run = c.config["run"]?.string ?? ""
        _ = try? ShellText.splice(run) { reference in
            let parts = reference.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2, let names = declared[parts[0]], !names.contains(parts[1]) {
                found.append(Diagnostic(c.mark("run"), "'${\(reference)}' names no declared \(parts[0].dropLast()) (declared: \(names.sorted().joined(separator: ", ")))"))
            }
            return nil
        }
        for (name, value) in c.config["inputs"]?.object ?? [] {
            guard let step = value["step"]?.string, let output = value["output"]?.string,
                  let outputs = c.outputsOf(step), !outputs.contains(output) else { continue }
            found.append(Diagnostic(c.mark("inputs", name, "output"), "step '\(step)' has no output '\(output)' (its outputs: \(outputs.sorted().joined(separator: ", ")))"))
        }
        return found
    }

    /// Why `file` cannot be an output path, if it cannot: it must stay in the working directory and
    /// not collide with what flow keeps there.
    static func outputPathProblem(_ file: String) -> String? {
        let parts = file.split(separator: "/", omittingEmptySubsequences: false)
        if file.isEmpty || file.hasPrefix("/") || parts.contains("..") || parts.contains("") || parts.contains(".") {
            return "'\(file)' must be a relative path inside the working directory (no '..', no leading '/')"
        }
        if parts.first == "inputs" || [".log", ".pgid"].contains(file) {
            return "'\(file)' is where flow keeps the step's inputs and log; choose another name"
        }
        if file.unicodeScalars.contains(where: { $0.value < 0x20 }) { return "'\(file)' holds control characters" }
        return nil
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
            let file = value.string ?? ""
            if let problem = Self.outputPathProblem(file) {
                throw StepFailure(step: context.step.name, message: "output '\(name)': \(problem)")
            }
            outputPaths[name] = context.scratch + "/" + file
            try FileManager.default.createDirectory(atPath: ((context.scratch + "/" + file) as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
        }

        var environment = ProcessInfo.processInfo.environment
        for (key, value) in config["env"]?.object ?? [] { environment[key] = value.interpolationText }
        environment["FLOW_STEP"] = context.step.name
        environment["FLOW_WORKFLOW_DIR"] = context.workflow.directory
        environment["FLOW_THREADS"] = String(context.threads)
        for (name, paths) in inputPaths { environment["FLOW_INPUT_\(Self.variableName(name))"] = paths.joined(separator: " ") }
        for (name, path) in outputPaths { environment["FLOW_OUTPUT_\(Self.variableName(name))"] = path }

        let script: String
        do {
            script = try Self.substitute(config["run"]?.string ?? "", inputs: inputPaths, outputs: outputPaths)
        } catch let error as ShellText.Unquotable {
            throw StepFailure(step: context.step.name, message: "'${\(error.reference)}' stands inside \(error.context), where flow cannot quote it; use $FLOW_\(error.reference.uppercased().replacingOccurrences(of: ".", with: "_")) instead")
        }
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

    /// Replaces `${inputs.x}` (several paths on fan-in) and `${outputs.x}` with paths quoted for the shell.
    static func substitute(_ script: String, inputs: [String: [String]], outputs: [String: String]) throws -> String {
        try ShellText.splice(script) { reference in
            if reference.hasPrefix("inputs.") { return inputs[String(reference.dropFirst(7))] }
            if reference.hasPrefix("outputs.") { return outputs[String(reference.dropFirst(8))].map { [$0] } }
            return nil
        }
    }
}
