import Foundation

/// Watches every job of a run with one squeue call per poll interval, however many jobs wait on it.
actor JobMonitor {
    let commands: SlurmCommands
    let interval: Duration
    private var tracked = Set<String>()
    private var latest: [String: JobStatus] = [:]
    private var polledAt: ContinuousClock.Instant?
    private var polling: Task<Void, Never>?

    init(commands: SlurmCommands, interval: Double) {
        self.commands = commands
        self.interval = .milliseconds(Int(interval * 1000))
    }

    func track(_ id: String) { tracked.insert(id) }

    func forget(_ id: String) {
        tracked.remove(id)
        latest[id] = nil
    }

    /// The job's state no older than one interval; nil while Slurm does not (or no longer) know it.
    func status(of id: String) async -> JobStatus? {
        if polledAt.map({ ContinuousClock.now - $0 >= interval }) ?? true {
            if polling == nil {
                let ids = Array(tracked)
                polling = Task {
                    let states = (try? await commands.states(of: ids)) ?? [:]
                    self.store(states, for: ids)
                }
            }
            await polling?.value
        }
        return latest[id]
    }

    private func store(_ states: [String: JobStatus], for ids: [String]) {
        for id in ids { latest[id] = states[id] }
        polledAt = .now
        polling = nil
    }
}
