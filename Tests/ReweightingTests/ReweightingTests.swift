import XCTest
import Calibration
import EventData
import Network
@testable import Reweighting

final class ReweightingTests: XCTestCase {
    /// The method's five-event example: w′ is the local mean of w at each x.
    func testFiveEventExample() throws {
        let table = try EventTable([("x", [15, 23, 15, 15, 90]), ("weight", [1, 1, 1, -1, 1])])
        let rows = Array(0..<5)
        let data = try trainingData(table, features: ["x"], rows: rows, target: .weightSign, dataset: "five")
        var settings = TrainingSettings()
        settings.epochs = 400
        settings.batchSize = 5
        settings.learningRate = 0.01
        let (network, _) = Trainer<Float>(architecture: Architecture(inputs: 1, hidden: [16, 16]), settings: settings).train(data)
        let scores = network.predict(data.features)
        let calibration = IsotonicRegression(x: scores, y: data.targets, weights: data.weights)
        let w = try table.weights()
        let transformed = WeightTransform.classifier(weights: w, probabilities: calibration.predict(scores))
        for (got, want) in zip(transformed, [1.0 / 3, 1, 1.0 / 3, 1.0 / 3, 1]) {
            XCTAssertEqual(got, want, accuracy: 0.02)
        }
        XCTAssertEqual(transformed.reduce(0, +), w.reduce(0, +), accuracy: 0.05, "Σw is kept")
    }

    func testEveryEventIsTransformedOnceByAModelThatNeverSawIt() throws {
        let table = try EventTable([("weight", (0..<3000).map { Double($0 % 3) - 0.5 })])
        let plan = FoldPlan(table: table, k: 3, seed: 4, calibrationFraction: 0.2)
        var transformedBy = [Int](repeating: -1, count: 3000)
        for model in 0..<3 {
            let seen = Set(plan.trainingRows(model) + plan.calibrationRows(model))
            XCTAssertTrue(Set(plan.trainingRows(model)).isDisjoint(with: plan.calibrationRows(model)))
            for r in plan.transformedRows(model) {
                XCTAssertFalse(seen.contains(r))
                XCTAssertEqual(transformedBy[r], -1)
                transformedBy[r] = model
            }
            XCTAssertEqual(Double(plan.calibrationRows(model).count) / Double(seen.count), 0.2, accuracy: 0.03)
        }
        XCTAssertFalse(transformedBy.contains(-1))
    }

    func testBaselines() {
        let w = [2.0, -1.0, 1.0]
        XCTAssertEqual(Baseline.raw.apply(w), w)
        XCTAssertEqual(Baseline.abs.apply(w), [2, 1, 1])
        XCTAssertEqual(Baseline.dropNegative.apply(w), [4.0 / 3, 0, 2.0 / 3])
    }
}
