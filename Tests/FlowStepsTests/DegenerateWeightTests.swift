import XCTest
import EventData
import FlowEngine
@testable import FlowSteps

/// Weights no model can learn from stop `train` and `calibrate` with a message naming the step and
/// the dataset, instead of a NaN loss or a trap.
final class DegenerateWeightTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "flow-weights-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    /// A CSV of 40 events with the given weights (repeated) and one feature.
    func sample(_ name: String, _ weights: [String]) throws {
        let rows = (0..<40).map { "\(weights[$0 % weights.count]),\(Double($0) / 10)" }
        try (["w,x"] + rows).joined(separator: "\n").write(toFile: directory + "/\(name).csv", atomically: true, encoding: .utf8)
    }

    func testDegenerateWeightsStopTrainAndCalibrateWithTheDatasetNamed() async throws {
        try sample("good", ["1", "-0.5", "2"])
        try sample("zero", ["0"])
        try sample("positive", ["1", "0", "3"])
        try sample("huge", ["1e308", "-1e308"])
        try sample("nan", ["1", "nan", "-1"])
        let (_, outcomes) = try await runWorkflow("""
        flow: 1
        datasets:
          good: {load: {path: good.csv, weight: w}}
          zero: {load: {path: zero.csv, weight: w}}
          positive: {load: {path: positive.csv, weight: w}}
          huge: {load: {path: huge.csv, weight: w}}
          nan: {load: {path: nan.csv, weight: w, nonfinite: keep}}
        features: [x]
        steps:
          net_zero: {train: {data: zero, layers: [4], epochs: 1}}
          net_zero_regression: {train: {data: zero, target: weight-regression, layers: [4], epochs: 1}}
          net_positive: {train: {data: positive, layers: [4], epochs: 1}}
          net_positive_regression: {train: {data: positive, target: weight-regression, layers: [4], epochs: 1}}
          net_huge: {train: {data: huge, layers: [4], epochs: 1}}
          net_nan: {train: {data: nan, layers: [4], epochs: 1}}
          net: {train: {data: good, layers: [4], epochs: 1}}
        """, in: directory, keepGoing: true)
        let expected = [
            "net_zero": "dataset 'zero': every weight is zero, so there is nothing to learn",
            "net_zero_regression": "dataset 'zero': every weight is zero, so there is nothing to learn",
            "net_positive": "dataset 'positive': every non-zero weight is positive; target weight-sign needs events of both signs",
            "net_huge": "dataset 'huge': the sum of |w| is not finite (the weights are too large); rescale them",
            "net_nan": "dataset 'nan': row 2 has weight nan; training needs finite weights (load with `nonfinite: error` or `drop`)",
        ]
        for (step, message) in expected {
            guard case .failed(let failure)? = outcomes[step] else { XCTFail("\(step): \(String(describing: outcomes[step]))"); continue }
            XCTAssertEqual(failure.step, step)
            XCTAssertEqual(failure.message, message, step)
        }
        XCTAssertNotNil(outcomes["net"]?.record, "good weights train: \(String(describing: outcomes["net"]))")
        XCTAssertNotNil(outcomes["net_positive_regression"]?.record, "one sign is fine for regression")
    }
}
