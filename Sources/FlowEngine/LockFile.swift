import FlowConfig
import Foundation
import YAMLNode

/// The record of a workflow's results that lives beside it in git (`workflows/x.yaml` → `workflows/x.lock`).
///
/// Steps are sorted by name and every line is one fact, so `git diff` of the lock file shows
/// exactly which steps an edit changed, and how their headline metrics moved.
public struct LockFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var kind: String
        public var key: Digest
        public var outputs: [String: Digest]
        public var metrics: [(String, Value)]

        public init(kind: String, key: Digest, outputs: [String: Digest], metrics: [(String, Value)]) {
            self.kind = kind
            self.key = key
            self.outputs = outputs
            self.metrics = metrics
        }

        public static func == (a: Entry, b: Entry) -> Bool {
            a.kind == b.kind && a.key == b.key && a.outputs == b.outputs
                && a.metrics.map(\.0) == b.metrics.map(\.0) && a.metrics.map(\.1) == b.metrics.map(\.1)
        }

        public init(_ record: StepRecord, kind: String) {
            self.init(kind: kind, key: record.key, outputs: record.outputs.mapValues(\.digest),
                      metrics: Value.object(record.metrics.sorted { $0.key < $1.key }).leaves().filter { !$0.0.isEmpty })
        }
    }

    public var workflow: String
    public var steps: [String: Entry]

    public init(workflow: String, steps: [String: Entry] = [:]) {
        self.workflow = workflow
        self.steps = steps
    }

    /// `x.yaml` → `x.lock`, in the same directory.
    public static func path(forWorkflow file: String) -> String {
        let url = URL(fileURLWithPath: file)
        return url.deletingPathExtension().appendingPathExtension("lock").path
    }

    /// The lock file at `path`, or nil when it is missing or cannot be parsed (see `parse`).
    public static func read(_ path: String) -> LockFile? {
        (try? parse(path)) ?? nil
    }

    /// The lock file at `path`, nil when there is none; an error naming the line when it cannot be
    /// read as one (git conflict markers after a merge, a hand edit gone wrong).
    public static func parse(_ path: String) throws -> LockFile? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> LockFile {
        if let (line, marker) = conflictMarker(in: text) {
            throw EngineError.corrupt("\(file):\(line): git conflict marker '\(marker)': resolve the merge (or rerun the workflow to rewrite the lock file)")
        }
        let root: Node
        do {
            root = try YAMLParser.parse(text, file: file)
        } catch let error as YAMLError {
            throw EngineError.corrupt(error.description)
        }
        func invalid(_ node: Node, _ what: String) -> EngineError {
            EngineError.corrupt("\(node.mark): not a flow lock file: \(what)")
        }
        guard root.mapping != nil, let workflow = root["workflow"]?.scalar?.text else { throw invalid(root, "no 'workflow:'") }
        var lock = LockFile(workflow: workflow)
        guard let steps = root["steps"], let stepPairs = steps.mapping else { throw invalid(root, "no 'steps:' mapping") }
        func digest(_ node: Node) throws -> Digest {
            guard let text = node.scalar?.text, text.utf8.count == 64,
                  text.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }) else {
                throw invalid(node, "'\(node.scalar?.text ?? node.kindDescription)' is not a SHA-256 digest")
            }
            return Digest(hex: text.lowercased())
        }
        for pair in stepPairs {
            guard let name = pair.key.scalar?.text, let keyNode = pair.value["key"] else { throw invalid(pair.key, "a step without 'key:'") }
            let key = try digest(keyNode)
            var outputs: [String: Digest] = [:]
            for output in pair.value["outputs"]?.mapping ?? [] {
                guard let k = output.key.scalar?.text else { throw invalid(output.key, "an output name that is not text") }
                outputs[k] = try digest(output.value)
            }
            var metrics: [(String, Value)] = []
            for metric in pair.value["metrics"]?.mapping ?? [] {
                if let k = metric.key.scalar?.text, let v = metric.value.scalar?.resolved { metrics.append((k, Value(v))) }
            }
            lock.steps[name] = Entry(kind: pair.value["kind"]?.scalar?.text ?? "", key: key,
                                     outputs: outputs, metrics: metrics)
        }
        return lock
    }

    /// The line and text of the first git conflict marker (seven `<`, `=`, `>` or `|` at a line's start).
    static func conflictMarker(in text: String) -> (Int, String)? {
        var line = 1, atLineStart = true
        let bytes = Array(text.utf8)
        for (i, byte) in bytes.enumerated() {
            if atLineStart, [UInt8(ascii: "<"), UInt8(ascii: "="), UInt8(ascii: ">"), UInt8(ascii: "|")].contains(byte),
               i + 7 <= bytes.count, bytes[i..<(i + 7)].allSatisfy({ $0 == byte }) {
                return (line, String(decoding: bytes[i..<(i + 7)], as: UTF8.self))
            }
            atLineStart = byte == UInt8(ascii: "\n")
            if atLineStart { line += 1 }
        }
        return nil
    }

    public var text: String {
        var out = "# Written by `flow run`: each step's cache key, output digests and headline metrics.\n"
        out += "# Commit it with the workflow; `git diff` shows what an edit changed.\n"
        out += "workflow: \(quoted(workflow))\n"
        out += steps.isEmpty ? "steps: {}\n" : "steps:\n"
        for name in steps.keys.sorted() {
            let entry = steps[name]!
            out += "  \(quoted(name)):\n"
            out += "    kind: \(entry.kind)\n"
            out += "    key: \(entry.key.hex)\n"
            out += "    outputs:\(entry.outputs.isEmpty ? " {}" : "")\n"
            for output in entry.outputs.keys.sorted() {
                out += "      \(quoted(output)): \(entry.outputs[output]!.hex)\n"
            }
            if !entry.metrics.isEmpty {
                out += "    metrics:\n"
                for (metric, value) in entry.metrics {
                    out += "      \(quoted(metric)): \(scalarText(value))\n"
                }
            }
        }
        return out
    }

    public func write(to path: String) throws {
        try AtomicFile.write(text, to: path)
    }

    private func quoted(_ s: String) -> String {
        let plain = s.range(of: #"^[A-Za-z_][A-Za-z0-9_.-]*$"#, options: .regularExpression) != nil
        if plain && !["true", "false", "null", "yes", "no", "on", "off"].contains(s.lowercased()) { return s }
        var out = ""
        Value.string(s).canonicalJSON.forEach { out.append($0) }
        return out
    }

    private func scalarText(_ value: Value) -> String {
        switch value {
        case .string(let s): return quoted(s)
        case .double(let d) where !d.isFinite: return d.isNaN ? ".nan" : (d > 0 ? ".inf" : "-.inf")
        default: return value.canonicalJSON
        }
    }
}
