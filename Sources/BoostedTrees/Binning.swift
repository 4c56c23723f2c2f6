/// Maps each feature to at most 255 bins, once, from quantiles of (a subsample of) the training data —
/// as LightGBM and scikit-learn's HistGradientBoosting do. Trees then split on bin numbers, and only the
/// thresholds are kept in feature units for prediction.
public struct Binning: Sendable, Equatable {
    /// Per feature, the upper edges: bin b holds x ≤ thresholds[b] (and > thresholds[b−1]).
    public var thresholds: [[Double]]

    public init(thresholds: [[Double]]) { self.thresholds = thresholds }

    public static let maxBins = 255
    static let subsample = 200_000

    /// Thresholds from the columns of `x` (row-major, `features` per row). Features with at most
    /// `maxBins` distinct values get the midpoints between them; others weighted quantiles (the averaged
    /// inverted CDF, as numpy and scikit-learn ≥ 1.6). Above 2·10⁵ rows, a seeded subsample drawn with
    /// probability ∝ weight (with replacement: frequency semantics) stands for the data.
    public init(x: [Double], features: Int, weights: [Double]? = nil, maxBins: Int = Binning.maxBins, seed: UInt64 = 0) {
        let rows = x.count / features
        var sample = Array(0..<rows)
        var sampleWeights = weights
        if rows > Self.subsample {
            let w = weights ?? [Double](repeating: 1, count: rows)
            var cumulative = [Double](repeating: 0, count: rows)
            var total = 0.0
            for i in 0..<rows { total += w[i]; cumulative[i] = total }
            var state = seed &+ 0x9E37_79B9_7F4A_7C15
            sample = (0..<Self.subsample).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let u = Double(state >> 11) * 0x1p-53 * total
                var lo = 0, hi = rows - 1
                while lo < hi {
                    let mid = (lo + hi) >> 1
                    if cumulative[mid] <= u { lo = mid + 1 } else { hi = mid }
                }
                return lo
            }
            sampleWeights = nil
        }
        thresholds = (0..<features).map { f in
            var pairs = sample.map { (x[$0 * features + f], sampleWeights?[$0] ?? 1) }.filter { !$0.0.isNaN && $0.1 != 0 }
            pairs.sort { $0.0 < $1.0 }
            var distinct: [Double] = []
            for (v, _) in pairs where distinct.last != v { distinct.append(v) }
            if distinct.count <= 1 { return [] }
            if distinct.count <= maxBins {
                return zip(distinct.dropLast(), distinct.dropFirst()).map { 0.5 * ($0 + $1) }
            }
            var cumulative: [Double] = []
            cumulative.reserveCapacity(pairs.count)
            var total = 0.0
            for (_, w) in pairs { total += w; cumulative.append(total) }
            var result: [Double] = []
            var k = 0
            for q in 1..<maxBins {
                let target = Double(q) / Double(maxBins) * total
                while k < pairs.count - 1 && cumulative[k] < target * (1 - 1e-12) { k += 1 }
                // Exactly on a step of the CDF: the average of the two values it separates.
                let onStep = abs(cumulative[k] - target) <= 1e-12 * total && k + 1 < pairs.count
                let value = onStep ? 0.5 * (pairs[k].0 + pairs[k + 1].0) : pairs[k].0
                if result.last != value { result.append(value) }
            }
            return result
        }
    }

    public var features: Int { thresholds.count }

    /// The bin of each value, column-major: binned[f * rows + i].
    public func bin(_ x: [Double], rows: Int) -> [UInt8] {
        let features = thresholds.count
        var binned = [UInt8](repeating: 0, count: rows * features)
        for f in 0..<features {
            let t = thresholds[f]
            for i in 0..<rows { binned[f * rows + i] = UInt8(Self.bin(of: x[i * features + f], t)) }
        }
        return binned
    }

    /// The first threshold ≥ x (numpy's searchsorted, side left).
    @inline(__always) static func bin(of x: Double, _ t: [Double]) -> Int {
        var lo = 0, hi = t.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if t[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
