import ArgumentParser
import FlowConfig
import FlowEngine
import FlowPlugins
import FlowSteps
import Foundation
import SlurmExecutor

extension Flow {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a workflow: steps whose results are stored are skipped, the rest run in parallel.")

        @OptionGroup var options: WorkflowOptions

        @Option(name: .customLong("step"), help: ArgumentHelp("Run only this step (a name or a matrix family) and what it needs.", valueName: "name"))
        var steps: [String] = []

        @Option(help: ArgumentHelp("Run this step again even if its result is stored.", valueName: "name"))
        var force: [String] = []

        @Option(name: .short, help: "How many steps run at once (default: the number of cores; on Slurm, the executor's max_jobs, 100).")
        var jobs: Int?

        /// Where steps run.
        enum ExecutorKind: String, ExpressibleByArgument, CaseIterable { case local, slurm }

        @Option(help: ArgumentHelp("Where steps run (default: the workflow's executor: block, else local).", valueName: "kind"))
        var executor: ExecutorKind?

        @Option(help: ArgumentHelp("Executor settings (partition, account, time, memory, cpus, per-kind resources) that override the workflow's executor: block.", valueName: "file"))
        var executorConfig: String?

        @Flag(help: "After a failure, keep running the steps that do not depend on it.")
        var keepGoing = false

        @Flag(help: "Print what would run and why, without running anything.")
        var dryRun = false

        @Flag(help: "If another flow run holds the workspace, wait for it instead of stopping.")
        var wait = false

        @Option(help: ArgumentHelp("Before running a step that is not stored here, look for it on this remote and download it instead (default: the workspace's default remote).", valueName: "name"))
        var remote: String?

        @Flag(help: "Upload what this run computed to the remote.")
        var push = false

        @Flag(help: "Use no remote, not even the default one.")
        var noRemote = false

        func run() async throws {
            let workspace = try options.load()
            let unknown = Selection.unknown(steps + force, in: workspace.workflow)
            guard unknown.isEmpty else {
                throw ValidationError("no step named \(unknown.map { "'\($0)'" }.joined(separator: ", ")) in \(options.workflow)")
            }
            if dryRun { return printDryRun(workspace) }

            let printer = ProgressPrinter(total: Selection.steps(of: workspace.workflow, matching: steps).count,
                                          results: workspace.results)
            let runOptions = RunOptions(targets: steps, force: force, keepGoing: keepGoing)
            let executor = try makeExecutor(workspace)
            let slots = jobs ?? ProcessInfo.processInfo.activeProcessorCount
            if noRemote && (remote != nil || push) { throw ValidationError("--no-remote cannot be combined with --remote or --push") }
            let cache = noRemote ? nil : try chooseRemote(remote, root: workspace.root, store: workspace.store, required: push)
            let push = self.push
            let task = Task {
                try await workspace.run(options: runOptions, executor: executor, jobs: slots, observer: printer, wait: wait, remote: cache) { outcomes in
                    guard push, let cache else { return }
                    let ran = outcomes.values.compactMap { outcome -> Digest? in if case .ran(let record) = outcome { return record.key } else { return nil } }
                    guard !ran.isEmpty else { return }
                    do {
                        let report = try cache.push(ran)
                        print("pushed \(counted(report.records, "record")) and \(counted(report.objects, "object")) (\(bytes(report.bytes))) to '\(cache.name)'")
                        _ = reportProblems(report)
                    } catch {
                        printError("flow: cannot push to '\(cache.name)': \(error)")
                    }
                }
            }
            let interrupt = InterruptHandler { task.cancel() }
            let outcomes: [String: StepOutcome]
            do {
                outcomes = try await task.value
            } catch let error as EngineError {
                printError("flow: \(error)")
                throw ExitCode(2)
            }
            withExtendedLifetime(interrupt) {}
            printer.summarize(outcomes, interrupted: interrupt.fired)
            // Point at the page a person reads, when the workflow makes one.
            for step in workspace.workflow.steps {
                guard let record = outcomes[step.name]?.record, let page = workspace.results.page(for: step.name, record: record) else { continue }
                print("report: \(page)")
            }
            if interrupt.fired { throw ExitCode(130) }
            if outcomes.values.contains(where: { if case .failed = $0 { return true } else { return false } }) {
                throw ExitCode(1)
            }
        }

        /// The Slurm executor when asked for, by `--executor` or the workflow; nil: this machine.
        private func makeExecutor(_ workspace: Workspace) throws -> (any Executor)? {
            var blocks = workspace.workflow.executor.map { [$0] } ?? []
            if let executorConfig {
                do {
                    blocks.append(try ExecutorSchema.load(path: executorConfig, executors: Plugins.executors, stepKinds: Plugins.kinds.descriptions))
                } catch let failure as ValidationFailed {
                    printError(failure.description)
                    throw ExitCode(2)
                }
            }
            // The blocks' `kind` was validated against the same names when they were loaded.
            let kind = executor ?? blocks.compactMap { $0["kind"]?.string.flatMap(ExecutorKind.init(rawValue:)) }.last ?? .local
            switch kind {
            case .local: return nil
            case .slurm:
                return SlurmExecutor(execution: workspace.execution, settings: try SlurmSettings(blocks: blocks), slots: jobs,
                                     overrides: try options.overrides())
            }
        }

        private func printDryRun(_ workspace: Workspace) {
            let selected = Selection.steps(of: workspace.workflow, matching: steps)
            let forced = Set(Selection.steps(of: workspace.workflow, named: force))
            var count = 0
            for status in workspace.status() where selected.contains(status.step.name) {
                if status.isUpToDate && !forced.contains(status.step.name) { continue }
                count += 1
                let why = forced.contains(status.step.name) ? ["--force"] : status.reasons
                print("would run  \(status.step.name): \(why.joined(separator: "; "))")
            }
            print(count == 0 ? "nothing to run: every step is up to date" : "\(count) step\(count == 1 ? "" : "s") would run")
        }
    }
}

/// Turns Ctrl-C into task cancellation: running steps are stopped, their scratch removed,
/// finished steps stay stored. A second Ctrl-C exits at once.
final class InterruptHandler: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private(set) var fired = false

    init(quiet: Bool = false, _ onInterrupt: @escaping @Sendable () -> Void) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [unowned self] in
                if self.fired { exit(130) }
                self.fired = true
                if !quiet { printError("\ninterrupted: stopping running steps (Ctrl-C again to quit at once) …") }
                onInterrupt()
            }
            source.resume()
            sources.append(source)
        }
    }
}
