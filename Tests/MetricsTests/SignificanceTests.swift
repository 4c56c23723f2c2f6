import Foundation
import XCTest
import Metrics

/// `Significance.binned` is √(Σ sᵢ²/bᵢ): checked against the sum by hand, and against the closed-form
/// Asimov significance Z_A = √(2((s+b)·ln(1+s/b) − s)), which it approaches for s ≪ b
/// (Z_A = s/√b · (1 − s/6b + …)) and exceeds for s > 0.
final class SignificanceTests: XCTestCase {
    func asimov(_ s: Double, _ b: Double) -> Double { (2 * ((s + b) * log(1 + s / b) - s)).squareRoot() }

    func testOneBinIsSOverRootB() {
        XCTAssertEqual(Significance.binned(hypothesis: [110], background: [100]), 1, accuracy: 1e-12)
        XCTAssertEqual(Significance.binned(hypothesis: [136], background: [36]), 100.0 / 6, accuracy: 1e-12)
    }

    func testBinsAddInQuadratureAndDipsCountLikePeaks() {
        let background = [100.0, 400, 25, 9]
        let hypothesis = [120.0, 360, 25, 12]  // a peak, a dip, nothing, a peak
        let byHand = (20.0 * 20 / 100 + 40.0 * 40 / 400 + 0 + 3.0 * 3 / 9).squareRoot()
        XCTAssertEqual(Significance.binned(hypothesis: hypothesis, background: background), byHand, accuracy: 1e-12)
        XCTAssertEqual(Significance.binned(hypothesis: [80], background: [100]), Significance.binned(hypothesis: [120], background: [100]))
    }

    func testBinsWithoutBackgroundAreSkipped() {
        XCTAssertEqual(Significance.binned(hypothesis: [5, 3, 110], background: [0, -1, 100]), 1, accuracy: 1e-12)
        XCTAssertEqual(Significance.binned(hypothesis: [], background: []), 0)
        XCTAssertEqual(Significance.binned(hypothesis: [100], background: [100]), 0)
    }

    func testApproachesTheAsimovSignificanceForSmallSignals() {
        for (s, b) in [(1.0, 1_000.0), (5, 10_000), (0.3, 50)] {
            let z = Significance.binned(hypothesis: [b + s], background: [b])
            let za = asimov(s, b)
            XCTAssertGreaterThan(z, za)
            XCTAssertEqual(z / za - 1, s / b / 6, accuracy: 0.1 * s / b, "s = \(s), b = \(b)")
        }
    }

    func testOverstatesLargeSignalsComparedWithAsimov() {
        // s = b = 10: s/√b = √10 ≈ 3.16 while Z_A = √(2(20 ln 2 − 10)) ≈ 2.78.
        let z = Significance.binned(hypothesis: [20], background: [10])
        XCTAssertEqual(z, 10.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(asimov(10, 10), (2 * (20 * log(2.0) - 10)).squareRoot(), accuracy: 1e-12)
        XCTAssertGreaterThan(z, asimov(10, 10) * 1.1)
    }

    func testManyBinsCombineLikeAsimovInQuadrature() {
        var random = SplitMix64(state: 17)
        var hypothesis: [Double] = [], background: [Double] = [], asimovSquared = 0.0
        for _ in 0..<40 {
            let b = 1_000 + 9_000 * random.uniform(), s = b * 0.002 * random.uniform()
            background.append(b)
            hypothesis.append(b + s)
            asimovSquared += asimov(s, b) * asimov(s, b)
        }
        XCTAssertEqual(Significance.binned(hypothesis: hypothesis, background: background), asimovSquared.squareRoot(),
                       accuracy: 1e-3 * asimovSquared.squareRoot())
    }
}
