import Foundation
import XCTest
import Metrics

/// Weighted histograms against sums done by hand: the bin of each value found by a linear scan.
final class HistogramTests: XCTestCase {
    /// The index of the bin [edges[i], edges[i+1]) holding x, by scanning every bin.
    func bin(of x: Double, _ edges: [Double]) -> Int? {
        (0..<edges.count - 1).first { edges[$0] <= x && x < edges[$0 + 1] }
    }

    func testUniformEdges() {
        let edges = Histogram.uniform(4, from: -1, to: 3)
        XCTAssertEqual(edges, [-1, 0, 1, 2, 3])
        XCTAssertEqual(Histogram.uniform(3, from: 0, to: 1).count, 4)
    }

    func testWeightedSumsAndSumsOfSquaresMatchAHandSum() {
        var random = SplitMix64(state: 7)
        let edges = [0, 0.1, 0.25, 0.5, 0.9, 1.0]  // unequal widths
        var values: [Double] = [], weights: [Double] = []
        for _ in 0..<5_000 {
            values.append(random.uniform() * 1.2 - 0.1)  // some below and above the range
            weights.append(random.uniform() * 3 - 1)  // negative weights too
        }
        let histogram = Histogram(values: values, weights: weights, edges: edges)
        var sums = [Double](repeating: 0, count: 5), squares = sums
        var inside = 0
        for (x, w) in zip(values, weights) {
            guard let b = bin(of: x, edges) else { continue }
            sums[b] += w
            squares[b] += w * w
            inside += 1
        }
        XCTAssertGreaterThan(inside, 3_000)
        XCTAssertLessThan(inside, 5_000, "the sample reaches outside the range")
        for b in 0..<5 {
            XCTAssertEqual(histogram.sums[b], sums[b], accuracy: 1e-9 * max(1, abs(sums[b])), "bin \(b)")
            XCTAssertEqual(histogram.sumsOfSquares[b], squares[b], accuracy: 1e-9 * squares[b], "bin \(b)")
        }
    }

    func testEdgesBelongToTheBinAboveAndTheLastEdgeToNone() {
        var histogram = Histogram(edges: [0, 1, 2])
        histogram.fill(0, 1)  // first edge: first bin
        histogram.fill(1, 2)  // inner edge: second bin
        histogram.fill(2, 4)  // last edge: outside
        histogram.fill(-0.5, 8)
        histogram.fill(.nan, 16)
        histogram.fill(.infinity, 32)
        XCTAssertEqual(histogram.sums, [1, 2])
        XCTAssertEqual(histogram.sumsOfSquares, [1, 4])
    }

    func testQuantileEdgesHoldEqualCounts() {
        var random = SplitMix64(state: 11)
        let values = (0..<10_000).map { _ in -log(1 - random.uniform()) }  // exponential: very unequal widths
        let edges = Histogram.quantileEdges(values, bins: 10)
        XCTAssertEqual(edges.count, 11)
        XCTAssertTrue(zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 }, "increasing")
        XCTAssertEqual(edges.first, values.min())
        XCTAssertGreaterThan(edges.last!, values.max()!, "the largest value is inside the last bin")
        let counts = Histogram(values: values, weights: Array(repeating: 1, count: values.count), edges: edges).sums
        XCTAssertEqual(counts.reduce(0, +), Double(values.count), "every value is in a bin")
        for count in counts { XCTAssertEqual(count, 1_000, accuracy: 2) }
    }

    func testQuantileEdgesOfDegenerateSamples() {
        XCTAssertEqual(Histogram.quantileEdges([2, 2, 2], bins: 4), Histogram.uniform(4, from: 0, to: 1))
        XCTAssertEqual(Histogram.quantileEdges([], bins: 3), Histogram.uniform(3, from: 0, to: 1))
        // Many equal values merge bins rather than repeat edges.
        let edges = Histogram.quantileEdges([0, 0, 0, 0, 0, 0, 0, 1, 2, 3], bins: 5)
        XCTAssertTrue(zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 }, "\(edges)")
        XCTAssertLessThan(edges.count, 6)
        XCTAssertGreaterThan(edges.last!, 3)
    }

    func testComparisonPullsChi2AndRatiosByHand() {
        var reference = Histogram(edges: [0, 1, 2, 3])
        var candidate = Histogram(edges: [0, 1, 2, 3])
        // Bin 0: reference 3 ± √5 (weights 1, 2), candidate 4 ± √16 (weight 4).
        reference.fill(0.5, 1); reference.fill(0.5, 2); candidate.fill(0.5, 4)
        // Bin 1: reference 2 (weight 2, Σw² 4), candidate empty.
        reference.fill(1.5, 2)
        // Bin 2: empty in both: no pull, no degree of freedom.
        let comparison = HistogramComparison(reference: reference, candidate: candidate)
        let pull0 = (4.0 - 3) / (5.0 + 16).squareRoot(), pull1 = (0.0 - 2) / 4.0.squareRoot()
        XCTAssertEqual(comparison.pulls[0], pull0, accuracy: 1e-12)
        XCTAssertEqual(comparison.pulls[1], pull1, accuracy: 1e-12)
        XCTAssertEqual(comparison.pulls[2], 0)
        XCTAssertEqual(comparison.ndf, 2)
        XCTAssertEqual(comparison.chi2, pull0 * pull0 + pull1 * pull1, accuracy: 1e-12)
        XCTAssertEqual(comparison.chi2PerDegree, (pull0 * pull0 + pull1 * pull1) / 2, accuracy: 1e-12)
        XCTAssertEqual(comparison.maxAbsPull, 1, accuracy: 1e-12)
        XCTAssertEqual(comparison.ratios[0], 4.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(comparison.ratios[1], 0)
        XCTAssertTrue(comparison.ratios[2].isNaN)
        XCTAssertEqual(comparison.varianceRatios[0], 16.0 / 5, accuracy: 1e-12)
        XCTAssertTrue(comparison.varianceRatios[2].isNaN)
    }

    func testIdenticalHistogramsAgreePerfectly() {
        let h = Histogram(values: [0.1, 0.2, 1.5], weights: [1, -0.5, 2], edges: [0, 1, 2])
        let comparison = HistogramComparison(reference: h, candidate: h)
        XCTAssertEqual(comparison.chi2, 0)
        XCTAssertEqual(comparison.pulls, [0, 0])
        XCTAssertEqual(comparison.ratios, [1, 1])
    }
}
