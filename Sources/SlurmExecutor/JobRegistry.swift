import FlowEngine
import Foundation

/// `.flow/slurm/queue/<job id>`: the jobs a run has in the queue, each file naming its step. `flow status`
/// reads it to show jobs in flight; a run that starts finds only jobs a killed run left behind, and cancels them.
public struct JobRegistry: Sendable {
    public let directory: String

    public init(store: Store) { directory = store.root + "/slurm/queue" }

    func add(_ id: String, step: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try AtomicFile.write(step + "\n", to: directory + "/" + id)
    }

    func remove(_ id: String) { try? FileManager.default.removeItem(atPath: directory + "/" + id) }

    /// Job id → step name.
    public func entries() -> [(id: String, step: String)] {
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return ids.filter { $0.allSatisfy(\.isNumber) }.sorted { Int($0) ?? 0 < Int($1) ?? 0 }.map { id in
            let step = (try? String(contentsOfFile: directory + "/" + id, encoding: .utf8)) ?? ""
            return (id, step.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Jobs in flight with their states, for `flow status`.
    public func inFlight() async -> [(id: String, step: String, state: String)] {
        let entries = entries()
        let states = (try? await SlurmCommands().states(of: entries.map(\.id))) ?? [:]
        return entries.map { ($0.id, $0.step, states[$0.id].map { $0.state + ($0.reason == "None" ? "" : " (\($0.reason))") } ?? "unknown to Slurm") }
    }
}
