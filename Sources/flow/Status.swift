import ArgumentParser
import FlowConfig
import FlowEngine
import Foundation
import SlurmExecutor

extension Flow {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which steps are up to date and, for the others, what changed.")

        @OptionGroup var options: WorkflowOptions

        func run() async throws {
            let workspace = try options.load()
            let statuses = workspace.status()
            let width = statuses.map(\.step.name.count).max() ?? 0
            for status in statuses {
                let name = status.step.name.padding(toLength: width, withPad: " ", startingAt: 0)
                if status.isUpToDate {
                    print("up to date  \(name)")
                } else {
                    print("stale       \(name)  \(status.reasons.joined(separator: "; "))")
                }
            }
            let stale = statuses.filter { !$0.isUpToDate }.count
            print(stale == 0 ? "every step is up to date" : "\(stale) of \(statuses.count) steps would run")
            // A run on Slurm in flight: its jobs and their states.
            for job in await JobRegistry(store: workspace.store).inFlight() {
                print("Slurm job \(job.id)  \(job.step)  \(job.state)")
            }
        }
    }
}
