import NearestNeighbours

/// Cell resampling (Andersen & Maier, arXiv:2109.07851; the maximum radius of arXiv:2303.15246): the
/// non-neural way to remove negative weights that keeps every distribution up to the cells' size.
///
/// Seeds are the negative-weight events, largest |w| first. A cell grows from its seed by nearest
/// neighbours until its weight sum is ≥ 0 (or the next neighbour lies beyond the maximum radius); then
/// each member's weight becomes |wᵢ|·Σw/Σ|w| over the cell, which keeps the cell's Σw and makes every
/// member's sign that of the sum. Events already resampled can join later cells with their new weights.
/// Distances are Euclidean in the features divided by their standard deviations.
public struct CellResampling: Sendable {
    public var maxRadius: Double?

    public init(maxRadius: Double? = nil) {
        self.maxRadius = maxRadius
    }

    public struct Outcome: Sendable {
        public var weights: [Double]
        public var cells = 0
        public var largestCell = 0
        public var meanCellSize = 0.0
        /// Cells stopped by the maximum radius with their sum still negative.
        public var cellsLeftNegative = 0
    }

    /// `features`: row-major, `dimensions` per event.
    public func resample(features: [Double], dimensions: Int, weights: [Double]) -> Outcome {
        let n = weights.count
        precondition(features.count == n * dimensions)
        let scaled = Self.standardised(features, dimensions: dimensions)
        let tree = KDTree(points: scaled, dimensions: dimensions)
        var w = weights
        var outcome = Outcome(weights: [])
        // Most negative first; ties in index order.
        let seeds = (0..<n).filter { weights[$0] < 0 }.sorted { (weights[$0], $0) < (weights[$1], $1) }
        let radiusSquared = maxRadius.map { $0 * $0 } ?? .infinity
        var members = 0
        for seed in seeds where w[seed] < 0 {
            let query = Array(scaled[seed * dimensions..<(seed + 1) * dimensions])
            var k = 16, cell: [Int] = []
            var closed = false
            while !closed {
                let neighbours = tree.nearest(to: query, k: min(k, n))
                cell.removeAll(keepingCapacity: true)
                var sum = 0.0
                for neighbour in neighbours {
                    if neighbour.distanceSquared > radiusSquared { closed = true; break }
                    cell.append(neighbour.index)
                    sum += w[neighbour.index]
                    if sum >= 0 { closed = true; break }
                }
                if neighbours.count == n { closed = true }  // the whole sample: nothing more to add
                k *= 4
            }
            var sum = 0.0, absolute = 0.0
            for i in cell { sum += w[i]; absolute += abs(w[i]) }
            guard absolute > 0 else { continue }
            for i in cell { w[i] = abs(w[i]) * sum / absolute }
            outcome.cells += 1
            outcome.largestCell = max(outcome.largestCell, cell.count)
            members += cell.count
            if sum < 0 { outcome.cellsLeftNegative += 1 }
        }
        outcome.weights = w
        outcome.meanCellSize = outcome.cells > 0 ? Double(members) / Double(outcome.cells) : 0
        return outcome
    }

    /// Each feature shifted and divided by its standard deviation (a constant feature is only shifted).
    static func standardised(_ x: [Double], dimensions: Int) -> [Double] {
        let n = x.count / max(1, dimensions)
        guard n > 0 else { return x }
        var out = x
        for j in 0..<dimensions {
            var mean = 0.0
            for i in 0..<n { mean += x[i * dimensions + j] }
            mean /= Double(n)
            var variance = 0.0
            for i in 0..<n { let d = x[i * dimensions + j] - mean; variance += d * d }
            let scale = variance > 0 ? (variance / Double(n)).squareRoot() : 1
            for i in 0..<n { out[i * dimensions + j] = (x[i * dimensions + j] - mean) / scale }
        }
        return out
    }
}
