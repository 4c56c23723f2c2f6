import Artefacts
import XCTest
import Random
import EventData
import FlowConfig
import FlowEngine
@testable import FlowSteps
import TestSupport

/// The forms of w′ beside the per-event one, and cell resampling, on a small SUM sample (fast suite).
final class WeightFormTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws { directory = try temporaryDirectory("flow-forms") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    /// The local-mean form: w′ = ⟨|w|⟩(x)·(2p − 1) with ⟨|w|⟩ from an abs-weight model recalibrated on
    /// held-out events, written beside p; it raises N_eff above the per-event form on a sample whose |w|
    /// spreads at fixed x, and keeps Σw. Cell resampling on the same events removes every negative weight
    /// and keeps Σw exactly.
    func testLocalMeanFormAndCellResampling() async throws {
        let (workspace, outcomes) = try await runWorkflow("""
        flow: 1
        datasets:
          sm: {generate: {process: sm-ttbar, events: 30000, seed: 3}}
          int: {generate: {process: pseudoscalar-interference, events: 30000, seed: 4}}
        features: [mtt, chel, ytt]
        steps:
          mix: {merge: [sm, int]}
          sign: {train: {data: mix, layers: [16, 16], epochs: 3, seed: 5}}
          calibrated: {calibrate: {model: sign, data: mix}}
          magnitude: {train: {data: mix, target: abs-weight, layers: [16, 16], epochs: 3, seed: 5}}
          per_event: {transform: {data: mix, model: calibrated}}
          local: {transform: {data: mix, model: calibrated, form: local-mean, magnitude: magnitude}}
          cells: {resample: {data: mix}}
        """, in: directory)
        let table = { (step: String) in try NPZ.read(workspace.store.objectPath(XCTUnwrap(outcomes[step]?.record).outputs["events"]!.digest)) }
        let local = try table("local"), perEvent = try table("per_event"), cells = try table("cells")
        let w = local["weight_original"]!, p = local["p"]!, magnitude = local["mean_abs_weight"]!, new = local["weight"]!
        XCTAssertEqual(p, perEvent["p"]!, "the same calibrated p")
        XCTAssertTrue(magnitude.allSatisfy { $0 > 0 })
        for row in stride(from: 0, to: new.count, by: 97) { XCTAssertEqual(new[row], magnitude[row] * (2 * p[row] - 1), accuracy: 1e-12 * abs(magnitude[row])) }
        let sum = { (v: [Double]) in v.reduce(0, +) }, kish = { (v: [Double]) in pow(v.reduce(0, +), 2) / v.reduce(0) { $0 + $1 * $1 } }
        let error = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertEqual(sum(new), sum(w), accuracy: 3 * error, "Σw′ against Σw ± 3√Σw²")
        XCTAssertGreaterThan(kish(new), kish(perEvent["weight"]!), "N_eff of the local-mean form over the per-event form")
        XCTAssertEqual(sum(cells["weight"]!), sum(w), accuracy: 1e-9 * sum(w.map(abs)))
        XCTAssertEqual(cells["weight"]!.filter { $0 < 0 }.count, 0)
        XCTAssertEqual(outcomes["cells"]?.record?.metrics["negative_fraction_after"], .double(0))
    }
}
