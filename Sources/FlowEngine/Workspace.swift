import FlowConfig
import Foundation

/// A workflow together with the store and lock file it reads and writes: what `flow run`,
/// `flow status` and `flow show` act on.
public struct Workspace: Sendable {
    public let workflow: Workflow
    public let root: String
    public let store: Store
    public let kinds: KindRegistry

    public init(workflow: Workflow, kinds: KindRegistry, root: String? = nil) {
        self.workflow = workflow
        self.kinds = kinds
        self.root = root ?? Store.workspaceRoot(for: workflow.directory)
        self.store = Store(root: self.root + "/.flow")
    }

    public var lockFilePath: String { LockFile.path(forWorkflow: workflow.file) }
    public var results: ResultsDirectory { ResultsDirectory(root: root + "/results/" + workflow.name, store: store) }
    public var execution: StepExecution { StepExecution(store: store, workflow: workflow, kinds: kinds) }

    /// Runs the workflow under the workspace lock and updates the lock file with what completed.
    /// With a `remote`, a step not stored here is downloaded from it when it is there; `thenLocked` runs
    /// before the lock is released (a push of what ran).
    public func run(options: RunOptions, executor: (any Executor)? = nil, jobs: Int,
                    observer: any RunObserver, wait: Bool = false, remote: RemoteCache? = nil,
                    thenLocked: (([String: StepOutcome]) throws -> Void)? = nil) async throws -> [String: StepOutcome] {
        try store.create()
        let lock = try WorkspaceLock(store: store, wait: wait)
        let executor = executor ?? LocalExecutor(execution: execution, slots: jobs)
        await executor.prepare()
        store.clearAbandonedScratch()
        let journal = LockFileJournal(path: lockFilePath, workflow: workflow)
        var scheduler = Scheduler(workflow: workflow, execution: execution, executor: executor,
                                  options: options, observer: observer, results: results,
                                  onRecord: { step, record in journal.record(step, record) })
        scheduler.remote = remote
        let outcomes = await scheduler.run()
        try journal.flush()
        try thenLocked?(outcomes)
        withExtendedLifetime(lock) {}
        return outcomes
    }

    /// Whether each step's stored result matches the workflow as it is now, and if not, why.
    public func status() -> [StepStatus] {
        let lock = LockFile.read(lockFilePath)
        var records: [String: StepRecord] = [:]
        var result: [StepStatus] = []
        for step in workflow.steps {
            let staleUpstream = step.dependencies.filter { records[$0] == nil }
            if !staleUpstream.isEmpty {
                let shown = staleUpstream.prefix(2).map { "'\($0)'" }.joined(separator: ", ")
                let more = staleUpstream.count > 2 ? " and \(staleUpstream.count - 2) more" : ""
                result.append(StepStatus(step: step, record: nil, reasons: ["upstream \(shown)\(more) not up to date"]))
                continue
            }
            var upstream: [String: StepRecord] = [:]
            for dependency in step.dependencies { upstream[dependency] = records[dependency] }
            guard let document = try? execution.keyDocument(for: step, upstream: upstream) else {
                result.append(StepStatus(step: step, record: nil, reasons: ["an input file cannot be read"]))
                continue
            }
            var reasons: [String] = []
            switch store.lookup(document.key, repair: false) {
            case .found(let record):
                records[step.name] = record
                result.append(StepStatus(step: step, record: record, reasons: []))
                continue
            case .damaged(_, let outputs):
                result.append(StepStatus(step: step, record: nil, reasons: [Store.Lookup.damage(outputs) + "; the next run recomputes \(outputs.count == 1 ? "it" : "them")"]))
                continue
            case .missing:
                break
            }
            if let entry = lock?.steps[step.name] {
                if entry.key == document.key {
                    reasons = ["its stored results are gone (removed by `flow gc` or a new checkout)"]
                } else if let old = store.keyDocument(for: entry.key) {
                    reasons = document.changes(since: old)
                } else {
                    reasons = ["the result the lock file names is not in this store"]
                }
            } else {
                reasons = ["never run"]
            }
            result.append(StepStatus(step: step, record: nil, reasons: reasons.isEmpty ? ["its key changed"] : reasons))
        }
        return result
    }
}

/// One line of `flow status`.
public struct StepStatus: Sendable {
    public var step: Step
    /// The stored result matching the current workflow, when there is one.
    public var record: StepRecord?
    /// Why the step would run; empty when it is up to date.
    public var reasons: [String]

    public var isUpToDate: Bool { record != nil }
}

/// The lock file, rewritten (atomically) after every step whose entry changed, so the work of a run
/// that is interrupted or killed is in it, and `flow gc` keeps it.
///
/// Entries of steps that did not complete this time are kept; steps no longer in the workflow are dropped.
final class LockFileJournal: @unchecked Sendable {
    private let path: String
    private let mutex = NSLock()
    private var lock: LockFile
    private var written: LockFile?
    private var failure: (any Error)?

    init(path: String, workflow: Workflow) {
        self.path = path
        written = LockFile.read(path)
        lock = LockFile(workflow: workflow.name)
        let names = Set(workflow.steps.map(\.name))
        for (name, entry) in written?.steps ?? [:] where names.contains(name) { lock.steps[name] = entry }
    }

    func record(_ step: Step, _ record: StepRecord) {
        mutex.withLock {
            let entry = LockFile.Entry(record, kind: step.kind)
            guard lock.steps[step.name] != entry else { return }
            lock.steps[step.name] = entry
            writeIfChanged()
        }
    }

    /// Writes what is left to write (a dropped step); reports a write that failed during the run.
    func flush() throws {
        try mutex.withLock {
            writeIfChanged()
            if let failure { throw failure }
        }
    }

    private func writeIfChanged() {
        guard lock != written else { return }
        do {
            try lock.write(to: path)
            written = lock
        } catch {
            failure = error
        }
    }
}
