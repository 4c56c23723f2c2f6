import XCTest
import FlowConfig
import FlowEngine

/// Collects what a run reports, in order.
final class RecordingObserver: RunObserver, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var events: [String] = []
    var onStart: (@Sendable (Step) -> Void)?

    func started(_ step: Step) {
        lock.withLock { events.append("start \(step.name)") }
        onStart?(step)
    }

    func finished(_ step: Step, _ outcome: StepOutcome) {
        lock.withLock { events.append("finish \(step.name)") }
    }
}

/// A throw-away workspace holding one workflow file.
struct TestWorkspace {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "flow-engine-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    var workflowPath: String { directory + "/w.yaml" }

    func write(_ text: String, to name: String = "w.yaml") throws {
        try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }

    func workspace(overrides: [(String, String)] = []) throws -> Workspace {
        Workspace(workflow: try FakeKinds.loader.load(path: workflowPath, overrides: overrides), kinds: FakeKinds.registry)
    }

    @discardableResult
    func run(_ options: RunOptions = RunOptions(), jobs: Int = 2, overrides: [(String, String)] = [],
             observer: RecordingObserver = RecordingObserver()) async throws -> [String: StepOutcome] {
        try await workspace(overrides: overrides).run(options: options, jobs: jobs, observer: observer)
    }
}

extension Dictionary where Key == String, Value == StepOutcome {
    var ran: Set<String> { Set(filter { if case .ran = $0.value { return true } else { return false } }.keys) }
    var cached: Set<String> { Set(filter { if case .cached = $0.value { return true } else { return false } }.keys) }
    var failed: Set<String> { Set(filter { if case .failed = $0.value { return true } else { return false } }.keys) }
    var skipped: Set<String> { Set(filter { if case .skipped = $0.value { return true } else { return false } }.keys) }
    var cutoff: Set<String> { Set(filter { if case .cached(_, true) = $0.value { return true } else { return false } }.keys) }
}
