import YAMLNode

/// The `executor:` block of a workflow (or of a file given to `flow run --executor-config`): where steps
/// run and, on a cluster, what each job asks for.
public enum ExecutorSchema {
    public static let kinds = ["local", "slurm"]

    /// What a job asks the batch system for; set for every job, or per step kind under `kinds:`.
    static let resources: [Property] = [
        Property("partition", .string(), "Slurm partition (sbatch --partition)."),
        Property("account", .string(), "Account charged for the jobs (sbatch --account)."),
        Property("time", .string(), "Wall-clock limit per job, as sbatch --time takes it (30:00, 2:00:00, 1-00:00:00)."),
        Property("memory", .string(), "Memory per job, as sbatch --mem takes it (4G, 500M)."),
        Property("cpus", .integer(minimum: 1, maximum: 4_096), "CPUs per job (sbatch --cpus-per-task); the step uses them as threads (default 1)."),
        Property("sbatch_flags", .list(.string()), "Further sbatch options, e.g. [--qos=short, --constraint=avx512]."),
    ]

    public static let schema: Schema = .object(
        [Property("kind", .string(oneOf: kinds), "Where steps run (default local); `flow run --executor` overrides it.")]
            + resources + [
                Property("poll_interval", .number(minimum: 0.01, maximum: 3_600), "Seconds between polls of the queue, one squeue call for all jobs (default 0.25)."),
                Property("max_jobs", .integer(minimum: 1, maximum: 100_000), "Jobs of this run in the queue at once (default 100; `flow run -j` overrides it)."),
                Property("kinds", .dictionary(.object(resources)), "Per step kind, resources that replace the ones above, e.g. {train: {cpus: 2, memory: 8G}}."),
            ])
}

extension ExecutorSchema {
    /// A site's executor settings file (`flow run --executor-config`): the same keys as a workflow's
    /// `executor:` block, at the top level, so partitions and accounts stay out of the analysis.
    /// A site file of executor settings; `kinds:` keys are checked against `stepKinds` when given.
    public static func load(path: String, stepKinds: [KindDescription] = []) throws -> Value {
        let root: Node
        do {
            root = try YAMLParser.parse(fileAt: path)
        } catch let error as YAMLError {
            throw ValidationFailed([Diagnostic(error)])
        }
        var validator = SchemaValidator()
        let value = validator.value(of: root, as: schema, at: "executor")
        let unknown = stepKinds.isEmpty ? [] : WorkflowLoader(kinds: stepKinds).unknownKindKeys(root["kinds"])
        guard validator.diagnostics.isEmpty, unknown.isEmpty, let value else { throw ValidationFailed(validator.diagnostics + unknown) }
        return value
    }
}
