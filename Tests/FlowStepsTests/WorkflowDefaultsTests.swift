import XCTest
import FlowConfig
import FlowEngine
@testable import FlowSteps

/// Workflow-level defaults a step falls back to are part of its key.
final class WorkflowDefaultsTests: XCTestCase {
    func testEditingWorkflowFeaturesRerunsExactlyTheStepsThatUseThem() async throws {
        let directory = NSTemporaryDirectory() + "flow-defaults-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let workflow = """
        flow: 1
        features: [x]
        datasets:
          toy: {toy: {events: 2000, seed: 1}}
        steps:
          net: {train: {data: toy, layers: [4], epochs: 1, folds: 2}}
          pinned: {train: {data: toy, features: [x], layers: [4], epochs: 1, folds: 2}}
          shell: {command: {run: "echo hi > ${outputs.o}", outputs: {o: o.txt}}}
        """
        let (_, first) = try await runWorkflow(workflow, in: directory)
        XCTAssertEqual(first.values.filter { $0.record != nil }.count, 4)
        // Same columns, written with the true mean weight added: only `net` reads the workflow's features.
        let edited = workflow.replacingOccurrences(of: "features: [x]\ndatasets", with: "features: [x, true_mean_weight]\ndatasets")
        try edited.write(toFile: directory + "/w.yaml", atomically: true, encoding: .utf8)
        let workspace = Workspace(workflow: try Catalog.loader.load(path: directory + "/w.yaml"), kinds: Catalog.registry)
        let stale = workspace.status().filter { !$0.isUpToDate }
        XCTAssertEqual(stale.map(\.step.name), ["net"])
        XCTAssertTrue(stale.first?.reasons.joined().contains("features") == true, "\(stale.map(\.reasons))")
    }
}
