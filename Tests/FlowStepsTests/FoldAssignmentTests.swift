import Artefacts
import EventData
import FlowEngine
import XCTest
@testable import FlowSteps

/// Cross-fitting has one owner: the fold assignment `train` makes, for one table.
final class FoldAssignmentTests: XCTestCase {
    func table(folds: [Double]?) throws -> EventTable {
        var columns: [(String, [Double])] = [("x", (0..<90).map(Double.init)), (EventTable.weightColumn, Array(repeating: 1, count: 90))]
        if let folds { columns.append(("fold", folds)) }
        return try EventTable(columns)
    }

    func testAFoldColumnFixesKAndAConflictingRequestIsAnError() throws {
        let withColumn = try table(folds: (0..<90).map { Double($0 % 3) })
        let made = try FoldAssignment.make(for: withColumn, digest: "abc", dataset: "folds", requested: nil, seed: 1, calibrationFraction: 0.2)
        XCTAssertEqual(made.folds, 3)
        XCTAssertTrue(made.fromColumn)
        XCTAssertEqual(made.plan(withColumn).folds, (0..<90).map { $0 % 3 }, "the column's folds, row by row")
        XCTAssertThrowsError(try FoldAssignment.make(for: withColumn, digest: "abc", dataset: "folds", requested: 4, seed: 1, calibrationFraction: 0.2)) {
            XCTAssertTrue("\($0)".contains("fold column has 3 folds, and `folds:` asks for 4"), "\($0)")
        }
        let gapped = try table(folds: (0..<90).map { Double($0 % 2 * 2) })  // folds 0 and 2: fold 1 unused
        XCTAssertThrowsError(try FoldAssignment.make(for: gapped, digest: "abc", dataset: "folds", requested: nil, seed: 1, calibrationFraction: 0.2))
    }

    func testSeededFoldsCoverEveryRowOnce() throws {
        let plain = try table(folds: nil)
        let made = try FoldAssignment.make(for: plain, digest: "abc", dataset: "t", requested: 5, seed: 7, calibrationFraction: 0.2)
        XCTAssertFalse(made.fromColumn)
        let plan = made.plan(plain)
        let transformed = (0..<5).flatMap(plan.transformedRows).sorted()
        XCTAssertEqual(transformed, Array(0..<90), "every row is transformed by exactly one model")
        for model in 0..<5 {
            XCTAssertTrue(Set(plan.trainingRows(model)).isDisjoint(with: plan.transformedRows(model)))
            XCTAssertTrue(Set(plan.calibrationRows(model)).isDisjoint(with: plan.transformedRows(model)))
        }
    }

    func testAnotherTableIsRefusedByDigest() throws {
        let made = FoldAssignment(folds: 3, seed: 1, calibrationFraction: 0.2, fromColumn: false, table: String(repeating: "a", count: 64), rows: 90)
        XCTAssertNoThrow(try made.check(InputFile(step: "folds", output: "events", path: "/x", digest: String(repeating: "a", count: 64)), step: "weights"))
        XCTAssertThrowsError(try made.check(InputFile(step: "mix", output: "events", path: "/x", digest: String(repeating: "b", count: 64)), step: "weights")) {
            XCTAssertTrue("\($0)".contains("'mix' is not the table the models were trained on"), "\($0)")
        }
    }

    func testTheAssignmentRoundTripsThroughItsFile() throws {
        let made = FoldAssignment(folds: 4, seed: 99, calibrationFraction: 0.25, fromColumn: true, table: "d1g35t", rows: 12)
        let directory = NSTemporaryDirectory() + "flow-folds-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        XCTAssertEqual(try FoldAssignment.read(try made.write(in: directory)), made)
        try "{\"folds\": 3}".write(toFile: directory + "/bad.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try FoldAssignment.read(directory + "/bad.json")) { XCTAssertTrue("\($0)".contains("bad.json: not a FoldAssignment"), "\($0)") }
    }
}
