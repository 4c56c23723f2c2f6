import XCTest
import Metrics

/// The weighted ROC area against the Mann–Whitney statistic computed pair by pair:
/// AUC = Σ_{s,b} w_s w_b ([score_s > score_b] + ½[score_s = score_b]) / (Σ w_s · Σ w_b).
final class ROCTests: XCTestCase {
    func mannWhitney(_ scores: [Double], _ signal: [Bool], _ weights: [Double]) -> Double {
        var numerator = 0.0, totalS = 0.0, totalB = 0.0
        for i in scores.indices where signal[i] { totalS += weights[i] }
        for j in scores.indices where !signal[j] { totalB += weights[j] }
        for i in scores.indices where signal[i] {
            for j in scores.indices where !signal[j] {
                let wins = scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0
                numerator += weights[i] * weights[j] * wins
            }
        }
        return numerator / (totalS * totalB)
    }

    /// Overlapping classes; scores rounded to a coarse grid, so many ties within and across classes.
    func sample(_ n: Int, seed: UInt64, negativeWeights: Bool) -> ([Double], [Bool], [Double]) {
        var random = SplitMix64(state: seed)
        var scores: [Double] = [], signal: [Bool] = [], weights: [Double] = []
        for _ in 0..<n {
            let isSignal = random.uniform() < 0.4
            let score = (random.uniform() + (isSignal ? 0.35 : 0)) * 20
            scores.append(score.rounded() / 20)
            signal.append(isSignal)
            let w = 0.5 + random.uniform()
            weights.append(negativeWeights && random.uniform() < 0.15 ? -w : w)
        }
        return (scores, signal, weights)
    }

    func testAreaIsTheMannWhitneyStatisticWithTies() {
        let (scores, signal, weights) = sample(1_500, seed: 3, negativeWeights: false)
        let roc = ROC(scores: scores, signal: signal, weights: weights)
        let expected = mannWhitney(scores, signal, weights)
        XCTAssertGreaterThan(expected, 0.6)
        XCTAssertLessThan(expected, 0.95)
        XCTAssertEqual(roc.area, expected, accuracy: 1e-10)
    }

    func testAreaWithNegativeWeightsCountsThemWithTheirSign() {
        let (scores, signal, weights) = sample(1_500, seed: 5, negativeWeights: true)
        XCTAssertTrue(weights.contains { $0 < 0 })
        let roc = ROC(scores: scores, signal: signal, weights: weights)
        XCTAssertEqual(roc.area, mannWhitney(scores, signal, weights), accuracy: 1e-10)
        let unweighted = ROC(scores: scores, signal: signal, weights: weights.map(abs))
        XCTAssertNotEqual(roc.area, unweighted.area, "the signs matter")
    }

    func testUnitWeightsGiveTheCountingStatistic() {
        // Signal 0.9, 0.6, 0.4; background 0.7, 0.4, 0.1: of the 9 pairs the signal wins 0.9 > all three,
        // 0.6 > 0.4 and 0.1, 0.4 > 0.1 and ties 0.4: 6 + ½ = 6.5.
        let scores = [0.9, 0.6, 0.4, 0.7, 0.4, 0.1]
        let signal = [true, true, true, false, false, false]
        let roc = ROC(scores: scores, signal: signal, weights: Array(repeating: 1, count: 6))
        XCTAssertEqual(roc.area, 6.5 / 9, accuracy: 1e-12)
    }

    func testSeparatedInvertedAndUninformativeScores() {
        let signal = [true, true, false, false]
        let ones = [1.0, 1, 1, 1]
        XCTAssertEqual(ROC(scores: [0.9, 0.8, 0.2, 0.1], signal: signal, weights: ones).area, 1, accuracy: 1e-12)
        XCTAssertEqual(ROC(scores: [0.1, 0.2, 0.8, 0.9], signal: signal, weights: ones).area, 0, accuracy: 1e-12)
        let flat = ROC(scores: [0.5, 0.5, 0.5, 0.5], signal: signal, weights: ones)
        XCTAssertEqual(flat.area, 0.5, accuracy: 1e-12)
        XCTAssertEqual(flat.points.count, 2, "one diagonal step for one score")
    }

    func testPointsRunFromCornerToCornerAndAreThinnedToMaxPoints() {
        let (scores, signal, weights) = sample(3_000, seed: 9, negativeWeights: false)
        let distinct = Set(scores).count
        let full = ROC(scores: scores, signal: signal, weights: weights, maxPoints: 10_000)
        XCTAssertEqual(full.points.count, distinct + 1, "one point per distinct score, and the origin")
        XCTAssertGreaterThan(distinct + 1, 8)
        let thin = ROC(scores: scores, signal: signal, weights: weights, maxPoints: 8)
        XCTAssertEqual(thin.points.count, 8)
        XCTAssertEqual(thin.area, full.area, "thinning the curve does not change its area")
        for roc in [full, thin] {
            XCTAssertEqual(roc.points.first!.0, 0); XCTAssertEqual(roc.points.first!.1, 0)
            XCTAssertEqual(roc.points.last!.0, 1, accuracy: 1e-12); XCTAssertEqual(roc.points.last!.1, 1, accuracy: 1e-12)
            XCTAssertTrue(zip(roc.points, roc.points.dropFirst()).allSatisfy { $0.0 <= $1.0 && $0.1 <= $1.1 }, "monotonic for positive weights")
        }
        // Every thinned point is a point of the full curve.
        for p in thin.points { XCTAssertTrue(full.points.contains { $0 == p }, "\(p)") }
    }
}
