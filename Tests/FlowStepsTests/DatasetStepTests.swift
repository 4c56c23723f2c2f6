import XCTest
import EventData
import FlowConfig
import FlowEngine
@testable import FlowSteps

final class DatasetStepTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "flow-steps-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    final class Quiet: RunObserver, @unchecked Sendable {
        func started(_ step: Step) {}
        func finished(_ step: Step, _ outcome: StepOutcome) {}
    }

    func run(_ text: String, keepGoing: Bool = false) async throws -> (Workspace, [String: StepOutcome]) {
        try text.write(toFile: directory + "/w.yaml", atomically: true, encoding: .utf8)
        let workspace = Workspace(workflow: try Catalog.loader.load(path: directory + "/w.yaml"), kinds: Catalog.registry)
        return (workspace, try await workspace.run(options: RunOptions(keepGoing: keepGoing), jobs: 2, observer: Quiet()))
    }

    func table(_ workspace: Workspace, _ outcomes: [String: StepOutcome], _ step: String) throws -> EventTable {
        let record = try XCTUnwrap(outcomes[step]?.record, "\(step): \(String(describing: outcomes[step]))")
        return try NPZ.read(workspace.store.objectPath(record.outputs["events"]!.digest))
    }

    func testGenerateMergeSplitSelect() async throws {
        let (workspace, outcomes) = try await run("""
        flow: 1
        datasets:
          sm: {generate: {process: sm-ttbar, events: 3000}}
          int: {generate: {process: pseudoscalar-interference, events: 2000, seed: 5}}
        steps:
          mix: {merge: [sm, int]}
          train: {split: {data: mix, fractions: {train: 0.7, test: 0.3}, keep: train}}
          test: {split: {data: mix, fractions: {test: 0.3, train: 0.7}, keep: test}}
          folds: {split: {data: mix, folds: 3}}
          high: {select: {data: mix, cut: "mtt > 450 && sample_id == 1", derive: [t_pt, m_ll], columns: [mtt, t_pt, m_ll]}}
        """)
        let mix = try table(workspace, outcomes, "mix")
        XCTAssertEqual(mix.rowCount, 5000)
        XCTAssertEqual(Set(mix["sample_id"]!), [1, 3], "generated samples keep their process code")
        let train = try table(workspace, outcomes, "train"), test = try table(workspace, outcomes, "test")
        XCTAssertEqual(train.rowCount + test.rowCount, 5000, "the two parts partition the sample")
        XCTAssertEqual(Set(train["event_index"]!.indices.map { "\(train["sample_id"]![$0]):\(train["event_index"]![$0])" })
            .intersection(test["event_index"]!.indices.map { "\(test["sample_id"]![$0]):\(test["event_index"]![$0])" }), [])
        XCTAssertEqual(Set(try table(workspace, outcomes, "folds")["fold"]!), [0, 1, 2])
        let high = try table(workspace, outcomes, "high")
        XCTAssertEqual(high.names, ["mtt", "t_pt", "m_ll", "weight", "sample_id"])
        XCTAssertTrue(high["mtt"]!.allSatisfy { $0 > 450 })
        XCTAssertEqual(high.rowCount, zip(mix["mtt"]!, mix["sample_id"]!).filter { $0 > 450 && $1 == 1 }.count)
        guard case .int(5000)? = outcomes["mix"]?.record?.metrics["events"] else { return XCTFail("metrics") }
    }

    func testLoadReportsBadDataWithFileColumnAndRow() async throws {
        try "w,mtt\n1,400\n-1,abc\n".write(toFile: directory + "/events.csv", atomically: true, encoding: .utf8)
        try "w,mtt\n1,400\n-1,410\n".write(toFile: directory + "/good.csv", atomically: true, encoding: .utf8)
        let (workspace, outcomes) = try await run("""
        flow: 1
        datasets:
          bad: {load: {path: events.csv, weight: w}}
          good: {load: {path: good.csv, weight: w}}
        steps:
          cut: {select: {data: good, cut: "mtt > 405"}}
        """, keepGoing: true)
        guard case .failed(let failure)? = outcomes["bad"] else { return XCTFail("\(String(describing: outcomes["bad"]))") }
        XCTAssertEqual(failure.message, "\(directory!)/events.csv: column 'mtt', row 2: 'abc' is not a number")
        let cut = try table(workspace, outcomes, "cut")
        XCTAssertEqual(cut["weight"], [-1])
    }

    func testABadCutFailsWithTheExpressionAndPosition() async throws {
        let (_, outcomes) = try await run("""
        flow: 1
        datasets:
          sm: {generate: {process: sm-ttbar, events: 100}}
        steps:
          cut: {select: {data: sm, cut: "mtt >> 3"}}
        """)
        guard case .failed(let failure)? = outcomes["cut"] else { return XCTFail() }
        XCTAssertEqual(failure.message, "cut 'mtt >> 3': unexpected '>' at character 6")
    }

    func testGeneratedSamplesAreCachedByTheirSettings() async throws {
        let text = """
        flow: 1
        params: {events: 1000}
        datasets:
          sm: {generate: {process: sm-ttbar, events: "${params.events}"}}
        """
        let (_, first) = try await run(text)
        let (_, second) = try await run(text)
        XCTAssertEqual(first["sm"]?.record?.outputs, second["sm"]?.record?.outputs)
        guard case .cached? = second["sm"] else { return XCTFail() }
    }
}

final class ReweightingStepTests: XCTestCase {
    /// The whole chain on a small SUM sample: train (cross-fitted) → calibrate → transform → compare,
    /// and a baseline transform beside it.
    func testPositiveWeightChain() async throws {
        let directory = NSTemporaryDirectory() + "flow-reweight-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
        flow: 1
        datasets:
          sm: {generate: {process: sm-ttbar, events: 20000}}
          res: {generate: {process: pseudoscalar-resonance, events: 20000}}
          int: {generate: {process: pseudoscalar-interference, events: 20000}}
          background: {generate: {process: sm-ttbar, events: 20000, seed: 99}}
        features: [t_px, t_py, t_pz, t_E, tbar_px, tbar_py, tbar_pz, tbar_E, mtt, chel]
        steps:
          mix: {merge: [sm, res, int]}
          net: {train: {data: mix, layers: [32, 32], epochs: 3, batch_size: 1024, learning_rate: 0.003, folds: 3}}
          calibrated: {calibrate: {model: net, data: mix}}
          weights: {transform: {data: mix, model: calibrated}}
          dropped: {transform: {data: mix, mode: drop-negative}}
          closure: {compare: {reference: mix, candidate: weights, observables: [mtt, chel, m_ll], bins: 20}}
          classifier: {classify: {background: background, signal: weights, layers: [16], epochs: 2, compare_to: [raw, abs], bins: 10}}
        """.write(toFile: directory + "/w.yaml", atomically: true, encoding: .utf8)
        let workspace = Workspace(workflow: try Catalog.loader.load(path: directory + "/w.yaml"), kinds: Catalog.registry)
        let outcomes = try await workspace.run(options: RunOptions(), jobs: 2, observer: DatasetStepTests.Quiet())
        for name in ["net", "calibrated", "weights", "dropped", "closure", "classifier"] {
            XCTAssertNotNil(outcomes[name]?.record, "\(name): \(String(describing: outcomes[name]))")
        }
        let weights = try NPZ.read(workspace.store.objectPath(outcomes["weights"]!.record!.outputs["events"]!.digest))
        let original = weights["weight_original"]!, transformed = weights["weight"]!
        XCTAssertEqual(weights.rowCount, 60000)
        XCTAssertTrue(weights["p"]!.allSatisfy { $0 >= 0 && $0 <= 1 })
        for (w, p, wNew) in zip3(original, weights["p"]!, transformed) { XCTAssertEqual(wNew, abs(w) * (2 * p - 1), accuracy: 1e-12) }
        let metrics = outcomes["closure"]!.record!.metrics
        XCTAssertLessThan(metrics["negative_fraction_after"]!.double!, 0.05)
        XCTAssertGreaterThan(metrics["kish_fraction_after"]!.double!, metrics["kish_fraction_before"]!.double!)
        XCTAssertLessThan(abs(metrics["sum_pull"]!.double!), 4)
        XCTAssertNotNil(metrics["two_sample_auc"]?.double)
        let classifier = outcomes["classifier"]!.record!.metrics
        for strategy in ["transformed", "raw", "abs"] {
            let auc = try XCTUnwrap(classifier["auc_\(strategy)"]?.double)
            XCTAssertTrue(auc > 0.3 && auc < 0.7, "\(strategy): AUC \(auc) of nearly identical hypotheses")
            XCTAssertGreaterThan(try XCTUnwrap(classifier["significance_\(strategy)"]?.double), 0)
        }
        XCTAssertGreaterThan(try XCTUnwrap(classifier["significance_mtt"]?.double), 0)
        let dropped = try NPZ.read(workspace.store.objectPath(outcomes["dropped"]!.record!.outputs["events"]!.digest))
        XCTAssertTrue(dropped["weight"]!.allSatisfy { $0 >= 0 })
        XCTAssertEqual(dropped["weight"]!.reduce(0, +), original.reduce(0, +), accuracy: 1e-9)
    }

    func zip3<A, B, C>(_ a: [A], _ b: [B], _ c: [C]) -> [(A, B, C)] { (0..<min(a.count, b.count, c.count)).map { (a[$0], b[$0], c[$0]) } }
}
