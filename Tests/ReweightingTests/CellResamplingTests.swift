import XCTest
import NearestNeighbours
import Random
@testable import Reweighting

final class CellResamplingTests: XCTestCase {
    func uniforms(_ count: Int, seed: UInt64) -> [Double] {
        let key = CounterRNG.streamKey(seed: seed, stream: 1)
        return (0..<count).map { CounterRNG.uniform(CounterRNG.eventKey(key, UInt64($0)), 0) }
    }

    /// The k-d tree's neighbours equal a brute-force search's, in order, ties included (points on a grid
    /// have many equal distances), in 1 to 10 dimensions.
    func testKDTreeAgreesWithBruteForce() {
        for dimensions in [1, 2, 3, 10] {
            for grid in [false, true] {
                let n = 1500
                var points = uniforms(n * dimensions, seed: UInt64(dimensions))
                if grid { points = points.map { ($0 * 5).rounded(.down) } }
                let tree = KDTree(points: points, dimensions: dimensions)
                for q in stride(from: 0, to: n, by: 149) {
                    let query = Array(points[q * dimensions..<(q + 1) * dimensions])
                    for k in [1, 7, 40] {
                        let brute = (0..<n).map { i -> (Int, Double) in
                            var d = 0.0
                            for j in 0..<dimensions { let t = points[i * dimensions + j] - query[j]; d += t * t }
                            return (i, d)
                        }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(k)
                        let found = tree.nearest(to: query, k: k)
                        XCTAssertEqual(found.map(\.index), brute.map(\.0), "d=\(dimensions) grid=\(grid) query \(q) k \(k)")
                        XCTAssertEqual(found.map(\.distanceSquared), brute.map(\.1))
                    }
                }
            }
        }
        XCTAssertEqual(KDTree(points: [1, 1, 1], dimensions: 1).nearest(to: [1], k: 5).map(\.index), [0, 1, 2], "equal points, more wanted than there are")
    }

    /// Σw is kept in every cell, so everywhere; no weight stays negative when every cell closes; the
    /// histogram of the feature is kept within the cells' reach; a maximum radius leaves cells negative.
    func testCellsKeepTheSumAndRemoveNegativeWeights() {
        let n = 20_000
        let x = uniforms(n, seed: 3)
        let u = uniforms(n, seed: 4)
        // w = +1 or −1 with P(w < 0) = 0.3 x: E[w|x] = 1 − 0.6 x > 0.
        let w = (0..<n).map { u[$0] < 0.3 * x[$0] ? -1.0 : 1.0 }
        let outcome = CellResampling().resample(features: x, dimensions: 1, weights: w)
        XCTAssertEqual(outcome.weights.reduce(0, +), w.reduce(0, +), accuracy: 1e-6)
        XCTAssertEqual(outcome.weights.filter { $0 < 0 }.count, 0)
        XCTAssertEqual(outcome.cellsLeftNegative, 0)
        XCTAssertGreaterThan(outcome.cells, 1000)
        // Ten bins of x: each keeps its Σw to within the cells' spill-over (cells are a few events wide).
        for b in 0..<10 {
            let rows = (0..<n).filter { Int(x[$0] * 10) == b }
            let before = rows.reduce(0.0) { $0 + w[$1] }, after = rows.reduce(0.0) { $0 + outcome.weights[$1] }
            XCTAssertEqual(after, before, accuracy: 0.02 * rows.reduce(0.0) { $0 + abs(w[$1]) }, "bin \(b)")
        }
        // Effective sample size grows: the negative events cancel against their neighbours.
        let kish = { (v: [Double]) in pow(v.reduce(0, +), 2) / v.reduce(0) { $0 + $1 * $1 } }
        XCTAssertGreaterThan(kish(outcome.weights), kish(w))

        let tight = CellResampling(maxRadius: 1e-9).resample(features: x, dimensions: 1, weights: w)
        XCTAssertGreaterThan(tight.cellsLeftNegative, 0)
        XCTAssertEqual(tight.weights, w, "a radius that admits only the seed changes nothing")
    }

    /// Two runs on the same events give bit-identical weights (seed order and neighbour ties are fixed by
    /// the events' weights and indices, never by timing or hashing).
    func testTheSameEventsGiveTheSameWeights() {
        let n = 2000
        let x = uniforms(2 * n, seed: 5), u = uniforms(n, seed: 6)
        let w = (0..<n).map { u[$0] < 0.25 ? -u[$0] - 0.5 : u[$0] + 0.5 }
        let first = CellResampling().resample(features: x, dimensions: 2, weights: w)
        let again = CellResampling().resample(features: x, dimensions: 2, weights: w)
        XCTAssertEqual(first.weights, again.weights)
    }
}
