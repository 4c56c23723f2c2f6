import FlowConfig
import Foundation

/// How a step ended in one run.
public enum StepOutcome: Sendable {
    /// Its key was in the store. `cutoff`: an upstream step ran again but produced identical outputs.
    case cached(StepRecord, cutoff: Bool)
    case ran(StepRecord)
    /// Not stored here, but computed elsewhere: downloaded from the remote of that name, and checked.
    case fetched(StepRecord, remote: String)
    case failed(StepFailure)
    /// Not run, and why (an upstream failure, an interruption).
    case skipped(String)

    public var record: StepRecord? {
        switch self {
        case .cached(let record, _), .ran(let record), .fetched(let record, _): return record
        default: return nil
        }
    }
}

/// Receives progress as steps start and finish (the terminal printer, tests).
public protocol RunObserver: Sendable {
    func started(_ step: Step)
    func finished(_ step: Step, _ outcome: StepOutcome)
    /// A progress line of a running step.
    func progress(_ step: Step, _ line: String)
    /// Something the user should know about a step before it runs (a damaged stored result).
    func note(_ step: Step, _ message: String)
}

extension RunObserver {
    public func progress(_ step: Step, _ line: String) {}
    public func note(_ step: Step, _ message: String) {}
}

/// What the user asked of this run.
public struct RunOptions: Sendable {
    /// Steps to bring up to date, with everything they need; empty means all.
    public var targets: [String] = []
    /// Steps to run again even when their results are stored.
    public var force: [String] = []
    /// Keep starting steps that do not depend on a failed one.
    public var keepGoing = false

    public init(targets: [String] = [], force: [String] = [], keepGoing: Bool = false) {
        self.targets = targets
        self.force = force
        self.keepGoing = keepGoing
    }
}

/// Runs a workflow's steps in dependency order, as many at once as the executor has slots.
///
/// A step's key is computed only when its inputs are complete, from the digests of what they
/// produced: a step whose upstream ran again but wrote identical bytes keeps its key, and so
/// its stored result (early cutoff).
public struct Scheduler: Sendable {
    public var workflow: Workflow
    public var execution: StepExecution
    public var executor: any Executor
    public var options: RunOptions
    public var observer: any RunObserver
    public var results: ResultsDirectory?
    /// Called for every step that completed or was found in the store, as it happens (the lock file).
    public var onRecord: (@Sendable (Step, StepRecord) -> Void)?
    /// Where a step that is not stored here is looked for before it runs (`flow run --remote`).
    public var remote: RemoteCache?

    public init(workflow: Workflow, execution: StepExecution, executor: any Executor, options: RunOptions,
                observer: any RunObserver, results: ResultsDirectory? = nil, onRecord: (@Sendable (Step, StepRecord) -> Void)? = nil) {
        self.onRecord = onRecord
        self.workflow = workflow
        self.execution = execution
        self.executor = executor
        self.options = options
        self.observer = observer
        self.results = results
    }

    public func run() async -> [String: StepOutcome] {
        let selected = Selection.steps(of: workflow, matching: options.targets)
        let forced = Set(Selection.steps(of: workflow, named: options.force))
        let state = RunState(steps: workflow.steps.filter { selected.contains($0.name) }, observer: observer, results: results,
                             onRecord: onRecord)

        /// A step whose key is known and that is not stored here, waiting for a download or an executor slot.
        struct Pending { var step: Step; var document: KeyDocument; var upstream: [String: StepRecord] }
        // Downloads are not computations: they have slots of their own, so a fresh clone's run is not
        // held to the executor's (on this machine, the cores), and the steps ready at one time go down
        // together, in one batch (one transfer of records, one of objects), not a transfer per step.
        let downloadSlots = 2, batchLimit = 500
        await withTaskGroup(of: [(String, Result<StepRecord, any Error>, Bool)].self) { group in
            var running = 0, downloading = 0
            var toRun: [Pending] = [], toDownload: [Pending] = [], downloads: [String: Pending] = [:]
            while true {
                while !state.stopping, let step = state.nextReady() {
                    let upstream = state.records(for: step)
                    let document: KeyDocument
                    do {
                        document = try execution.keyDocument(for: step, upstream: upstream)
                    } catch {
                        state.finish(step, .failed(error as? StepFailure ?? StepFailure(step: step.name, message: "\(error)")))
                        if !options.keepGoing { state.stopping = true }
                        continue
                    }
                    if !forced.contains(step.name) {
                        switch execution.store.lookup(document.key) {
                        case .found(let record):
                            state.finish(step, .cached(record, cutoff: step.dependencies.contains(where: state.ranThisRun.contains)))
                            continue
                        case .damaged(_, let outputs):
                            observer.note(step, Store.Lookup.damage(outputs) + "; removed, running the step again")
                        case .missing:
                            break
                        }
                        // Looked up in the remote's listing (one call per run), so a step it lacks costs nothing.
                        if let remote {
                            let (listed, problem) = remote.lists(document.key)
                            if let problem { observer.note(step, problem) }
                            if listed {
                                toDownload.append(Pending(step: step, document: document, upstream: upstream))
                                continue
                            }
                        }
                    }
                    toRun.append(Pending(step: step, document: document, upstream: upstream))
                }
                while !state.stopping, downloading < downloadSlots, !toDownload.isEmpty, let remote {
                    let batch = Array(toDownload.prefix(batchLimit))
                    toDownload.removeFirst(batch.count)
                    for pending in batch { downloads[pending.step.name] = pending }
                    downloading += 1
                    let observer = self.observer
                    group.addTask {
                        let fetched = remote.fetch(batch.map(\.document.key))
                        return batch.map { pending in
                            switch fetched[pending.document.key] ?? .missing {
                            case .found(let record): return (pending.step.name, .success(record), true)
                            case .unusable(let message):
                                observer.note(pending.step, message + "; running the step here")
                                return (pending.step.name, .failure(CancellationError()), true)
                            case .missing:
                                return (pending.step.name, .failure(CancellationError()), true)
                            }
                        }
                    }
                }
                while !state.stopping, running < executor.slots, !toRun.isEmpty {
                    let pending = toRun.removeFirst()
                    let step = pending.step
                    observer.started(step)
                    running += 1
                    let observer = self.observer
                    let job = Job(step: step, document: pending.document, upstream: pending.upstream,
                                  progress: { observer.progress(step, $0) })
                    let executor = self.executor
                    group.addTask {
                        // `retries: n` reruns a failed step up to n times (a node lost, a job preempted).
                        var attempt = 0
                        while true {
                            do {
                                return [(step.name, .success(try await executor.execute(job)), false)]
                            } catch let failure as StepFailure where attempt < step.retries && !Task.isCancelled {
                                attempt += 1
                                let reason = failure.message.split(separator: "\n").first.map(String.init) ?? "failed"
                                job.progress?("\(reason); retrying (attempt \(attempt + 1) of \(step.retries + 1))")
                            } catch {
                                return [(step.name, .failure(error), false)]
                            }
                        }
                    }
                }
                if running == 0 && downloading == 0 { break }
                guard let finished = await group.next() else { break }
                if finished.first?.2 == true { downloading -= 1 } else { running -= 1 }
                for (name, result, downloaded) in finished {
                    guard downloaded else {
                        state.complete(name, result, keepGoing: options.keepGoing)
                        continue
                    }
                    guard let pending = downloads.removeValue(forKey: name) else { continue }
                    if case .success(let record) = result, let remote {
                        state.finish(pending.step, .fetched(record, remote: remote.name))
                    } else if Task.isCancelled {
                        state.finish(pending.step, .skipped("interrupted"))
                        state.stopping = true
                    } else {
                        // Not to be had whole from the remote: computed here.
                        toRun.append(pending)
                    }
                }
            }
        }
        return state.closingOutcomes()
    }
}

/// The bookkeeping of one run: what waits on what, what is ready, what each step came to.
private final class RunState: @unchecked Sendable {
    let byName: [String: Step]
    let order: [Step]
    var waitingOn: [String: Set<String>]
    var dependents: [String: [String]] = [:]
    var ready: [String]
    var records: [String: StepRecord] = [:]
    var ranThisRun = Set<String>()
    var outcomes: [String: StepOutcome] = [:]
    var stopping = false
    let observer: any RunObserver
    let results: ResultsDirectory?
    let onRecord: (@Sendable (Step, StepRecord) -> Void)?

    init(steps: [Step], observer: any RunObserver, results: ResultsDirectory?, onRecord: (@Sendable (Step, StepRecord) -> Void)?) {
        self.onRecord = onRecord
        order = steps
        byName = Dictionary(steps.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        waitingOn = Dictionary(steps.map { ($0.name, Set($0.dependencies)) }, uniquingKeysWith: { a, _ in a })
        for step in steps { for dependency in step.dependencies { dependents[dependency, default: []].append(step.name) } }
        ready = steps.filter { $0.dependencies.isEmpty }.map(\.name)
        self.observer = observer
        self.results = results
    }

    /// The records of `step`'s dependencies.
    func records(for step: Step) -> [String: StepRecord] {
        var result: [String: StepRecord] = [:]
        for dependency in step.dependencies { result[dependency] = records[dependency] }
        return result
    }

    func nextReady() -> Step? {
        while !ready.isEmpty {
            let name = ready.removeFirst()
            if outcomes[name] == nil { return byName[name] }
        }
        return nil
    }

    func complete(_ name: String, _ result: Result<StepRecord, any Error>, keepGoing: Bool) {
        let step = byName[name]!
        switch result {
        case .success(let record):
            ranThisRun.insert(name)
            finish(step, .ran(record))
        case .failure(let error as StepFailure) where !Task.isCancelled:
            finish(step, .failed(error))
            if !keepGoing { stopping = true }
        case .failure(let error):
            if Task.isCancelled || error is CancellationError {
                finish(step, .skipped("interrupted"))
                stopping = true
            } else {
                finish(step, .failed(StepFailure(step: name, message: "\(error)")))
                if !keepGoing { stopping = true }
            }
        }
        if Task.isCancelled { stopping = true }
    }

    func finish(_ step: Step, _ outcome: StepOutcome) {
        outcomes[step.name] = outcome
        observer.finished(step, outcome)
        guard let record = outcome.record else {
            skipDescendants(of: step.name, because: "upstream '\(step.name)' did not complete")
            return
        }
        records[step.name] = record
        onRecord?(step, record)
        try? results?.publish(step: step.name, record: record)
        for dependent in dependents[step.name] ?? [] {
            waitingOn[dependent]?.remove(step.name)
            if waitingOn[dependent]?.isEmpty == true { ready.append(dependent) }
        }
    }

    func skipDescendants(of name: String, because reason: String) {
        for dependent in dependents[name] ?? [] where outcomes[dependent] == nil {
            outcomes[dependent] = .skipped(reason)
            skipDescendants(of: dependent, because: reason)
        }
    }

    func closingOutcomes() -> [String: StepOutcome] {
        for step in order where outcomes[step.name] == nil {
            outcomes[step.name] = .skipped(Task.isCancelled ? "interrupted" : "not started after a failure")
        }
        return outcomes
    }
}

/// Turns the names a user typed (`--step`, `--force`) into concrete steps.
public enum Selection {
    /// Concrete steps named directly or through their family (`simulate` = every `simulate[...]`).
    public static func steps(of workflow: Workflow, named names: [String]) -> [String] {
        workflow.steps.filter { names.contains($0.name) || names.contains($0.family) }.map(\.name)
    }

    /// The named steps and everything upstream of them; all steps when `names` is empty.
    public static func steps(of workflow: Workflow, matching names: [String]) -> Set<String> {
        guard !names.isEmpty else { return Set(workflow.steps.map(\.name)) }
        var selected = Set<String>()
        var pending = steps(of: workflow, named: names)
        while let name = pending.popLast() {
            guard selected.insert(name).inserted, let step = workflow.step(named: name) else { continue }
            pending += step.dependencies
        }
        return selected
    }

    /// Names among `names` that match no step, for a clear error before anything runs.
    public static func unknown(_ names: [String], in workflow: Workflow) -> [String] {
        names.filter { name in !workflow.steps.contains { $0.name == name || $0.family == name } }
    }
}
