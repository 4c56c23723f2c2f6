import Foundation

/// A resolved configuration value: what a step kind reads, and what its cache key hashes.
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    /// Keys keep the order they were written in; the canonical form sorts them.
    case object([(String, Value)])

    public static func == (lhs: Value, rhs: Value) -> Bool { lhs.canonicalJSON == rhs.canonicalJSON }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalJSON) }

    public subscript(key: String) -> Value? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var int: Int? { if case .int(let i) = self { return i }; return nil }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var array: [Value]? { if case .array(let a) = self { return a }; return nil }
    public var object: [(String, Value)]? { if case .object(let o) = self { return o }; return nil }
    public var double: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }

    /// JSON with sorted keys and no white space: equal configurations give equal bytes,
    /// whatever the key order, comments or indentation of the YAML they came from.
    public var canonicalJSON: String {
        var out = ""
        write(to: &out, sorted: true)
        return out
    }

    /// The text a scalar stands for where it is spliced into a string or a step name.
    public var interpolationText: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return Value.format(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        default: return canonicalJSON
        }
    }

    public static func format(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        if d == d.rounded(), abs(d) < 1e15 { return String(format: "%.1f", d) }
        return "\(d)"
    }

    func write(to out: inout String, sorted: Bool) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? Value.format(d) : "\"\(Value.format(d))\""
        case .string(let s): Value.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out, sorted: sorted)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            let ordered = sorted ? pairs.sorted { $0.0 < $1.0 } : pairs
            for (i, (key, value)) in ordered.enumerated() {
                if i > 0 { out += "," }
                Value.writeString(key, to: &out)
                out += ":"
                value.write(to: &out, sorted: sorted)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// A flat list of `path → leaf` entries (`inputs.events`, `layers[1]`), for telling users
    /// which setting changed between two configurations.
    public func leaves(prefix: String = "") -> [(String, Value)] {
        switch self {
        case .object(let pairs):
            if pairs.isEmpty { return [(prefix, self)] }
            return pairs.flatMap { $0.1.leaves(prefix: prefix.isEmpty ? $0.0 : "\(prefix).\($0.0)") }
        case .array(let items):
            if items.isEmpty { return [(prefix, self)] }
            return items.enumerated().flatMap { $0.element.leaves(prefix: "\(prefix)[\($0.offset)]") }
        default:
            return [(prefix, self)]
        }
    }
}
