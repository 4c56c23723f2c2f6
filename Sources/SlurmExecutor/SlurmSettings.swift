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
        func overridden(by block: ResourceSettings) -> Resources {
            var r = self
            r.partition = block.partition ?? r.partition
            r.account = block.account ?? r.account
            r.time = block.time ?? r.time
            r.memory = block.memory ?? r.memory
            r.cpus = block.cpus ?? r.cpus
            r.sbatchFlags = block.sbatchFlags ?? r.sbatchFlags
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

    /// What a job asks the batch system for, as written; set for every job, or per step kind under `kinds:`.
    /// Every entry is optional: a later block (a site's file) replaces only what it sets.
    struct ResourceSettings: SettingGroup {
        @Setting("partition", .string(), "Slurm partition (sbatch --partition).") var partition: String? = nil
        @Setting("account", .string(), "Account charged for the jobs (sbatch --account).") var account: String? = nil
        @Setting("time", .string(), "Wall-clock limit per job, as sbatch --time takes it (30:00, 2:00:00, 1-00:00:00).") var time: String? = nil
        @Setting("memory", .string(), "Memory per job, as sbatch --mem takes it (4G, 500M).") var memory: String? = nil
        @Setting("cpus", .integer(minimum: 1, maximum: 4_096),
                 "CPUs per job (sbatch --cpus-per-task, default \(Resources().cpus)); the step uses them as threads.") var cpus: Int? = nil
        @Setting("sbatch_flags", .list(.string()), "Further sbatch options, e.g. [--qos=short, --constraint=avx512].") var sbatchFlags: [String]? = nil
        init() {}
    }

    struct Block: SettingGroup {
        var resources = ResourceSettings()
        @Setting("poll_interval", .number(minimum: 0.01, maximum: 3_600),
                 "Seconds between polls of the queue, one squeue call for all jobs (default \(SlurmSettings().pollInterval)).")
        var pollInterval: Double? = nil
        @Setting("max_jobs", .integer(minimum: 1, maximum: 100_000),
                 "Jobs of this run in the queue at once (default \(SlurmSettings().maxJobs); `flow run -j` overrides it).")
        var maxJobs: Int? = nil
        @Setting("kinds", .dictionary(ResourceSettings.schema), "Per step kind, resources that replace the ones above, e.g. {train: {cpus: 2, memory: 8G}}.")
        var kinds = Entries<ResourceSettings>()
        init() {}
    }

    public var defaults = Resources()
    public var perKind: [String: Resources] = [:]
    public var pollInterval = 0.25
    public var maxJobs = 100

    public init() {}

    /// Settings from `executor:` blocks (validated against `SlurmExecutor.description`), later blocks
    /// (a site's config file) overriding earlier ones.
    public init(blocks: [Value]) throws {
        let decoded = try blocks.map(Block.decode)
        for block in decoded {
            defaults = defaults.overridden(by: block.resources)
            pollInterval = block.pollInterval ?? pollInterval
            maxJobs = block.maxJobs ?? maxJobs
        }
        for block in decoded {
            for (kind, entry) in block.kinds.pairs {
                perKind[kind] = (perKind[kind] ?? defaults).overridden(by: entry)
            }
        }
    }

    public func resources(forKind kind: String) -> Resources { perKind[kind] ?? defaults }
}

extension SlurmExecutor {
    /// The executor as the configuration sees it: its name and the keys it adds to `executor:`.
    public static let description = ExecutorDescription(name: "slurm", summary: "Each step is a Slurm job.",
                                                        properties: SlurmSettings.Block.properties, perKindKey: "kinds")
}
