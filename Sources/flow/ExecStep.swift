import ArgumentParser
import FlowConfig
import FlowEngine
import FlowPlugins
import FlowSteps
import Foundation
import SlurmExecutor

extension Flow {
    /// What a cluster job runs: one step, from the ticket its `flow run` wrote, into the shared store.
    struct ExecStep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "exec-step", abstract: "Run one step from a job ticket (what a Slurm job runs).", shouldDisplay: false)

        @Argument(help: "The job ticket (.flow/slurm/jobs/KEY/ticket.json).")
        var ticket: String

        func run() async throws {
            let ticket = try JobTicket.read(self.ticket)
            let workflow: Workflow
            do {
                workflow = try Plugins.loader.load(path: ticket.workflow, overrides: ticket.parameterOverrides)
            } catch let failure as ValidationFailed {
                printError("flow exec-step: \(ticket.workflow) no longer loads:\n\(failure.description)")
                throw ExitCode(2)
            }
            let workspace = Workspace(workflow: workflow, kinds: Plugins.kinds)
            guard let step = workflow.step(named: ticket.step) else {
                printError("flow exec-step: no step '\(ticket.step)' in \(ticket.workflow) any more")
                throw ExitCode(2)
            }
            var upstream: [String: StepRecord] = [:]
            for (name, key) in ticket.upstream {
                guard let record = workspace.store.record(for: Digest(hex: key)) else {
                    printError("flow exec-step: the record of '\(name)' (\(key.prefix(12))) is not in \(workspace.store.root)")
                    throw ExitCode(1)
                }
                upstream[name] = record
            }
            let document = try workspace.execution.keyDocument(for: step, upstream: upstream)
            guard document.key.hex == ticket.key else {
                printError("flow exec-step: '\(step.name)' changed since it was submitted (the workflow or one of its files was edited)")
                throw ExitCode(1)
            }
            if workspace.store.record(for: document.key) != nil { return print("already stored") }

            let task = Task {
                try await workspace.execution.run(step, document: document, upstream: upstream, threads: ticket.threads) { line in
                    print(line)
                    fflush(stdout)
                }
            }
            // scancel sends SIGTERM: stop the step's commands and leave no scratch behind.
            let interrupt = InterruptHandler(quiet: true) { task.cancel() }
            do {
                let record = try await task.value
                print("stored \(record.key.short) in \(String(format: "%.2f", record.seconds)) s")
            } catch let failure as StepFailure {
                printError(failure.message)
                throw ExitCode(1)
            } catch is CancellationError {
                printError("cancelled")
                throw ExitCode(143)
            }
            withExtendedLifetime(interrupt) {}
        }
    }
}
