import Foundation
import XCTest
@testable import Metrics

final class PairedClosureTests: XCTestCase {
    /// σ² per bin is Σ(w′ − w)² over the bin's events, summed by hand here.
    func testPairedVarianceAndPullsAgainstHandSums() {
        let values = [0.5, 0.7, 1.5, 1.6, 1.7]
        let w = [1.0, -1.0, 2.0, 1.0, -0.5]
        let wNew = [0.2, 0.1, 1.0, 1.5, 0.3]
        let c = PairedClosure(values: values, reference: w, candidate: wNew, edges: [0, 1, 2])
        let d0 = (0.2 - 1.0) + (0.1 + 1.0), v0 = pow(0.2 - 1.0, 2) + pow(0.1 + 1.0, 2)
        let d1 = (1.0 - 2.0) + (1.5 - 1.0) + (0.3 + 0.5), v1 = pow(1.0 - 2.0, 2) + pow(1.5 - 1.0, 2) + pow(0.3 + 0.5, 2)
        XCTAssertEqual(c.differenceVariance[0], v0, accuracy: 1e-12)
        XCTAssertEqual(c.differenceVariance[1], v1, accuracy: 1e-12)
        XCTAssertEqual(c.pulls[0], d0 / v0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(c.pulls[1], d1 / v1.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(c.chi2, d0 * d0 / v0 + d1 * d1 / v1, accuracy: 1e-12)
        XCTAssertEqual(c.ndf, 2)
        // The lenient comparison is the independent-samples one.
        XCTAssertEqual(c.independent.pulls[0], d0 / (1.0 + 1.0 + 0.04 + 0.01).squareRoot(), accuracy: 1e-12)
    }

    /// An unbiased but noisy w′ (here: w′ = w + zero-mean noise, event by event) gives χ²/ndf ≈ 1 with
    /// the paired variance; a biased one is caught, where the independent variance calls it fine.
    func testThePairedStatisticHasTheRightScaleAndTeeth() {
        var state: UInt64 = 12345
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let n = 200_000
        let values = (0..<n).map { _ in uniform() }
        let w = (0..<n).map { _ in uniform() < 0.3 ? -1.0 : 1.0 }
        let edges = (0...20).map { Double($0) / 20 }
        // Perfect on average: w′ = E[w] = 0.4 everywhere.
        let fair = PairedClosure(values: values, reference: w, candidate: w.map { _ in 0.4 }, edges: edges)
        XCTAssertEqual(fair.chi2PerDegree, 1, accuracy: 0.8, "paired χ²/ndf of an unbiased w′")
        // Σ(w′ − w)² / (Σw² + Σw′²) = 0.84 / 1.16 here: the lenient statistic shrinks by that factor.
        XCTAssertEqual(fair.independent.chi2PerDegree / fair.chi2PerDegree, 0.84 / 1.16, accuracy: 0.03, "the lenient statistic is too small for a perfect w′")
        // 6 % too high where x > 0.5: a pull of about 2.6 in half the bins.
        let biased = PairedClosure(values: values, reference: w, candidate: values.map { $0 > 0.5 ? 0.4 * 1.06 : 0.4 }, edges: edges)
        XCTAssertGreaterThan(biased.chi2PerDegree, 2 * fair.chi2PerDegree)
        XCTAssertLessThan(biased.pValue, 1e-3)
    }

    /// The χ² tail against closed forms: k = 2 is e^{−x/2}; k = 1 is erfc(√(x/2)).
    func testChiSquaredSurvivalAgainstClosedForms() {
        for x in [0.01, 0.5, 1, 2, 5, 10, 30, 80] {
            XCTAssertEqual(ChiSquared.survival(x, degrees: 2), exp(-x / 2), accuracy: 1e-12 + 1e-10 * exp(-x / 2), "k=2 x=\(x)")
            XCTAssertEqual(ChiSquared.survival(x, degrees: 1), erfc((x / 2).squareRoot()), accuracy: 1e-12 + 1e-9 * erfc((x / 2).squareRoot()), "k=1 x=\(x)")
            // k = 4: e^{−x/2}(1 + x/2).
            XCTAssertEqual(ChiSquared.survival(x, degrees: 4), exp(-x / 2) * (1 + x / 2), accuracy: 1e-12 + 1e-10 * exp(-x / 2) * (1 + x / 2), "k=4 x=\(x)")
        }
        XCTAssertEqual(ChiSquared.survival(40, degrees: 40), 0.4703, accuracy: 1e-4, "χ² = ndf = 40")
    }

    func testPairedSumPull() {
        XCTAssertEqual(PairedSum.pull(reference: [1, -1, 1], candidate: [0.5, 0.5, 0.5]), (1.5 - 1) / (0.25 + 2.25 + 0.25).squareRoot(), accuracy: 1e-12)
    }
}
