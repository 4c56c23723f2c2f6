/// Writes the JSON Schema (draft 2020-12) of the workflow format from the same kind descriptions
/// flow validates with, so the schema editors use can never drift from what `flow run` accepts.
public enum WorkflowJSONSchema {
    public static func document(kinds: [KindDescription], executors: [ExecutorDescription] = [ExecutorSchema.local]) -> Value {
        var defs: [(String, Value)] = [
            ("interpolation", .object([
                ("description", .string("A whole-value reference to a parameter or matrix value, replaced before validation.")),
                ("type", .string("string")),
                ("pattern", .string(#"^\$\{\s*(params|matrix)\.[A-Za-z0-9_.-]+\s*\}$"#)),
            ])),
            ("scalar", .object([("type", .array([.string("string"), .string("number"), .string("boolean"), .string("null")]))])),
            ("matrix", .object([
                ("description", .string("Runs the step once per combination of the listed values; names become step[key=value,...].")),
                ("type", .string("object")),
                ("minProperties", .int(1)),
                ("additionalProperties", anyOf([
                    .object([("type", .string("array")), ("minItems", .int(1)), ("items", ref("scalar"))]),
                    ref("interpolation"),
                ])),
            ])),
            ("retries", anyOf([.object([("type", .string("integer")), ("minimum", .int(0)), ("maximum", .int(WorkflowLoader.maxRetries))]), ref("interpolation")])),
        ]
        for kind in kinds {
            defs.append(("kind.\(kind.name)", describe(schema(kind.schema), kind.summary)))
        }
        for section in [Section.datasets, .steps] {
            let alternatives = kinds.filter { $0.section == section }.map { kind -> Value in
                .object([
                    ("type", .string("object")),
                    ("required", .array([.string(kind.name)])),
                    ("properties", .object([
                        (kind.name, ref("kind.\(kind.name)")),
                        ("matrix", ref("matrix")),
                        ("retries", ref("retries")),
                    ])),
                    ("additionalProperties", .bool(false)),
                ])
            }
            // A section with no kinds in this build accepts nothing (`false` is a valid schema).
            defs.append((section == .datasets ? "dataset" : "step",
                         alternatives.isEmpty ? .bool(false) : .object([("oneOf", .array(alternatives))])))
        }
        let namePattern = Value.object([("pattern", .string("^[A-Za-z_][A-Za-z0-9_.-]*$"))])
        return .object([
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("title", .string("flow workflow")),
            ("description", .string("A declarative analysis: datasets, features and the steps that turn them into results.")),
            ("type", .string("object")),
            ("required", .array([.string("flow")])),
            ("anyOf", .array([.object([("required", .array([.string("steps")]))]), .object([("required", .array([.string("datasets")]))])])),
            ("additionalProperties", .bool(false)),
            ("properties", .object([
                ("flow", .object([("description", .string("Version of the workflow format.")), ("const", .int(1))])),
                ("name", .object([("type", .string("string"))])),
                ("params", .object([
                    ("description", .string("Values that ${params.NAME} substitutes; `flow run --param NAME=VALUE` overrides them.")),
                    ("type", .string("object")),
                    ("additionalProperties", anyOf([ref("scalar"), .object([("type", .string("array")), ("items", ref("scalar"))])])),
                ])),
                ("datasets", .object([
                    ("type", .string("object")), ("propertyNames", namePattern), ("additionalProperties", ref("dataset")),
                ])),
                ("features", .object([
                    ("description", .string("Input columns of the networks.")),
                    ("type", .string("array")), ("items", .object([("type", .string("string"))])),
                ])),
                ("executor", describe(schema(ExecutorSchema.schema(executors)), "Where steps run and, on a cluster, what each job asks for.")),
                ("steps", .object([
                    ("type", .string("object")), ("propertyNames", namePattern), ("additionalProperties", ref("step")),
                ])),
            ])),
            ("$defs", .object(defs)),
        ])
    }

    static func schema(_ schema: Schema) -> Value {
        switch schema {
        case .string(let options?):
            return .object([("enum", .array(options.map(Value.string)))])
        case .string, .reference, .file:
            return .object([("type", .string("string"))])
        case .integer(let minimum, let maximum):
            var object: [(String, Value)] = [("type", .string("integer"))]
            if let minimum { object.append(("minimum", .int(minimum))) }
            if let maximum { object.append(("maximum", .int(maximum))) }
            return anyOf([.object(object), ref("interpolation")])
        case .number(let minimum, let maximum):
            var object: [(String, Value)] = [("type", .string("number"))]
            if let minimum { object.append(("minimum", .double(minimum))) }
            if let maximum { object.append(("maximum", .double(maximum))) }
            return anyOf([.object(object), ref("interpolation")])
        case .boolean:
            return anyOf([.object([("type", .string("boolean"))]), ref("interpolation")])
        case .scalar:
            return ref("scalar")
        case .list(let item, let minItems, let maxItems):
            var object: [(String, Value)] = [("type", .string("array")), ("items", self.schema(item))]
            if minItems > 0 { object.append(("minItems", .int(minItems))) }
            if let maxItems { object.append(("maxItems", .int(maxItems))) }
            return anyOf([.object(object), ref("interpolation")])
        case .dictionary(let item):
            return .object([("type", .string("object")), ("additionalProperties", self.schema(item))])
        case .object(let properties):
            var object: [(String, Value)] = [("type", .string("object"))]
            let required = properties.filter(\.required).map { Value.string($0.name) }
            if !required.isEmpty { object.append(("required", .array(required))) }
            object.append(("properties", .object(properties.map { ($0.name, describe(self.schema($0.schema), $0.summary, default: $0.defaultValue)) })))
            object.append(("additionalProperties", .bool(false)))
            return .object(object)
        case .either(let options):
            return anyOf(options.map(self.schema))
        }
    }

    private static func ref(_ name: String) -> Value { .object([("$ref", .string("#/$defs/\(name)"))]) }
    private static func anyOf(_ options: [Value]) -> Value { .object([("anyOf", .array(options))]) }

    private static func describe(_ value: Value, _ summary: String, default defaultValue: Value? = nil) -> Value {
        guard case .object(let pairs) = value else { return value }
        var head: [(String, Value)] = summary.isEmpty ? [] : [("description", .string(summary))]
        if let defaultValue { head.append(("default", defaultValue)) }
        return .object(head + pairs)
    }
}

extension Value {
    /// Indented JSON in the order keys were written, lists of scalars on one line: for files people read.
    public var prettyJSON: String {
        var out = ""
        writePretty(to: &out, indent: "")
        return out + "\n"
    }

    private func writePretty(to out: inout String, indent: String) {
        let inner = indent + "  "
        switch self {
        case .array(let items) where !items.isEmpty && items.contains(where: { $0.isContainer }):
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += inner
                item.writePretty(to: &out, indent: inner)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += indent + "]"
        case .object(let pairs) where !pairs.isEmpty:
            out += "{\n"
            for (i, (key, value)) in pairs.enumerated() {
                out += inner
                Value.writeString(key, to: &out)
                out += ": "
                value.writePretty(to: &out, indent: inner)
                out += i + 1 < pairs.count ? ",\n" : "\n"
            }
            out += indent + "}"
        case .array(let items):
            out += "[" + items.map { item -> String in
                var flat = ""
                item.write(to: &flat, sorted: false)
                return flat
            }.joined(separator: ", ") + "]"
        default:
            write(to: &out, sorted: false)
        }
    }

    var isContainer: Bool {
        switch self {
        case .array, .object: return true
        default: return false
        }
    }
}
