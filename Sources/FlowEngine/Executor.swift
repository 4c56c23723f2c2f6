import FlowConfig
import Foundation

/// One step ready to run: its inputs are complete and its key is known.
public struct Job: Sendable {
    public var step: Step
    public var document: KeyDocument
    public var upstream: [String: StepRecord]
    /// Where a running step's progress lines go (the terminal), besides its log.
    public var progress: (@Sendable (String) -> Void)?
}

/// Where steps run: this machine, or a cluster. The scheduler decides what runs when;
/// an executor only runs what it is given and returns the stored record.
public protocol Executor: Sendable {
    /// Runs the job and returns its record, already written to the store. Cancelling the
    /// calling task must stop the job and leave no partial entry.
    func execute(_ job: Job) async throws -> StepRecord
    /// How many jobs may run at once.
    var slots: Int { get }
    /// Called once per run, holding the workspace lock, before any job (a batch executor cancels jobs a
    /// killed run left in the queue).
    func prepare() async
}

extension Executor {
    public func prepare() async {}
}

/// Runs steps as tasks of this process.
public struct LocalExecutor: Executor {
    public var execution: StepExecution
    public var slots: Int

    public init(execution: StepExecution, slots: Int) {
        self.execution = execution
        self.slots = max(1, slots)
    }

    public func execute(_ job: Job) async throws -> StepRecord {
        // Every step may use every core: multi-threaded kinds (generation, training) are bit-identical
        // for any thread count, so this choice never changes a result.
        try await execution.run(job.step, document: job.document, upstream: job.upstream,
                                threads: ProcessInfo.processInfo.activeProcessorCount, progress: job.progress)
    }
}
