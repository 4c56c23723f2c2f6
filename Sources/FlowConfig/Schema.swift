import YAMLNode

/// The shape of a step kind's configuration.
///
/// One description serves three jobs: flow's own validation of a workflow (with positions),
/// the JSON Schema editors use (`flow schema`), and finding a step's references to other steps and files.
public indirect enum Schema: Sendable {
    case string(oneOf: [String]? = nil)
    /// Every number that sizes memory or a loop has a maximum, so that `validate` rejects what a run
    /// could not allocate or would overflow on.
    case integer(minimum: Int? = nil, maximum: Int? = nil)
    case number(minimum: Double? = nil, maximum: Double? = nil)
    case boolean
    case list(Schema, minItems: Int = 0, maxItems: Int? = nil)
    /// A mapping with a fixed set of keys.
    case object([Property])
    /// A mapping whose keys the user chooses (environment variables, output names).
    case dictionary(Schema)
    /// The first alternative whose shape matches the node.
    case either([Schema])
    /// The name of a dataset or step; it becomes a dependency.
    case reference
    /// A path relative to the workflow file; its content becomes part of the cache key.
    case file
    /// Any scalar (string, number, boolean).
    case scalar
}

/// One key of an `.object` schema.
public struct Property: Sendable {
    public var name: String
    public var schema: Schema
    public var required: Bool
    public var summary: String
    /// The value a run uses when the key is left out (nil: none, or one the summary explains).
    public var defaultValue: Value?

    public init(_ name: String, _ schema: Schema, required: Bool = false, _ summary: String = "", default defaultValue: Value? = nil) {
        self.name = name
        self.schema = schema
        self.required = required
        self.summary = summary
        self.defaultValue = defaultValue
    }
}

/// Where a kind may be declared: the `datasets:` section or the `steps:` section.
public enum Section: String, Sendable {
    case datasets
    case steps
}

/// What the configuration layer must know of a step kind; the engine adds how it runs.
public struct KindDescription: Sendable {
    public var name: String
    public var section: Section
    public var summary: String
    public var schema: Schema
    /// Keys whose values are shell commands: `${params.…}` and `${matrix.…}` are quoted into them.
    public var shellKeys: Set<String>
    /// Checks of the configuration that its schema cannot express, run by `validate` as by `run`.
    public var check: (@Sendable (KindCheck) -> [Diagnostic])?

    public init(name: String, section: Section, summary: String, schema: Schema, shellKeys: Set<String> = [],
                check: (@Sendable (KindCheck) -> [Diagnostic])? = nil) {
        self.name = name
        self.section = section
        self.summary = summary
        self.schema = schema
        self.shellKeys = shellKeys
        self.check = check
    }
}

extension Schema {
    /// A few words for "expected …" messages.
    var expectation: String {
        switch self {
        case .string(let options?): return "one of " + options.map { "'\($0)'" }.joined(separator: ", ")
        case .string, .reference: return "a string"
        case .file: return "a file path"
        case .integer: return "an integer"
        case .number: return "a number"
        case .boolean: return "true or false"
        case .list: return "a list"
        case .object, .dictionary: return "a mapping"
        case .either(let options): return options.map(\.expectation).joined(separator: " or ")
        case .scalar: return "a string, number or boolean"
        }
    }
}

/// Bounds shared by several kinds' numbers.
public enum Limits {
    /// Events a generated sample may have: 10⁹ rows of a few dozen columns is already hundreds of GB.
    public static let events = 1_000_000_000
    /// Seeds stay exactly representable as JSON numbers (2⁵³).
    public static let seed = 1 << 53
}

/// What a kind's own check sees: its configuration, the node it came from (for positions), and
/// the output names other steps declare.
public struct KindCheck {
    public var config: Value
    public var node: Node
    /// Output names of a step or dataset by name, when its kind declares them in its configuration.
    public var outputsOf: (String) -> [String]?
    /// The kind and configuration (first matrix point) of a step or dataset by name.
    public var stepNamed: (String) -> (kind: String, config: Value)? = { _ in nil }
    /// Where a step or dataset is declared (its name's position), for notes that point at it.
    public var declaration: (String) -> Mark? = { _ in nil }

    /// `diagnostic` with a note at the declaration of `step`, the step a reference names.
    public func noting(_ diagnostic: Diagnostic, declaring step: String, _ message: String) -> Diagnostic {
        var d = diagnostic
        if let mark = declaration(step) { d.notes.append(Diagnostic(mark, message, severity: .note)) }
        return d
    }

    /// The position of the value at `path` (keys), or of the nearest node above it.
    public func mark(_ path: String...) -> Mark { mark(at: path) }

    public func mark(at path: [String]) -> Mark {
        var current = node
        for key in path {
            guard let next = current[key] else { break }
            current = next
        }
        return current.mark
    }
}
