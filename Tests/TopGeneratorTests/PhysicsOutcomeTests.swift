import XCTest
import EventData
@testable import TopGenerator

/// The expected outcomes of `physics-generator.md` §8, at 2·10⁵ events per sample.
final class PhysicsOutcomeTests: XCTestCase {
    static let events = 200_000
    static let samples: [ProcessKind: EventTable] = {
        var result: [ProcessKind: EventTable] = [:]
        for process in ProcessKind.allCases {
            result[process] = Generator(GeneratorSettings(process: process, events: events, threads: 2)).generate()
        }
        return result
    }()

    var sm: EventTable { Self.samples[.smTTbar]! }
    var res: EventTable { Self.samples[.resonance]! }
    var int: EventTable { Self.samples[.interference]! }

    /// Σw in bins of a column.
    func histogram(_ table: EventTable, _ column: String, _ edges: [Double]) -> [Double] {
        var sums = [Double](repeating: 0, count: edges.count - 1)
        for (x, w) in zip(table[column]!, table["weight"]!) {
            guard x >= edges.first!, x < edges.last! else { continue }
            let bin = edges.lastIndex { $0 <= x }!
            sums[bin] += w
        }
        return sums
    }

    func testCrossSectionsAgreeWithQuadrature() {
        for (process, reference) in [(ProcessKind.smTTbar, 16.779), (.resonance, 0.5286), (.interference, -0.3921)] {
            let summary = WeightSummary(Self.samples[process]!["weight"]!)
            let pull = (summary.sum - reference) / summary.sumError
            XCTAssertLessThan(abs(pull), 4, "\(process.rawValue): Σw = \(summary.sum) ± \(summary.sumError), reference \(reference)")
        }
    }

    func testNegativeWeightFractions() {
        let s = WeightSummary(sm["weight"]!), r = WeightSummary(res["weight"]!), i = WeightSummary(int["weight"]!)
        XCTAssertEqual(s.negativeFraction, 0.139, accuracy: 0.005)
        XCTAssertEqual(r.negativeFraction, 0)
        XCTAssertEqual(i.negativeFraction, 0.478, accuracy: 0.008)
        XCTAssertEqual(s.negativeWeightFraction, 0.176, accuracy: 0.01)
        XCTAssertEqual(i.negativeWeightFraction, 0.707, accuracy: 0.01)
        XCTAssertEqual(s.effectiveEvents / Double(Self.events), 0.22, accuracy: 0.02)
        XCTAssertEqual(r.effectiveEvents / Double(Self.events), 0.52, accuracy: 0.03)
        XCTAssertEqual(i.effectiveEvents / Double(Self.events), 0.068, accuracy: 0.01)
        let sum = try! EventTable.concatenate([sm, res, int])
        XCTAssertEqual(WeightSummary(sum["weight"]!).negativeFraction, 0.206, accuracy: 0.005)
    }

    func testSpinCorrelationD() {
        func d(_ table: EventTable) -> Double {
            let w = table["weight"]!, c = table["chel"]!
            return -3 * zip(w, c).reduce(0) { $0 + $1.0 * $1.1 } / w.reduce(0, +)
        }
        XCTAssertEqual(d(res), -1.00, accuracy: 0.02)
        XCTAssertEqual(d(int), -1.00, accuracy: 0.03)
        XCTAssertEqual(d(sm), -0.317, accuracy: 0.03)
        XCTAssertEqual(d(try! EventTable.concatenate([sm, res, int])), -0.32, accuracy: 0.03)
    }

    func testSpinWeightAveragesToOne() {
        for table in [sm, res, int] {
            let w = table["w_spin"]!
            XCTAssertEqual(w.reduce(0, +) / Double(w.count), 1.0, accuracy: 0.005)
        }
    }

    func testEverySumBinIsPositive() throws {
        let sum = try EventTable.concatenate([sm, res, int])
        let mEdges = stride(from: 345.0, through: 1205, by: 20).map { $0 }
        for (i, value) in histogram(sum, "mtt", mEdges).enumerated() {
            XCTAssertGreaterThan(value, 0, "SUM m_tt bin \(mEdges[i])")
        }
        let cEdges = stride(from: -1.0, through: 1.0001, by: 0.1).map { $0 }
        for (i, value) in histogram(sum, "chel", cEdges).enumerated() {
            XCTAssertGreaterThan(value, 0, "SUM c_hel bin \(cEdges[i])")
        }
        for (i, value) in histogram(int, "chel", cEdges).enumerated() {
            XCTAssertLessThan(value, 0, "INT c_hel bin \(cEdges[i]) is negative")
        }
    }

    func testPeakDipOfTheInterference() throws {
        let edges: [Double] = [345, 355, 365, 375, 385, 395, 405, 415, 425, 440, 460, 500, 550, 600, 700, 800]
        let smBins = histogram(sm, "mtt", edges), resBins = histogram(res, "mtt", edges), intBins = histogram(int, "mtt", edges)
        let ratio = (0..<smBins.count).map { (smBins[$0] + resBins[$0] + intBins[$0]) / smBins[$0] }
        XCTAssertGreaterThan(ratio[4], 1.12, "SUM/SM in 385–395")
        XCTAssertLessThan(ratio[6], 0.93, "SUM/SM in 405–415")
        for i in 0..<5 { XCTAssertGreaterThan(intBins[i], 0, "INT Σw in \(edges[i])–\(edges[i + 1])") }
        for i in 5..<intBins.count { XCTAssertLessThan(intBins[i], 0, "INT Σw in \(edges[i])–\(edges[i + 1])") }
        let resTotal = res["weight"]!.reduce(0, +)
        XCTAssertEqual(resBins[5] / resTotal, 0.47, accuracy: 0.02, "RES share of 395–405")
        XCTAssertEqual(resBins.max(), resBins[5])
    }
}
