import FlowConfig

/// Everything a step's result depends on, and nothing else: the cache key is its SHA-256.
///
/// No modification times and no absolute paths go in, so a fresh clone or a moved checkout finds
/// the same keys, and a reformatted workflow (comments, key order, indentation) changes none.
public struct KeyDocument: Sendable, Equatable {
    public var kind: String
    public var version: Int
    public var config: Value
    /// Content digests of what the step reads: `step:NAME:OUTPUT` for another step's output,
    /// `file:PATH` for a workspace file (PATH as written, relative to the workflow).
    public var inputs: [String: Digest]

    public init(kind: String, version: Int, config: Value, inputs: [String: Digest]) {
        self.kind = kind
        self.version = version
        self.config = config
        self.inputs = inputs
    }

    public var canonical: String { json.canonicalJSON }

    public var json: Value {
        .object([
            ("config", config),
            ("inputs", .object(inputs.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value.hex)) })),
            ("kind", .string(kind)),
            ("version", .int(version)),
        ])
    }

    public init(json: Value) throws {
        guard let kind = json["kind"]?.string, let version = json["version"]?.int, let config = json["config"] else {
            throw EngineError.corrupt("a key document lacks its kind, version or configuration")
        }
        var inputs: [String: Digest] = [:]
        for (label, digest) in json["inputs"]?.object ?? [] { inputs[label] = digest.string.map(Digest.init(hex:)) }
        self.init(kind: kind, version: version, config: config, inputs: inputs)
    }

    public var key: Digest { Digest.of(canonical) }

    /// Human-readable reasons why `self` differs from an earlier document.
    public func changes(since old: KeyDocument) -> [String] {
        var reasons: [String] = []
        if kind != old.kind { reasons.append("kind changed from '\(old.kind)' to '\(kind)'") }
        if version != old.version { reasons.append("flow's implementation of '\(kind)' changed (version \(old.version) → \(version))") }
        let before = Dictionary(old.config.leaves().map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(config.leaves().map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        for path in Set(before.keys).union(after.keys).sorted() where before[path] != after[path] {
            let name = path.isEmpty ? "configuration" : "'\(path)'"
            switch (before[path], after[path]) {
            case (nil, let new?): reasons.append("config \(name) added: \(new.interpolationText.abbreviated)")
            case (let was?, nil): reasons.append("config \(name) removed (was \(was.interpolationText.abbreviated))")
            case (let was?, let new?):
                let (a, b) = Self.changedParts(was.interpolationText, new.interpolationText)
                reasons.append("config \(name) changed: \(a) → \(b)")
            default: break
            }
        }
        for label in Set(old.inputs.keys).union(inputs.keys).sorted() where old.inputs[label] != inputs[label] {
            let (prefix, name) = label.firstIndex(of: ":").map { (label[..<$0], label[label.index(after: $0)...]) } ?? ("", label[...])
            let what = prefix == "file" ? "file '\(name)'" : prefix == "environment" ? "environment setting \(name)" : "input '\(name)'"
            switch (old.inputs[label], inputs[label]) {
            case (nil, _): reasons.append("new \(what)")
            case (_, nil): reasons.append("\(what) no longer used")
            default: reasons.append("\(what) changed")
            }
        }
        return reasons
    }
}

extension KeyDocument {
    /// The differing middle of two texts with a little context, so a change deep inside a long
    /// command line is visible: `…400 0.03 1000 > …` → `…400 0.03 10 > …`.
    static func changedParts(_ a: String, _ b: String, context: Int = 10) -> (String, String) {
        if a.count <= 40 && b.count <= 40 { return ("'\(a)'", "'\(b)'") }
        let x = Array(a), y = Array(b)
        var prefix = 0
        while prefix < min(x.count, y.count) && x[prefix] == y[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < min(x.count, y.count) - prefix && x[x.count - 1 - suffix] == y[y.count - 1 - suffix] { suffix += 1 }
        func window(_ chars: [Character]) -> String {
            let start = max(0, prefix - context), end = min(chars.count, chars.count - suffix + context)
            let middle = String(chars[start..<max(start, end)])
            return "'" + (start > 0 ? "…" : "") + middle + (end < chars.count ? "…" : "") + "'"
        }
        return (window(x), window(y))
    }
}

private extension String {
    var abbreviated: String { count > 40 ? "'\(prefix(37))…'" : "'\(self)'" }
}
