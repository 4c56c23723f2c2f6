@testable import EventData
import Random
import XCTest

final class TableTests: XCTestCase {
    func testConcatenateKeepsCommonColumnsAndRecordsTheSample() throws {
        let a = try EventTable([("weight", [1, 2]), ("x", [10, 20]), ("only_a", [0, 0])])
        let b = try EventTable([("x", [30]), ("weight", [-1])])
        let merged = try EventTable.concatenate([a, b], sampleIDs: [1, 2])
        XCTAssertEqual(merged.names, ["weight", "x", "sample_id"])
        XCTAssertEqual(merged["x"], [10, 20, 30])
        XCTAssertEqual(merged["sample_id"], [1, 1, 2])
    }

    func testSplitsAreDeterministicDisjointAndNearTheirFractions() {
        let parts = Splits.parts(rows: 100_000, fractions: [0.6, 0.2, 0.2], seed: 3)
        XCTAssertEqual(parts, Splits.parts(rows: 100_000, fractions: [0.6, 0.2, 0.2], seed: 3))
        XCTAssertNotEqual(parts, Splits.parts(rows: 100_000, fractions: [0.6, 0.2, 0.2], seed: 4))
        let counts = (0..<3).map { p in parts.filter { $0 == p }.count }
        XCTAssertEqual(Double(counts[0]) / 1e5, 0.6, accuracy: 0.01)
        XCTAssertEqual(Double(counts[2]) / 1e5, 0.2, accuracy: 0.01)
        let folds = Splits.folds(rows: 30_000, k: 3, seed: 1)
        XCTAssertEqual(Set(folds), [0, 1, 2])
        XCTAssertEqual(Array(Splits.folds(rows: 40_000, k: 3, seed: 1).prefix(30_000)), folds, "a row's fold depends only on its index")
    }

    func testCutExpressions() throws {
        let columns: [(String, [Double])] = [("mtt", [340, 360, 500, 800]), ("ytt", [0, -2.5, 1, 0.1]), ("weight", [1, 1, -1, 1])]
        let table = try EventTable(columns)
        XCTAssertEqual(try CutExpression("mtt > 350").mask(on: table, dataset: "t"), [false, true, true, true])
        XCTAssertEqual(try CutExpression("mtt > 350 && abs(ytt) < 2").mask(on: table, dataset: "t"), [false, false, true, true])
        XCTAssertEqual(try CutExpression("not (weight < 0) and mtt ** 2 / 1e4 >= 12.96").mask(on: table, dataset: "t"), [false, true, false, true])
        XCTAssertEqual(try CutExpression("mtt < 400 or max(ytt, 0.5) == 1").mask(on: table, dataset: "t"), [true, true, true, false])
        XCTAssertEqual(try CutExpression("-ytt + 1").evaluate(on: table, dataset: "t"), [1, 3.5, 0, 0.9])
        XCTAssertThrowsError(try CutExpression("mtt > 35o")) { XCTAssertEqual("\($0)", "cut 'mtt > 35o': unexpected 'o' at character 9") }
        XCTAssertThrowsError(try CutExpression("sqr(mtt) > 1")) { XCTAssertTrue("\($0)".contains("unknown function 'sqr'"), "\($0)") }
        XCTAssertThrowsError(try CutExpression("mt > 1").mask(on: table, dataset: "sm")) { XCTAssertTrue("\($0)".hasPrefix("sm: no column 'mt'"), "\($0)") }
    }

    func testDerivedColumnsFromFourVectors() throws {
        // A massless lepton pair back to back in φ with pt 40 and 30.
        let columns: [(String, [Double])] = [
            ("lp_px", [40]), ("lp_py", [0]), ("lp_pz", [30]), ("lp_E", [50]),
            ("lm_px", [-30]), ("lm_py", [0]), ("lm_pz", [0]), ("lm_E", [30]),
        ]
        var table = try EventTable(columns)
        try DerivedColumns.add(["lp_pt", "lp_eta", "lp_phi", "lm_phi", "m_ll", "dphi_ll", "lp_m"], to: &table, dataset: "t")
        XCTAssertEqual(table["lp_pt"]![0], 40, accuracy: 1e-12)
        XCTAssertEqual(table["lp_eta"]![0], asinh(0.75), accuracy: 1e-12)
        XCTAssertEqual(table["lm_phi"]![0], .pi, accuracy: 1e-12)
        XCTAssertEqual(table["dphi_ll"]![0], .pi, accuracy: 1e-12)
        let expected: Double = (6400.0 - 100.0 - 900.0).squareRoot()  // (E, px, py, pz) = (80, 10, 0, 30)
        XCTAssertEqual(table["m_ll"]![0], expected, accuracy: 1e-9)
        XCTAssertEqual(table["lp_m"]![0], 0, accuracy: 1e-6)
        XCTAssertThrowsError(try DerivedColumns.add(["t_pt"], to: &table, dataset: "t"))
    }

    func testWeightSummary() {
        let s = WeightSummary([1, 1, 1, -1])
        XCTAssertEqual(s.sum, 2)
        XCTAssertEqual(s.sumError, 2)
        XCTAssertEqual(s.negativeFraction, 0.25)
        XCTAssertEqual(s.negativeWeightFraction, 0.25)
        XCTAssertEqual(s.effectiveEvents, 1, "N(1−2f)² = 4 · 0.25")
    }
}
