import XCTest
@testable import Reweighting

/// The weight check `train` and `calibrate` run before learning anything.
final class DegenerateWeightsTests: XCTestCase {
    func testEachProblemIsFoundAndGoodWeightsPass() {
        XCTAssertNoThrow(try DegenerateWeights.check([1, -1, 0], target: .weightSign))
        XCTAssertThrowsError(try DegenerateWeights.check([-1, -2], target: .weightSign)) {
            XCTAssertEqual($0 as? DegenerateWeights, .oneSign(positive: false))
        }
        XCTAssertThrowsError(try DegenerateWeights.check([1, .infinity], target: .weightRegression)) {
            XCTAssertEqual($0 as? DegenerateWeights, .notFinite(row: 2, value: .infinity))
        }
        XCTAssertThrowsError(try DegenerateWeights.check([], target: .weightRegression)) {
            XCTAssertEqual($0 as? DegenerateWeights, .allZero)
        }
    }
}
