/// Typed options of a step kind, declared once.
///
/// A kind declares its configuration as a struct of `@Setting` properties, each holding key, schema
/// (type and range), default and help together:
///
///     struct Settings: SettingGroup {
///         @Setting("epochs", .integer(minimum: 1, maximum: 100_000), "Training epochs.") var epochs = 30
///         @Setting(required: "data", .reference, "The weighted events.") var data: String
///         init() {}
///     }
///
/// The kind's `Schema` (and so `flow validate`, the JSON Schema and the option tables of the docs) is
/// read off a default instance, and `Settings.decode(config)` fills an instance from a validated
/// configuration: nothing reads the configuration by string key and no default is written twice.
public protocol SettingGroup: SettingValue {
    /// Every option at its default (required options absent); `@Setting` reads the decoding in progress.
    init()
}

/// A Swift type an option can hold.
public protocol SettingValue: Sendable {
    /// The value of a validated configuration node, or nil when the node has another shape.
    init?(setting value: Value)
    /// The value as configuration (for the schema's `default` and the docs).
    var settingValue: Value { get }
}

/// What every `@Setting` tells the schema, whatever its type.
public protocol SettingDeclaration {
    var property: Property { get }
}

@propertyWrapper
public struct Setting<T: SettingValue>: SettingDeclaration, Sendable {
    public let key: String
    public let schema: Schema
    public let help: String
    let required: Bool
    let defaultValue: T?
    var decoded: T?

    /// An option with a default: `@Setting("epochs", .integer(minimum: 1), "…") var epochs = 30`.
    /// An optional type with `= nil` is an option without a default.
    public init(wrappedValue: T, _ key: String, _ schema: Schema, _ help: String) {
        self.key = key
        self.schema = schema
        self.help = help
        self.required = false
        self.defaultValue = wrappedValue
        self.decoded = SettingDecoding.current?.read(key, as: T.self)
    }

    /// An option the configuration must give: `@Setting(required: "data", .reference, "…") var data: String`.
    public init(required key: String, _ schema: Schema, _ help: String) {
        self.key = key
        self.schema = schema
        self.help = help
        self.required = true
        self.defaultValue = nil
        self.decoded = SettingDecoding.current?.read(key, as: T.self, required: true)
    }

    /// Always set once `decode` returned: validation guarantees the required ones. Code may change a
    /// decoded value (an ensemble member's seed), never the declaration.
    public var wrappedValue: T {
        get {
            guard let value = decoded ?? defaultValue else {
                preconditionFailure("option '\(key)' read before decoding")
            }
            return value
        }
        set { decoded = newValue }
    }

    public var property: Property {
        let shown = defaultValue.map(\.settingValue).flatMap { $0 == .null ? nil : $0 }
        return Property(key, schema, required: required, help, default: shown)
    }
}

/// The configuration being decoded, for the `@Setting` initialisers of the group under construction.
final class SettingDecoding: @unchecked Sendable {
    @TaskLocal static var current: SettingDecoding?

    let config: Value
    let path: String
    private(set) var problems: [String] = []

    init(config: Value, path: String) {
        self.config = config
        self.path = path
    }

    func read<T: SettingValue>(_ key: String, as type: T.Type, required: Bool = false) -> T? {
        guard let node = config[key], node != .null else {
            if required { problems.append("\(path)\(key): missing") }
            return nil
        }
        guard let value = T(setting: node) else {
            problems.append("\(path)\(key): unexpected value \(node.canonicalJSON)")
            return nil
        }
        return value
    }
}

/// A configuration that does not decode into a kind's options (validation lets none through).
public struct SettingError: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String { problems.joined(separator: "; ") }
}

extension SettingGroup {
    /// The options filled from `config` (a mapping); throws when it does not fit the declarations.
    public static func decode(_ config: Value) throws -> Self {
        try decode(config, path: "")
    }

    static func decode(_ config: Value, path: String) throws -> Self {
        guard config.object != nil || config == .null else { throw SettingError(problems: ["\(path.isEmpty ? "configuration" : path): expected a mapping"]) }
        let decoding = SettingDecoding(config: config, path: path)
        let group = SettingDecoding.$current.withValue(decoding) { Self() }
        guard decoding.problems.isEmpty else { throw SettingError(problems: decoding.problems) }
        return group
    }

    /// The declared options, in declaration order; a group held as a plain property (`var network =
    /// NetworkOptions()`) contributes its options to the same mapping.
    public static var properties: [Property] {
        SettingDecoding.$current.withValue(nil) {
            Mirror(reflecting: Self()).children.flatMap { child -> [Property] in
                if let declaration = child.value as? SettingDeclaration { return [declaration.property] }
                if let group = child.value as? any SettingGroup { return type(of: group).properties }
                return []
            }
        }
    }

    public static var schema: Schema { .object(properties) }

    public init?(setting value: Value) {
        guard let group = try? Self.decode(value) else { return nil }
        self = group
    }

    /// Nested groups show their defaults in their own properties, not as one value.
    public var settingValue: Value { .null }
}

// MARK: - Setting types

extension Int: SettingValue {
    public init?(setting value: Value) {
        guard let i = value.int else { return nil }
        self = i
    }
    public var settingValue: Value { .int(self) }
}

extension Double: SettingValue {
    public init?(setting value: Value) {
        guard let d = value.double else { return nil }
        self = d
    }
    public var settingValue: Value { .double(self) }
}

extension Bool: SettingValue {
    public init?(setting value: Value) {
        guard let b = value.bool else { return nil }
        self = b
    }
    public var settingValue: Value { .bool(self) }
}

extension String: SettingValue {
    public init?(setting value: Value) {
        guard let s = value.string else { return nil }
        self = s
    }
    public var settingValue: Value { .string(self) }
}

extension Array: SettingValue where Element: SettingValue {
    public init?(setting value: Value) {
        guard let items = value.array else { return nil }
        var decoded: [Element] = []
        for item in items {
            guard let element = Element(setting: item) else { return nil }
            decoded.append(element)
        }
        self = decoded
    }
    public var settingValue: Value { .array(map(\.settingValue)) }
}

extension Optional: SettingValue where Wrapped: SettingValue {
    public init?(setting value: Value) {
        if value == .null { self = .none; return }
        guard let wrapped = Wrapped(setting: value) else { return nil }
        self = .some(wrapped)
    }
    public var settingValue: Value { map(\.settingValue) ?? .null }
}

/// Any configuration value, for options whose shape is the kind's own business (a command's environment).
extension Value: SettingValue {
    public init?(setting value: Value) { self = value }
    public var settingValue: Value { self }
}

/// A closed set of words: `enum Schedule: String, SettingEnum { case constant, exponential }`.
public protocol SettingEnum: SettingValue, RawRepresentable<String>, CaseIterable {}

extension SettingEnum {
    public init?(setting value: Value) {
        guard let s = value.string, let v = Self(rawValue: s) else { return nil }
        self = v
    }
    public var settingValue: Value { .string(rawValue) }
    /// The schema that accepts exactly the cases.
    public static var schema: Schema { .string(oneOf: allCases.map(\.rawValue)) }
}

/// A mapping whose keys the user chooses, in the order written.
public struct Entries<T: SettingValue>: SettingValue {
    public var pairs: [(key: String, value: T)]

    public init(_ pairs: [(key: String, value: T)] = []) { self.pairs = pairs }

    public init?(setting value: Value) {
        guard let object = value.object else { return nil }
        var pairs: [(key: String, value: T)] = []
        for (key, item) in object {
            guard let decoded = T(setting: item) else { return nil }
            pairs.append((key, decoded))
        }
        self.pairs = pairs
    }

    /// Empty shows as no default: "none" says it better than `{}`.
    public var settingValue: Value { pairs.isEmpty ? .null : .object(pairs.map { ($0.key, $0.value.settingValue) }) }
    public var keys: [String] { pairs.map(\.key) }
    public subscript(key: String) -> T? { pairs.first { $0.key == key }?.value }
}

/// One reference or a list of them (`closure: compare` or `closure: [compare_a, compare_b]`).
public struct References: SettingValue {
    public var names: [String]

    public init(_ names: [String] = []) { self.names = names }

    public init?(setting value: Value) {
        if let one = value.string { names = [one]; return }
        guard let list = [String](setting: value) else { return nil }
        names = list
    }

    public var settingValue: Value {
        names.isEmpty ? .null : names.count == 1 ? .string(names[0]) : .array(names.map(Value.string))
    }
    /// The schema of a reference or a non-empty list of them.
    public static let schema = Schema.either([.reference, .list(.reference, minItems: 1)])
}

extension KindDescription {
    /// A kind whose configuration is the mapping `settings` declares.
    public init<S: SettingGroup>(name: String, section: Section, summary: String, settings: S.Type, shellKeys: Set<String> = [],
                                 check: (@Sendable (KindCheck) -> [Diagnostic])? = nil) {
        self.init(name: name, section: section, summary: summary, schema: S.schema, shellKeys: shellKeys, check: check)
    }
}

extension KindCheck {
    /// The configuration as `S`, when it decodes (checks of a configuration that does not are left to
    /// the schema's own messages).
    public func settings<S: SettingGroup>(_ type: S.Type) -> S? { try? S.decode(config) }
}
