/// A YAML value with the source position of every part of it.
public struct Node: Sendable {
    /// The three shapes a YAML node can take.
    public enum Content: Sendable {
        case scalar(Scalar)
        case sequence([Node])
        case mapping([Pair])
    }

    /// A scalar's text and how it was written; plain scalars get YAML's core-schema types.
    public struct Scalar: Sendable {
        public var text: String
        /// Plain (unquoted) scalars may be numbers, booleans or null; quoted ones are always strings.
        public var isPlain: Bool
        public var tag: String?

        public init(text: String, isPlain: Bool = true, tag: String? = nil) {
            self.text = text
            self.isPlain = isPlain
            self.tag = tag
        }
    }

    /// One key–value entry of a mapping, in source order.
    public struct Pair: Sendable {
        public var key: Node
        public var value: Node
        public init(key: Node, value: Node) {
            self.key = key
            self.value = value
        }
    }

    public var content: Content
    public var mark: Mark

    public init(_ content: Content, mark: Mark) {
        self.content = content
        self.mark = mark
    }

    public var scalar: Scalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    public var sequence: [Node]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [Pair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The value for a scalar key, or nil.
    public subscript(key: String) -> Node? {
        mapping?.first { $0.key.scalar?.text == key }?.value
    }

    /// What the node holds in words, for error messages ("a mapping", "the string 'x'").
    public var kindDescription: String {
        switch content {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar(let s):
            switch s.resolved {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int: return "an integer"
            case .double: return "a number"
            case .string: return "a string"
            }
        }
    }
}

extension Node.Scalar {
    /// The value of a scalar under YAML 1.2's core schema.
    public enum Resolved: Sendable, Equatable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
    }

    public var resolved: Resolved {
        if let tag {
            switch tag {
            case "tag:yaml.org,2002:str": return .string(text)
            case "tag:yaml.org,2002:int": if let i = Int(text) { return .int(i) }
            case "tag:yaml.org,2002:float": if let d = Double(text) { return .double(d) }
            default: break
            }
        }
        guard isPlain else { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        if let i = Node.Scalar.integer(text) { return .int(i) }
        if Node.Scalar.looksNumeric(text), let d = Double(text) { return .double(d) }
        return .string(text)
    }

    private static func integer(_ text: String) -> Int? {
        if text.hasPrefix("0x") { return Int(text.dropFirst(2), radix: 16) }
        if text.hasPrefix("0o") { return Int(text.dropFirst(2), radix: 8) }
        guard let first = text.first, first.isNumber || first == "-" || first == "+" else { return nil }
        return Int(text)
    }

    // Swift's Double() also accepts "nan", "infinity" and hex floats; YAML does not.
    private static func looksNumeric(_ text: String) -> Bool {
        text.allSatisfy { $0.isNumber || "+-.eE".contains($0) } && text.contains(where: \.isNumber)
    }
}
