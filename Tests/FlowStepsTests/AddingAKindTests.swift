import EventData
import FlowConfig
import FlowEngine
import XCTest
@testable import FlowSteps

/// The walk-through of `docs/adding-a-kind.md`, done: one file's worth of code (a kind with typed
/// settings) and one registry line give validation with positions, the JSON Schema with defaults, the
/// docs table, and a step that runs, caches and reads its inputs like the built-in ones.
struct ScaleStep: StepKind {
    let version = 1

    struct Settings: SettingGroup {
        @Setting(required: "data", .reference, "The dataset.") var data: String
        @Setting("factor", .number(minimum: 0, maximum: 1_000), "What every weight is multiplied by.") var factor = 2.0
        init() {}
    }

    var description: KindDescription {
        KindDescription(name: "scale", section: .steps, summary: "Multiply every weight by a factor.", settings: Settings.self, check: Self.check)
    }

    /// What the schema cannot say, at the offending key's position.
    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let s = c.settings(Settings.self), s.factor == 0 else { return [] }
        return [Diagnostic(c.mark("factor"), "a factor of 0 removes every event's weight", severity: .warning)]
    }

    func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        var (name, table) = try TableIO.input(context, at: "data")
        let weights = try table.weights(in: name)
        table.remove(EventTable.weightColumn)
        try table.add(EventTable.weightColumn, weights.map { $0 * s.factor })
        return try TableIO.output(table, context)
    }
}

final class AddingAKindTests: XCTestCase {
    let registry = KindRegistry(Catalog.registry.kinds + [ScaleStep()])
    var loader: WorkflowLoader { WorkflowLoader(kinds: registry.descriptions) }

    func testANewKindValidatesRunsAndIsDocumented() async throws {
        let directory = NSTemporaryDirectory() + "flow-new-kind-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
        flow: 1
        datasets:
          toy: {toy: {events: 200}}
        steps:
          doubled: {scale: {data: toy}}
          tripled: {scale: {data: doubled, factor: 1.5}}
        """.write(toFile: directory + "/w.yaml", atomically: true, encoding: .utf8)
        let workspace = Workspace(workflow: try loader.load(path: directory + "/w.yaml"), kinds: registry)
        let outcomes = try await workspace.run(options: RunOptions(), jobs: 1, observer: DatasetStepTests.Quiet())
        let toy = try XCTUnwrap(outcomes["toy"]?.record?.metrics["sum_w"]?.double)
        let tripled = try XCTUnwrap(outcomes["tripled"]?.record?.metrics["sum_w"]?.double)
        XCTAssertEqual(tripled / toy, 3, accuracy: 1e-4, "2 (the default) × 1.5")

        try """
        flow: 1
        datasets:
          toy: {toy: {events: 200}}
        steps:
          bad: {scale: {data: toy, factor: -1}}
          none: {scale: {data: toy, factor: 0}}
          missing: {scale: {factor: 3}}
        """.write(toFile: directory + "/bad.yaml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try loader.load(path: directory + "/bad.yaml")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("bad.yaml:5:36"), text)  // factor: -1, below the declared minimum
            XCTAssertTrue(text.contains("bad.yaml:7:20: error: missing required key 'data'"), text)
        }
        try """
        flow: 1
        datasets:
          toy: {toy: {events: 200}}
        steps:
          none: {scale: {data: toy, factor: 0}}
        """.write(toFile: directory + "/zero.yaml", atomically: true, encoding: .utf8)
        let warned = try loader.load(path: directory + "/zero.yaml")
        XCTAssertEqual(warned.warnings.map(\.message), ["a factor of 0 removes every event's weight"])

        let schema = WorkflowJSONSchema.document(kinds: registry.descriptions)
        XCTAssertEqual(schema["$defs"]?["kind.scale"]?["properties"]?["factor"]?["default"], .double(2))
        XCTAssertTrue(KindReference.markdown(kinds: registry.descriptions).contains("| `factor` | number 0.0…1000.0 | `2.0` | What every weight is multiplied by. |"))
    }
}
