import FlowConfig

/// What every job asks Slurm for, from the `executor:` block: defaults, then the step kind's own entry.
public struct SlurmSettings: Sendable {
    public struct Resources: Sendable, Equatable {
        public var partition: String?
        public var account: String?
        public var time: String?
        public var memory: String?
        public var cpus = 1
        public var sbatchFlags: [String] = []

        /// The entries `block` sets replace these.
        func overridden(by block: Value?) -> Resources {
            guard let block else { return self }
            var r = self
            r.partition = block["partition"]?.string ?? r.partition
            r.account = block["account"]?.string ?? r.account
            r.time = block["time"]?.string ?? r.time
            r.memory = block["memory"]?.string ?? r.memory
            r.cpus = block["cpus"]?.int ?? r.cpus
            r.sbatchFlags = block["sbatch_flags"]?.array?.compactMap(\.string) ?? r.sbatchFlags
            return r
        }

        var sbatchOptions: [String] {
            var options = ["--cpus-per-task=\(cpus)"]
            if let partition { options.append("--partition=\(partition)") }
            if let account { options.append("--account=\(account)") }
            if let time { options.append("--time=\(time)") }
            if let memory { options.append("--mem=\(memory)") }
            return options + sbatchFlags
        }
    }

    public var defaults = Resources()
    public var perKind: [String: Resources] = [:]
    public var pollInterval = 0.25
    public var maxJobs = 100

    public init() {}

    /// Settings from `executor:` blocks, later blocks (a site's config file) overriding earlier ones.
    public init(blocks: [Value]) {
        for block in blocks {
            defaults = defaults.overridden(by: block)
            pollInterval = block["poll_interval"]?.double ?? pollInterval
            maxJobs = block["max_jobs"]?.int ?? maxJobs
        }
        for block in blocks {
            for (kind, entry) in block["kinds"]?.object ?? [] {
                perKind[kind] = (perKind[kind] ?? defaults).overridden(by: entry)
            }
        }
    }

    public func resources(forKind kind: String) -> Resources { perKind[kind] ?? defaults }
}
