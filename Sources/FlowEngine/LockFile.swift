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

    public static func read(_ path: String) -> LockFile? {
        guard let root = try? YAMLParser.parse(fileAt: path) else { return nil }
        var lock = LockFile(workflow: root["workflow"]?.scalar?.text ?? "")
        for pair in root["steps"]?.mapping ?? [] {
            guard let name = pair.key.scalar?.text, let key = pair.value["key"]?.scalar?.text else { continue }
            var outputs: [String: Digest] = [:]
            for output in pair.value["outputs"]?.mapping ?? [] {
                if let k = output.key.scalar?.text, let v = output.value.scalar?.text { outputs[k] = Digest(hex: v) }
            }
            var metrics: [(String, Value)] = []
            for metric in pair.value["metrics"]?.mapping ?? [] {
                if let k = metric.key.scalar?.text, let v = metric.value.scalar?.resolved { metrics.append((k, Value(v))) }
            }
            lock.steps[name] = Entry(kind: pair.value["kind"]?.scalar?.text ?? "", key: Digest(hex: key),
                                     outputs: outputs, metrics: metrics)
        }
        return lock
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
