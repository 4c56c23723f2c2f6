import Foundation

/// A weighted histogram with per-bin Σw and Σw² (the Monte Carlo uncertainty of each bin).
public struct Histogram: Sendable, Equatable {
    public var edges: [Double]
    public var sums: [Double]
    public var sumsOfSquares: [Double]

    public init(edges: [Double]) {
        self.edges = edges
        sums = Array(repeating: 0, count: edges.count - 1)
        sumsOfSquares = sums
    }

    /// Equal-width bins over [lower, upper).
    public static func uniform(_ count: Int, from lower: Double, to upper: Double) -> [Double] {
        (0...count).map { lower + (upper - lower) * Double($0) / Double(count) }
    }

    /// Bins holding equal numbers of (unweighted) entries, from sorted quantiles; the edges cover all values.
    public static func quantileEdges(_ values: [Double], bins: Int) -> [Double] {
        let sorted = values.filter(\.isFinite).sorted()
        guard let first = sorted.first, let last = sorted.last, last > first else { return uniform(bins, from: 0, to: 1) }
        var edges = (0...bins).map { sorted[min(sorted.count - 1, $0 * (sorted.count - 1) / bins)] }
        edges[bins] = last.nextUp
        var unique: [Double] = []
        for e in edges where unique.last.map({ e > $0 }) ?? true { unique.append(e) }
        return unique
    }

    /// Bins of one round width (1, 2, 2.5 or 5 × 10ⁿ) over the central 99 % of `values`, about `bins` of
    /// them: where a resonance of a few GeV shows as it is, unlike equally populated bins.
    public static func displayEdges(_ values: [Double], bins: Int) -> [Double] {
        let finite = values.filter(\.isFinite).sorted()
        guard finite.count >= 2, bins >= 1 else { return [0, 1] }
        let lo = finite[finite.count / 200], hi = finite[finite.count - 1 - finite.count / 200]
        guard hi > lo else { return [lo - 0.5, lo + 0.5] }
        let raw = (hi - lo) / Double(bins), decade = pow(10, floor(log10(raw)))
        let step = [1, 2, 2.5, 5, 10].map { $0 * decade }.first { $0 >= raw * 0.999 } ?? 10 * decade
        let start = floor(lo / step) * step
        let count = max(1, Int(((hi - start) / step).rounded(.up)))
        return (0...count).map { start + Double($0) * step }
    }

    /// Like `init(values:weights:edges:)`, but values below the first edge count in the first bin and
    /// values above the last in the last (under- and overflow shown, not lost).
    public init(clamping values: [Double], weights: [Double], edges: [Double]) {
        self.init(edges: edges)
        let lo = edges.first!, hi = edges.last!
        for (x, w) in zip(values, weights) where !x.isNaN { fill(Swift.min(Swift.max(x, lo), hi.nextDown), w) }
    }

    public init(values: [Double], weights: [Double], edges: [Double]) {
        self.init(edges: edges)
        for (x, w) in zip(values, weights) { fill(x, w) }
    }

    public mutating func fill(_ x: Double, _ w: Double) {
        guard let first = edges.first, let last = edges.last, x >= first, x < last else { return }
        var lo = 0, hi = edges.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if edges[mid] <= x { lo = mid } else { hi = mid }
        }
        sums[lo] += w
        sumsOfSquares[lo] += w * w
    }
}

/// How well a candidate weighting reproduces a reference histogram, bin by bin.
public struct HistogramComparison: Sendable {
    public var reference: Histogram
    public var candidate: Histogram
    /// Per bin: (candidate − reference) / √(Σw² + Σw′²).
    public var pulls: [Double]
    public var chi2: Double
    public var ndf: Int

    public init(reference: Histogram, candidate: Histogram) {
        self.reference = reference
        self.candidate = candidate
        var pulls: [Double] = [], chi2 = 0.0
        for b in reference.sums.indices {
            let variance = reference.sumsOfSquares[b] + candidate.sumsOfSquares[b]
            guard variance > 0 else { pulls.append(0); continue }
            let pull = (candidate.sums[b] - reference.sums[b]) / variance.squareRoot()
            pulls.append(pull)
            chi2 += pull * pull
        }
        self.pulls = pulls
        self.chi2 = chi2
        ndf = reference.sumsOfSquares.indices.filter { reference.sumsOfSquares[$0] + candidate.sumsOfSquares[$0] > 0 }.count
    }

    public var chi2PerDegree: Double { ndf > 0 ? chi2 / Double(ndf) : 0 }
    public var maxAbsPull: Double { pulls.map(abs).max() ?? 0 }
    /// Per bin: candidate over reference.
    public var ratios: [Double] { zip(candidate.sums, reference.sums).map { $1 != 0 ? $0 / $1 : .nan } }
    /// Per bin Σw′²/Σw²: how the Monte Carlo uncertainty changed.
    public var varianceRatios: [Double] {
        zip(candidate.sumsOfSquares, reference.sumsOfSquares).map { $1 > 0 ? $0 / $1 : .nan }
    }
}
