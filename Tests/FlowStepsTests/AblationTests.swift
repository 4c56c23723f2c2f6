import XCTest
import FlowEngine
@testable import FlowSteps
import TestSupport

/// "Which inputs?" as a workflow: variants of the weight model that differ only in their features share
/// every upstream step, and adding one variant runs that variant's steps alone.
final class AblationTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws { directory = try temporaryDirectory("flow-ablation") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    static func workflow(variants: [(String, String)]) -> String {
        var text = """
        flow: 1
        datasets:
          sm: {generate: {process: sm-ttbar, events: 8000, seed: 3}}
          int: {generate: {process: pseudoscalar-interference, events: 8000, seed: 4}}
        steps:
          mix: {merge: [sm, int]}
          folds: {split: {data: mix, folds: 3, seed: 11}}

        """
        for (name, features) in variants {
            text += """
              \(name): {train: {data: folds, features: \(features), layers: [8], epochs: 2, seed: 5}}
              calibrated_\(name): {calibrate: {model: \(name), data: folds}}
              weights_\(name): {transform: {data: folds, model: calibrated_\(name)}}
              closure_\(name): {compare: {reference: folds, candidate: weights_\(name), observables: [mtt, chel], bins: 10}}

            """
        }
        return text
    }

    func testAddingAVariantRunsOnlyItsSteps() async throws {
        let first = [("production", "[mtt, ytt, cos_theta_star, chel]"), ("without_chel", "[mtt, ytt, cos_theta_star]")]
        let (_, before) = try await runWorkflow(Self.workflow(variants: first), in: directory)
        XCTAssertTrue(before.values.allSatisfy { if case .ran = $0 { return true } else { return false } }, "\(before)")

        let (_, after) = try await runWorkflow(Self.workflow(variants: first + [("mtt_and_chel", "[mtt, chel]")]), in: directory)
        let ran = Set(after.compactMap { name, outcome -> String? in if case .ran = outcome { return name } else { return nil } })
        XCTAssertEqual(ran, ["mtt_and_chel", "calibrated_mtt_and_chel", "weights_mtt_and_chel", "closure_mtt_and_chel"])
        for (name, outcome) in after where !ran.contains(name) {
            guard case .cached(let record, _) = outcome else { return XCTFail("\(name): \(outcome)") }
            XCTAssertEqual(record.key, before[name]?.record?.key, "\(name) keeps its key")
        }
    }
}
