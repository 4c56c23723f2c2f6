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

    /// An input: a file of the workspace, or the outputs (one, or all) of another step.
    enum Input: SettingValue {
        case file(String)
        case step(String, output: String?)

        struct StepSettings: SettingGroup {
            @Setting(required: "step", .reference, "The step whose outputs are read.") var step: String
            @Setting("output", .string(), "One output of that step; all of them when left out.") var output: String? = nil
            init() {}
        }

        static let schema = Schema.either([.file, StepSettings.schema])

        init?(setting value: Value) {
            if let file = value.string { self = .file(file); return }
            guard let step = try? StepSettings.decode(value) else { return nil }
            self = .step(step.step, output: step.output)
        }

        var settingValue: Value {
            switch self {
            case .file(let path): return .string(path)
            case .step(let step, let output): return .object([("step", .string(step))] + (output.map { [("output", .string($0))] } ?? []))
            }
        }
    }

    enum Shell: String, SettingEnum {
        case sh, bash
    }

    struct Settings: SettingGroup {
        @Setting(required: "run", .string(), "The command, run by /bin/sh (or `shell`) in an empty working directory.") var run: String
        @Setting("inputs", .dictionary(Input.schema), "Files of the workspace (relative to the workflow) or other steps' outputs.")
        var inputs = Entries<Input>()
        @Setting("outputs", .dictionary(.string()), "Output name → file the command writes in its working directory.") var outputs = Entries<String>()
        @Setting("env", .dictionary(.scalar), "Environment variables; part of the cache key.") var env = Entries<Value>()
        @Setting("metrics", .string(), "A JSON file the command writes; its values become the step's headline metrics.") var metrics: String? = nil
        @Setting("shell", Shell.schema, "The shell that runs `run`.") var shell = Shell.sh
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "command", section: .steps, summary: "Run a shell command with declared inputs and outputs.",
                        settings: Settings.self, shellKeys: ["run"], check: Self.check)
    }

    /// What the schema cannot say: output paths stay inside the working directory and are distinct,
    /// every `${inputs.x}`/`${outputs.x}` is declared, and a named upstream output exists.
    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let s = c.settings(Settings.self) else { return [] }
        var found: [Diagnostic] = []
        var files: [String: String] = [:]
        for (name, file) in s.outputs.pairs {
            if let problem = outputPathProblem(file) {
                found.append(Diagnostic(c.mark("outputs", name), "output '\(name)': \(problem)"))
            } else if let other = files[(file as NSString).lastPathComponent] {
                found.append(Diagnostic(c.mark("outputs", name), "outputs '\(other)' and '\(name)' have the same file name '\((file as NSString).lastPathComponent)'; results/ keeps one file per name"))
            } else {
                files[(file as NSString).lastPathComponent] = name
            }
        }
        let declared: [String: Set<String>] = ["inputs": Set(s.inputs.keys), "outputs": Set(s.outputs.keys)]
        _ = try? ShellText.splice(s.run) { reference in
            let parts = reference.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2, let names = declared[parts[0]], !names.contains(parts[1]) {
                found.append(Diagnostic(c.mark("run"), "'${\(reference)}' names no declared \(parts[0].dropLast()) (declared: \(names.sorted().joined(separator: ", ")))"))
            }
            return nil
        }
        for (name, input) in s.inputs.pairs {
            guard case .step(let step, let output?) = input, let outputs = c.outputsOf(step), !outputs.contains(output) else { continue }
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
        let s = try context.settings(Settings.self)
        let inputPaths = try inputs(s, context)
        var outputPaths: [String: String] = [:]
        for (name, file) in s.outputs.pairs {
            if let problem = Self.outputPathProblem(file) {
                throw StepFailure(step: context.step.name, message: "output '\(name)': \(problem)")
            }
            outputPaths[name] = context.scratch + "/" + file
            try FileManager.default.createDirectory(atPath: ((context.scratch + "/" + file) as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
        }

        var environment = ProcessInfo.processInfo.environment
        for (key, value) in s.env.pairs { environment[key] = value.interpolationText }
        environment["FLOW_STEP"] = context.step.name
        environment["FLOW_WORKFLOW_DIR"] = context.workflow.directory
        environment["FLOW_THREADS"] = String(context.threads)
        for (name, paths) in inputPaths { environment["FLOW_INPUT_\(Self.variableName(name))"] = paths.joined(separator: " ") }
        for (name, path) in outputPaths { environment["FLOW_OUTPUT_\(Self.variableName(name))"] = path }

        let script: String
        do {
            script = try Self.substitute(s.run, inputs: inputPaths, outputs: outputPaths)
        } catch let error as ShellText.Unquotable {
            throw StepFailure(step: context.step.name, message: "'${\(error.reference)}' stands inside \(error.context), where flow cannot quote it; use $FLOW_\(error.reference.uppercased().replacingOccurrences(of: ".", with: "_")) instead")
        }
        let shell = "/bin/" + s.shell.rawValue
        let status = try await ChildProcess.run([shell, "-c", script], directory: context.scratch, environment: environment,
                                                logPath: context.logPath, pgidFile: context.scratch + "/.pgid")
        guard status == 0 else {
            throw StepFailure(step: context.step.name, message: status > 128 ? "command killed by signal \(status - 128)" : "command exited with status \(status)")
        }

        var metrics: [String: Value] = [:]
        if let file = s.metrics {
            let path = context.scratch + "/" + file
            guard let data = FileManager.default.contents(atPath: path),
                  case .object(let pairs)? = try? Value(json: data) else {
                throw StepFailure(step: context.step.name, message: "metrics file '\(file)' is missing or not a JSON object")
            }
            metrics = Dictionary(pairs, uniquingKeysWith: { a, _ in a })
        }
        return StepResult(outputs: outputPaths, metrics: metrics)
    }

    /// The paths of each declared input: a workspace file, or the chosen outputs of a step.
    func inputs(_ s: Settings, _ context: StepContext) throws -> [String: [String]] {
        var paths: [String: [String]] = [:]
        for (name, input) in s.inputs.pairs {
            switch input {
            case .file(let file):
                paths[name] = [context.files[file] ?? file]
            case .step(let step, let output):
                let files = context.inputs["inputs.\(name).step"] ?? []
                paths[name] = files.filter { output == nil || $0.output == output }.map(\.path)
                if paths[name]!.isEmpty {
                    throw StepFailure(step: context.step.name, message: "input '\(name)': step '\(step)' has no output '\(output ?? "")'")
                }
            }
        }
        return paths
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
