import YAMLNode

/// A place in a step's configuration that names another step or dataset.
public struct ReferenceSite: Sendable {
    /// Where in the configuration it sits, e.g. `inputs.events` or `[2]`.
    public var path: String
    public var name: String
    public var mark: Mark
}

/// A place in a step's configuration that names a file of the workspace.
public struct FileSite: Sendable {
    public var path: String
    public var file: String
    public var mark: Mark
}

/// Checks nodes against a `Schema`, turning them into `Value`s and collecting every problem.
struct SchemaValidator {
    var diagnostics: [Diagnostic] = []
    var references: [ReferenceSite] = []
    var files: [FileSite] = []

    mutating func value(of node: Node, as schema: Schema, at path: String) -> Value? {
        switch schema {
        case .string(let options):
            guard let text = stringValue(node, schema) else { return nil }
            if let options, !options.contains(text) {
                fail(node, "'\(text)' is not \(schema.expectation)\(suggestion(for: text, among: options))")
                return nil
            }
            return .string(text)
        case .reference:
            guard let text = stringValue(node, schema) else { return nil }
            references.append(ReferenceSite(path: path, name: text, mark: node.mark))
            return .string(text)
        case .file:
            guard let text = stringValue(node, schema) else { return nil }
            files.append(FileSite(path: path, file: text, mark: node.mark))
            return .string(text)
        case .integer(let minimum, let maximum):
            guard case .int(let i)? = node.scalar?.resolved else { return mismatch(node, schema) }
            if let minimum, i < minimum { fail(node, "must be at least \(minimum), got \(i)"); return nil }
            if let maximum, i > maximum { fail(node, "must be at most \(maximum), got \(i)"); return nil }
            return .int(i)
        case .number(let minimum, let maximum):
            let number: Double
            switch node.scalar?.resolved {
            case .int(let i)?: number = Double(i)
            case .double(let d)?: number = d
            default: return mismatch(node, schema)
            }
            if !number.isFinite { fail(node, "must be a finite number, got \(number)"); return nil }
            if let minimum, number < minimum { fail(node, "must be at least \(minimum), got \(number)"); return nil }
            if let maximum, number > maximum { fail(node, "must be at most \(maximum), got \(number)"); return nil }
            if case .int(let i)? = node.scalar?.resolved { return .int(i) }
            return .double(number)
        case .boolean:
            guard case .bool(let b)? = node.scalar?.resolved else { return mismatch(node, schema) }
            return .bool(b)
        case .scalar:
            guard let resolved = node.scalar?.resolved else { return mismatch(node, schema) }
            return Value(resolved)
        case .list(let item, let minItems, let maxItems):
            guard let items = node.sequence else { return mismatch(node, schema) }
            if items.count < minItems {
                fail(node, "needs at least \(minItems) entr\(minItems == 1 ? "y" : "ies")")
            }
            if let maxItems, items.count > maxItems {
                fail(node, "takes at most \(maxItems) entries, got \(items.count)")
                return nil
            }
            let values = items.enumerated().map { value(of: $0.element, as: item, at: "\(path)[\($0.offset)]") }
            return values.contains { $0 == nil } ? nil : .array(values.map { $0! })
        case .dictionary(let item):
            guard let pairs = uniquePairs(node, schema) else { return nil }
            let values = pairs.map { ($0.0, value(of: $0.1, as: item, at: join(path, $0.0))) }
            return values.contains { $0.1 == nil } ? nil : .object(values.map { ($0.0, $0.1!) })
        case .object(let properties):
            guard let pairs = uniquePairs(node, schema) else { return nil }
            var result: [(String, Value)] = []
            var valid = true
            let names = properties.map(\.name)
            for (key, valueNode, keyNode) in pairs.map({ ($0.0, $0.1, $0.2) }) {
                guard let property = properties.first(where: { $0.name == key }) else {
                    fail(keyNode, "unknown key '\(key)'\(suggestion(for: key, among: names))")
                    valid = false
                    continue
                }
                if let v = value(of: valueNode, as: property.schema, at: join(path, key)) {
                    result.append((key, v))
                } else {
                    valid = false
                }
            }
            for property in properties where property.required && !pairs.contains(where: { $0.0 == property.name }) {
                fail(node, "missing required key '\(property.name)'")
                valid = false
            }
            return valid ? .object(result) : nil
        case .either(let options):
            // Pick the alternative by shape, so its own errors are the ones reported.
            let chosen = options.first { Self.shapeMatches(node, $0) } ?? options[0]
            if options.contains(where: { Self.shapeMatches(node, $0) }) {
                return value(of: node, as: chosen, at: path)
            }
            return mismatch(node, schema)
        }
    }

    static func shapeMatches(_ node: Node, _ schema: Schema) -> Bool {
        switch (node.content, schema) {
        case (.sequence, .list): return true
        case (.mapping, .object), (.mapping, .dictionary): return true
        case (.scalar(let s), .string), (.scalar(let s), .reference), (.scalar(let s), .file):
            if case .string = s.resolved { return true }
            return false
        case (.scalar(let s), .integer):
            if case .int = s.resolved { return true }
            return false
        case (.scalar(let s), .number):
            switch s.resolved { case .int, .double: return true; default: return false }
        case (.scalar(let s), .boolean):
            if case .bool = s.resolved { return true }
            return false
        case (.scalar, .scalar): return true
        case (_, .either(let options)): return options.contains { shapeMatches(node, $0) }
        default: return false
        }
    }

    private mutating func stringValue(_ node: Node, _ schema: Schema) -> String? {
        guard let scalar = node.scalar else { mismatch(node, schema); return nil }
        switch scalar.resolved {
        case .string(let s): return s
        default: mismatch(node, schema); return nil
        }
    }

    /// The mapping's entries, reporting keys that are not strings or appear twice.
    private mutating func uniquePairs(_ node: Node, _ schema: Schema) -> [(String, Node, Node)]? {
        guard let pairs = node.mapping else { mismatch(node, schema); return nil }
        var seen: [String: Mark] = [:]
        var result: [(String, Node, Node)] = []
        for pair in pairs {
            guard let key = pair.key.scalar?.text else { fail(pair.key, "keys must be strings"); continue }
            if let first = seen[key] {
                fail(pair.key, "duplicate key '\(key)' (first defined at line \(first.line))")
                continue
            }
            seen[key] = pair.key.mark
            result.append((key, pair.value, pair.key))
        }
        return result
    }

    @discardableResult
    private mutating func mismatch(_ node: Node, _ schema: Schema) -> Value? {
        fail(node, "expected \(schema.expectation), found \(node.kindDescription)")
        return nil
    }

    mutating func fail(_ node: Node, _ message: String) {
        diagnostics.append(Diagnostic(node.mark, message))
    }

    private func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

extension Value {
    public init(_ resolved: Node.Scalar.Resolved) {
        switch resolved {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        }
    }

    /// The node this value would parse from, placed at `mark` (for values spliced in by interpolation).
    func node(at mark: Mark) -> Node {
        switch self {
        case .null: return Node(.scalar(.init(text: "null")), mark: mark)
        case .bool(let b): return Node(.scalar(.init(text: b ? "true" : "false")), mark: mark)
        case .int(let i): return Node(.scalar(.init(text: String(i))), mark: mark)
        case .double(let d): return Node(.scalar(.init(text: "\(d)")), mark: mark)
        case .string(let s): return Node(.scalar(.init(text: s, isPlain: false)), mark: mark)
        case .array(let items): return Node(.sequence(items.map { $0.node(at: mark) }), mark: mark)
        case .object(let pairs):
            return Node(.mapping(pairs.map {
                Node.Pair(key: Node(.scalar(.init(text: $0.0, isPlain: false)), mark: mark), value: $0.1.node(at: mark))
            }), mark: mark)
        }
    }
}
