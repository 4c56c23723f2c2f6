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
    public func run(options: RunOptions, executor: (any Executor)? = nil, jobs: Int,
                    observer: any RunObserver, wait: Bool = false) async throws -> [String: StepOutcome] {
        try store.create()
        let lock = try WorkspaceLock(store: store, wait: wait)
        let executor = executor ?? LocalExecutor(execution: execution, slots: jobs)
        await executor.prepare()
        store.clearAbandonedScratch()
        let scheduler = Scheduler(workflow: workflow, execution: execution, executor: executor,
                                  options: options, observer: observer, results: results)
        let outcomes = await scheduler.run()
        try updateLockFile(with: outcomes)
        withExtendedLifetime(lock) {}
        return outcomes
    }

    /// Keeps entries of steps that did not complete this time, drops steps no longer in the workflow.
    func updateLockFile(with outcomes: [String: StepOutcome]) throws {
        let previous = LockFile.read(lockFilePath)
        var lock = LockFile(workflow: workflow.name)
        let names = Set(workflow.steps.map(\.name))
        for (name, entry) in previous?.steps ?? [:] where names.contains(name) { lock.steps[name] = entry }
        for step in workflow.steps {
            if let record = outcomes[step.name]?.record { lock.steps[step.name] = LockFile.Entry(record, kind: step.kind) }
        }
        if lock != previous { try lock.write(to: lockFilePath) }
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
            if let record = store.record(for: document.key) {
                records[step.name] = record
                result.append(StepStatus(step: step, record: record, reasons: []))
                continue
            }
            var reasons: [String] = []
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
