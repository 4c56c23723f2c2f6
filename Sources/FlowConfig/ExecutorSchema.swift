import YAMLNode

/// What the configuration layer knows of an executor, the way `KindDescription` describes a step kind:
/// its name and the keys it adds to a workflow's `executor:` block. Executors other than this machine
/// live in their own modules (`SlurmExecutor`) and are handed to the loader by the program that links them.
public struct ExecutorDescription: Sendable {
    public var name: String
    public var summary: String
    public var properties: [Property]
    /// A key whose mapping is keyed by step kind (per-kind resources): its keys must name step kinds.
    public var perKindKey: String?

    public init(name: String, summary: String, properties: [Property] = [], perKindKey: String? = nil) {
        self.name = name
        self.summary = summary
        self.properties = properties
        self.perKindKey = perKindKey
    }
}

/// The `executor:` block of a workflow (or of a file given to `flow run --executor-config`): where steps
/// run, and the settings of the executors this build knows.
public enum ExecutorSchema {
    /// This machine, with no settings of its own.
    public static let local = ExecutorDescription(name: "local", summary: "Steps run on this machine.")

    public static func schema(_ executors: [ExecutorDescription]) -> Schema {
        var properties = [Property("kind", .string(oneOf: executors.map(\.name)),
                                   "Where steps run: " + executors.map { "\($0.name) (\($0.summary.lowercased().trimmingCharacters(in: ["."])))" }.joined(separator: ", ")
                                   + "; `flow run --executor` overrides it.", default: .string(local.name))]
        for executor in executors {
            properties += executor.properties.filter { p in !properties.contains { $0.name == p.name } }
        }
        return .object(properties)
    }

    /// A site's executor settings file (`flow run --executor-config`): the same keys as a workflow's
    /// `executor:` block, at the top level, so partitions and accounts stay out of the analysis.
    public static func load(path: String, executors: [ExecutorDescription], stepKinds: [KindDescription]) throws -> Value {
        let root: Node
        do {
            root = try YAMLParser.parse(fileAt: path)
        } catch let error as YAMLError {
            throw ValidationFailed([Diagnostic(error)])
        }
        var validator = SchemaValidator()
        let value = validator.value(of: root, as: schema(executors), at: "executor")
        let unknown = WorkflowLoader(kinds: stepKinds, executors: executors).unknownKindKeys(in: root)
        guard validator.diagnostics.isEmpty, unknown.isEmpty, let value else { throw ValidationFailed(validator.diagnostics + unknown) }
        return value
    }
}
