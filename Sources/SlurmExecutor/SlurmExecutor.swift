import FlowConfig
import FlowEngine
import Foundation

/// Runs each step as a Slurm batch job on a workspace the compute nodes share.
///
/// A step is submitted when it becomes ready, not as an `afterok` chain up front: its cache key is only
/// known once its inputs exist (early cutoff), and a step whose key is already stored must not be
/// submitted at all. The job runs `flow exec-step TICKET`, which writes the step's outputs and record to
/// the shared store with atomic renames, exactly as a local run does; flow polls the queue, streams the
/// job's progress lines, and reads the record when the job has completed.
public struct SlurmExecutor: Executor {
    public let execution: StepExecution
    public let settings: SlurmSettings
    public let slots: Int
    let overrides: [(String, String)]
    let flowBinary: String
    let commands = SlurmCommands()
    let monitor: JobMonitor
    let registry: JobRegistry

    public init(execution: StepExecution, settings: SlurmSettings, slots: Int? = nil, overrides: [(String, String)] = [],
                flowBinary: String = SlurmExecutor.currentExecutable) {
        self.execution = execution
        self.settings = settings
        self.slots = max(1, slots ?? settings.maxJobs)
        self.overrides = overrides
        self.flowBinary = flowBinary
        monitor = JobMonitor(commands: commands, interval: settings.pollInterval)
        registry = JobRegistry(store: execution.store)
    }

    /// This program, which the jobs run as `flow exec-step` (on a cluster it must be on the shared file system).
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Cancels the jobs a run that was killed left in the queue (the caller holds the workspace lock).
    public func prepare() async {
        for entry in registry.entries() {
            await cancelAndWait(entry.id)
            registry.remove(entry.id)
        }
    }

    public func execute(_ job: Job) async throws -> StepRecord {
        let step = job.step, key = job.document.key
        let resources = settings.resources(forKind: step.kind)
        let directory = execution.store.root + "/slurm/jobs/" + key.hex
        let script = directory + "/job.sh", ticketPath = directory + "/ticket.json"
        let output = directory + "/out", errors = directory + "/err"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in [output, errors] { try? FileManager.default.removeItem(atPath: file) }
        let workflowPath = URL(fileURLWithPath: execution.workflow.file).standardizedFileURL.path
        try JobTicket(workflow: workflowPath, overrides: overrides, step: step.name, key: key, upstream: job.upstream,
                      threads: resources.cpus).write(to: ticketPath)
        try AtomicFile.write("#!/bin/sh\n# flow: step \(step.name) of \(workflowPath)\nexec \(Self.quoted(flowBinary)) exec-step \(Self.quoted(ticketPath))\n",
                             to: script)

        let id = try await submit(script, step: step, resources: resources, output: output, errors: errors)
        try? registry.add(id, step: step.name)
        await monitor.track(id)
        job.progress?("Slurm job \(id) submitted")
        defer { registry.remove(id) }
        let status: JobStatus?
        do {
            status = try await waitForEnd(id, output: output, progress: job.progress)
        } catch {
            await cancelAndWait(id)
            await monitor.forget(id)
            throw CancellationError()
        }
        await monitor.forget(id)

        guard let status else {
            // Slurm forgot the job (its MinJobAge passed while nobody looked): the store says how it ended.
            if let record = execution.store.record(for: key) { return record }
            throw failure(step, "Slurm job \(id) left the queue without writing the step's record", errors: errors)
        }
        if status.isStuck {
            await commands.cancel([id])
            throw failure(step, "Slurm job \(id) waited on a dependency that can never be satisfied; cancelled it", errors: errors)
        }
        if status.isCompleted {
            guard let record = execution.store.record(for: key) else {
                throw failure(step, "Slurm job \(id) completed but the step's record is not in \(execution.store.root) "
                              + "(is the workspace on a file system the compute nodes share?)", errors: errors)
            }
            return record
        }
        let exitCode = await commands.exitCode(of: id).map { ", exit code \($0)" } ?? ""
        throw failure(step, "Slurm job \(id) \(status.state)\(exitCode)", errors: errors)
    }

    func submit(_ script: String, step: Step, resources: SlurmSettings.Resources, output: String, errors: String) async throws -> String {
        do {
            return try await commands.submit(script, options: [
                "--job-name=flow:\(execution.workflow.name):\(step.name)", "--output=\(output)", "--error=\(errors)",
                "--chdir=\(execution.workflow.directory)",
            ] + resources.sbatchOptions)
        } catch let error as SlurmCommands.Failure {
            throw StepFailure(step: step.name, message: error.description)
        }
    }

    /// Polls until the job has ended (or is stuck), forwarding its progress lines. nil: Slurm no longer knows it.
    func waitForEnd(_ id: String, output: String, progress: (@Sendable (String) -> Void)?) async throws -> JobStatus? {
        var tail = LogTail(path: output)
        var unknownSince: ContinuousClock.Instant?
        while true {
            try await Task.sleep(for: .milliseconds(Int(settings.pollInterval * 1000)))
            for line in tail.newLines() { progress?(line) }
            guard let status = await monitor.status(of: id) else {
                // A job just submitted may not be listed yet; one Slurm has purged never comes back.
                let since = unknownSince ?? .now
                unknownSince = since
                if ContinuousClock.now - since > .seconds(30) { return nil }
                continue
            }
            unknownSince = nil
            if status.isFinal || status.isStuck {
                for line in tail.newLines() { progress?(line) }
                return status
            }
        }
    }

    /// After an interrupt: scancel, then wait (briefly) until Slurm reports the job gone or ended.
    func cancelAndWait(_ id: String) async {
        await commands.cancel([id])
        for _ in 0..<100 {
            let state = (try? await commands.states(of: [id]))?[id]
            if state == nil || state!.isFinal { return }
            usleep(100_000)
        }
    }

    /// The job's error (what `flow exec-step` printed) and the step's log, like a local failure.
    func failure(_ step: Step, _ headline: String, errors: String) -> StepFailure {
        let stderr = (try? String(contentsOfFile: errors, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let log = (try? String(contentsOfFile: execution.failureLogPath(step.name), encoding: .utf8))
        let message = stderr.isEmpty ? headline : "\(stderr)\n(\(headline))"
        return StepFailure(step: step.name, message: message, log: log)
    }

    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

/// Reads the lines appended to a file since the last call.
struct LogTail {
    let path: String
    var offset: UInt64 = 0
    var partial = ""

    init(path: String) { self.path = path }

    mutating func newLines() -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.readToEnd(), !data.isEmpty else { return [] }
        offset += UInt64(data.count)
        var lines = (partial + String(decoding: data, as: UTF8.self)).components(separatedBy: "\n")
        partial = lines.removeLast()
        return lines.filter { !$0.isEmpty }
    }
}
