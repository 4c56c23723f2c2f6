import FlowConfig
import FlowEngine
import Foundation

/// What a cluster job needs to run one step exactly as the submitting `flow run` would: the workflow, the
/// parameter overrides, the step, its expected key and the keys of the records it reads. The job
/// (`flow exec-step TICKET`) recomputes the key from the shared store and refuses to run if it differs.
public struct JobTicket: Sendable, Equatable {
    public var workflow: String
    public var overrides: [[String]]
    public var step: String
    public var key: String
    public var upstream: [String: String]
    public var threads: Int

    public init(workflow: String, overrides: [(String, String)], step: String, key: Digest, upstream: [String: StepRecord], threads: Int) {
        self.workflow = workflow
        self.overrides = overrides.map { [$0.0, $0.1] }
        self.step = step
        self.key = key.hex
        self.upstream = upstream.mapValues(\.key.hex)
        self.threads = threads
    }

    public var parameterOverrides: [(String, String)] { overrides.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil } }

    var json: Value {
        .object([
            ("workflow", .string(workflow)),
            ("overrides", .array(overrides.map { .array($0.map(Value.string)) })),
            ("step", .string(step)),
            ("key", .string(key)),
            ("upstream", .object(upstream.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("threads", .int(threads)),
        ])
    }

    public func write(to path: String) throws { try AtomicFile.write(json.canonicalJSON, to: path) }

    public static func read(_ path: String) throws -> JobTicket {
        guard let data = FileManager.default.contents(atPath: path) else { throw EngineError.io("cannot read job ticket \(path)") }
        let value = try Value(json: data)
        guard let workflow = value["workflow"]?.string, let step = value["step"]?.string, let key = value["key"]?.string else {
            throw EngineError.io("\(path) is not a flow job ticket")
        }
        var ticket = JobTicket(workflow: workflow, overrides: [], step: step, key: Digest(hex: key), upstream: [:],
                               threads: value["threads"]?.int ?? 1)
        ticket.overrides = value["overrides"]?.array?.map { $0.array?.compactMap(\.string) ?? [] } ?? []
        for (name, hex) in value["upstream"]?.object ?? [] { ticket.upstream[name] = hex.string }
        return ticket
    }
}
