import FlowConfig
import FlowEngine
import Foundation

/// Step kinds made up for the engine's tests: each does one small, observable thing, so scheduling,
/// caching, retries and cancellation are tested without flow's real kinds. Every output is named `o`.
enum FakeKinds {
    static let registry = KindRegistry([WriteKind(), ConcatKind(), FailKind(), FlakyKind(), SleepKind(), MeetKind(), LazyKind()])
    static var loader: WorkflowLoader { WorkflowLoader(kinds: registry.descriptions) }

    /// Where a kind writes its output `o`.
    static func output(_ context: StepContext) -> String {
        context.scratch + "/" + (context.step.config["file"]?.string ?? "out.txt")
    }

    /// The files of the references at `inputs`, in the order they were written (fan-in: matrix order).
    static func inputs(_ context: StepContext) -> [InputFile] {
        let count = context.step.config["inputs"]?.array?.count ?? 0
        return (0..<count).flatMap { context.inputs["inputs[\($0)]"] ?? [] }
    }

    static let inputsProperty = Property("inputs", .list(.reference), "Steps whose outputs this one waits for or reads.")
    static let fileProperty = Property("file", .string(), "The output file (default out.txt).")
}

/// `write`: writes `text` and a newline to its output. `note` is configuration only: it changes the
/// cache key, never the bytes written.
struct WriteKind: StepKind {
    let version = 1
    var description: KindDescription {
        KindDescription(name: "write", section: .steps, summary: "Writes text to a file.", schema: .object([
            Property("text", .scalar, required: true, "What to write."),
            FakeKinds.fileProperty,
            Property("note", .scalar, "Part of the key only."),
        ]))
    }

    func run(_ context: StepContext) async throws -> StepResult {
        let path = FakeKinds.output(context)
        try Data((context.step.config["text"]!.interpolationText + "\n").utf8).write(to: URL(fileURLWithPath: path))
        context.log("wrote \((path as NSString).lastPathComponent)")
        return StepResult(outputs: ["o": path])
    }
}

/// `concat`: the upstream outputs at `inputs`, then the workspace `files`, concatenated; with
/// `paths: true` each file's path is written on a line before its content.
struct ConcatKind: StepKind {
    let version = 1
    var description: KindDescription {
        KindDescription(name: "concat", section: .steps, summary: "Concatenates files.", schema: .object([
            FakeKinds.inputsProperty,
            Property("files", .list(.file), "Workspace files, relative to the workflow."),
            FakeKinds.fileProperty,
            Property("paths", .boolean, "Write each file's path before its content."),
        ]))
    }

    func run(_ context: StepContext) async throws -> StepResult {
        let config = context.step.config
        let paths = FakeKinds.inputs(context).map(\.path)
            + (config["files"]?.array ?? []).map { context.files[$0.string!]! }
        var text = Data()
        for path in paths {
            if config["paths"]?.bool == true { text.append(Data((path + "\n").utf8)) }
            guard let content = FileManager.default.contents(atPath: path) else {
                throw StepFailure(step: context.step.name, message: "cannot read \(path)")
            }
            text.append(content)
        }
        let output = FakeKinds.output(context)
        try text.write(to: URL(fileURLWithPath: output))
        return StepResult(outputs: ["o": output])
    }
}

/// `fail`: writes `log` to its log, then fails with `message`.
struct FailKind: StepKind {
    let version = 1
    var description: KindDescription {
        KindDescription(name: "fail", section: .steps, summary: "Always fails.", schema: .object([
            Property("message", .string(), required: true, "The failure's message."),
            Property("log", .string(), "A line for the log first."),
            FakeKinds.inputsProperty,
        ]))
    }

    func run(_ context: StepContext) async throws -> StepResult {
        if let line = context.step.config["log"]?.string { context.log(line) }
        throw StepFailure(step: context.step.name, message: context.step.config["message"]!.string!)
    }
}

/// `flaky`: fails while the file `marker` does not exist, creating it; succeeds (writing `text`) once it does.
/// The first attempt fails, the second succeeds.
struct FlakyKind: StepKind {
    let version = 1
    var description: KindDescription {
        KindDescription(name: "flaky", section: .steps, summary: "Fails the first time.", schema: .object([
            Property("marker", .string(), required: true, "An absolute path outside the store."),
            Property("text", .scalar, "What to write on success."),
            FakeKinds.fileProperty,
        ]))
    }

    func run(_ context: StepContext) async throws -> StepResult {
        let marker = context.step.config["marker"]!.string!
        guard FileManager.default.fileExists(atPath: marker) else {
            _ = FileManager.default.createFile(atPath: marker, contents: nil)
            throw StepFailure(step: context.step.name, message: "not this time")
        }
        let path = FakeKinds.output(context)
        try Data(((context.step.config["text"]?.interpolationText ?? "ok") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return StepResult(outputs: ["o": path])
    }
}

/// `sleep`: runs `/bin/sleep seconds` as a child process, which cancelling the run must stop.
struct SleepKind: StepKind {
    let version = 1
    var description: KindDescription {
        KindDescription(name: "sleep", section: .steps, summary: "Sleeps in a child process.", schema: .object([
            Property("seconds", .number(minimum: 0, maximum: 3_600), required: true, "How long."),
            FakeKinds.inputsProperty,
        ]))
    }

    func run(_ context: StepContext) async throws -> StepResult {
        let seconds = context.step.config["seconds"]!.double!
        let status = try await ChildProcess.run(["/bin/sleep", "\(seconds)"], directory: context.scratch,
                                                environment: ProcessInfo.processInfo.environment, logPath: context.logPath)
        guard status == 0 else { throw StepFailure(step: context.step.name, message: "sleep ended with status \(status)") }
        return StepResult(outputs: [:])
    }
}

/// `meet`: creates `directory/<step name>`, then waits up to `timeout` seconds for `directory/<other>`;
/// two `meet` steps naming each other succeed only when they run at the same time.
struct MeetKind: StepKind {
    let version = 1
    var description: KindDescription {
        KindDescription(name: "meet", section: .steps, summary: "Waits for another step to be running.", schema: .object([
            Property("directory", .string(), required: true, "Where the markers go (outside the store)."),
            Property("other", .string(), required: true, "The step to wait for."),
            Property("timeout", .number(minimum: 0, maximum: 600), "Seconds to wait (default 10)."),
        ]))
    }

    func run(_ context: StepContext) async throws -> StepResult {
        let config = context.step.config
        let directory = config["directory"]!.string!
        _ = FileManager.default.createFile(atPath: directory + "/" + context.step.name, contents: nil)
        let deadline = Date().addingTimeInterval(config["timeout"]?.double ?? 10)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: directory + "/" + config["other"]!.string!) { return StepResult(outputs: [:]) }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw StepFailure(step: context.step.name, message: "'\(config["other"]!.string!)' never started")
    }
}

/// `lazy`: declares the output `file` and never writes it.
struct LazyKind: StepKind {
    let version = 1
    var description: KindDescription {
        KindDescription(name: "lazy", section: .steps, summary: "Declares an output it does not write.", schema: .object([
            FakeKinds.fileProperty,
        ]))
    }

    func run(_ context: StepContext) async throws -> StepResult {
        StepResult(outputs: ["o": FakeKinds.output(context)])
    }
}
