import FlowConfig
import Foundation

/// A kind of step (`command`, `generate`, `train`, …): how its configuration looks and how it runs.
///
/// Kinds are pure functions of their configuration and inputs: given the same `StepContext`
/// content they must write the same outputs, which is what makes caching by key sound.
public protocol StepKind: Sendable {
    var description: KindDescription { get }
    /// Bump when the kind's code changes what it writes, so stored results are not reused.
    var version: Int { get }
    func run(_ context: StepContext) async throws -> StepResult
}

extension StepKind {
    public var name: String { description.name }
}

/// An output of an upstream step, as the downstream step sees it.
public struct InputFile: Sendable {
    public var step: String
    public var output: String
    /// Read-only path in the store.
    public var path: String
    /// SHA-256 of the file's bytes (hex), as the store names it.
    public var digest: String

    public init(step: String, output: String, path: String, digest: String) {
        self.step = step
        self.output = output
        self.path = path
        self.digest = digest
    }
}

/// Everything a running step may read, and the one directory it may write in.
public struct StepContext: Sendable {
    public var step: Step
    public var workflow: Workflow
    /// An empty directory on the store's file system, removed after the step.
    public var scratch: String
    /// For each configuration path that names other steps, their output files.
    public var inputs: [String: [InputFile]]
    /// Workspace files named by the configuration: as written → absolute path.
    public var files: [String: String]
    /// Where the kind writes its log; `flow show` and failures print it.
    public var logPath: String
    /// Threads this step may use.
    public var threads: Int
    let progressSink: (@Sendable (String) -> Void)?

    public init(step: Step, workflow: Workflow, scratch: String, inputs: [String: [InputFile]],
                files: [String: String], logPath: String, threads: Int, progressSink: (@Sendable (String) -> Void)? = nil) {
        self.step = step
        self.workflow = workflow
        self.scratch = scratch
        self.inputs = inputs
        self.files = files
        self.logPath = logPath
        self.threads = threads
        self.progressSink = progressSink
    }

    /// A line for the log that the person watching the run should also see (epochs, losses, rates).
    public func progress(_ line: String) {
        log(line)
        progressSink?(line)
    }

    /// Appends a line to the step's log.
    public func log(_ line: String) {
        guard let handle = FileHandle(forWritingAtPath: logPath) else { return }
        handle.seekToEndOfFile()
        handle.write(Data((line + "\n").utf8))
        try? handle.close()
    }
}

/// What a step made: output files (inside its scratch directory) and headline metrics.
public struct StepResult: Sendable {
    /// Output name → path of a finished file in the scratch directory.
    public var outputs: [String: String]
    public var metrics: [String: Value]

    public init(outputs: [String: String], metrics: [String: Value] = [:]) {
        self.outputs = outputs
        self.metrics = metrics
    }
}

extension StepContext {
    /// The step's configuration as its kind's typed settings.
    public func settings<S: SettingGroup>(_ type: S.Type) throws -> S {
        do {
            return try S.decode(step.config)
        } catch {
            throw StepFailure(step: step.name, message: "configuration: \(error)")
        }
    }
}
