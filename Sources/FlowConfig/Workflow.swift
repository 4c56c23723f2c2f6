import YAMLNode

/// A validated workflow: parameters substituted, matrices unrolled, every reference resolved.
public struct Workflow: Sendable {
    /// The workflow file as the user named it (used in messages).
    public var file: String
    /// The directory the workflow's relative file paths start from.
    public var directory: String
    public var name: String
    public var params: [(String, Value)]
    public var features: [String]
    /// The `executor:` block as written (validated against `ExecutorSchema`), if any.
    public var executor: Value?
    /// Datasets then steps, concrete (one per matrix point), in the order they were written.
    public var steps: [Step]
    /// What the loader found questionable but runnable, sorted by position.
    public var warnings: [Diagnostic] = []

    public func step(named name: String) -> Step? { steps.first { $0.name == name } }
}

/// One concrete unit of work: a dataset or a step, at one point of its matrix.
public struct Step: Sendable {
    /// `simulate` or, for a matrix point, `simulate[mass=400,width=0.03]`.
    public var name: String
    /// The name as written in the workflow, shared by all matrix points.
    public var family: String
    public var kind: String
    public var section: Section
    /// The kind's configuration after interpolation, in the kind's schema.
    public var config: Value
    /// The matrix values of this point, in the matrix's key order.
    public var bindings: [(String, Value)]
    /// For each reference in the configuration, the concrete steps it stands for (several on fan-in).
    public var inputs: [StepInput]
    /// Workspace files the configuration names; their content is part of the cache key.
    public var files: [FileSite]
    public var retries: Int
    public var mark: Mark

    /// The concrete steps this one reads from, without repeats, in first-use order.
    public var dependencies: [String] {
        var seen = Set<String>()
        return inputs.flatMap(\.steps).filter { seen.insert($0).inserted }
    }
}

/// A reference in a step's configuration and the concrete steps it resolved to.
public struct StepInput: Sendable {
    public var path: String
    public var name: String
    public var steps: [String]
}

/// Formats a concrete matrix step name: `family[key=value,...]`.
public func matrixStepName(_ family: String, _ bindings: [(String, Value)]) -> String {
    bindings.isEmpty ? family : family + "[" + bindings.map { "\($0.0)=\($0.1.interpolationText)" }.joined(separator: ",") + "]"
}
