/// Expected significance of a signal hypothesis against a background-only one, from binned yields.
public enum Significance {
    /// Z = √(Σᵢ sᵢ²/bᵢ) with sᵢ = (signal hypothesis)ᵢ − (background)ᵢ, the expected yields per bin;
    /// signed differences count too (an interference dip is as visible as a peak). Bins with bᵢ ≤ 0 are skipped.
    public static func binned(hypothesis: [Double], background: [Double]) -> Double {
        var z2 = 0.0
        for (h, b) in zip(hypothesis, background) where b > 0 {
            let s = h - b
            z2 += s * s / b
        }
        return z2.squareRoot()
    }
}

/// Held-out events of a background sample and a signal-hypothesis sample (SM + A), weighted by their
/// expected yields: what a classifier or an observable is judged on.
public struct HeldOutEvents: Sendable {
    public var isSignal: [Bool]
    /// Per event of the signal sample, whether it belongs to the A part (resonance + interference) rather
    /// than to its SM rows; nil when the sample does not say.
    public var isAPart: [Bool]?
    public var weights: [Double]

    public init(isSignal: [Bool], isAPart: [Bool]?, weights: [Double]) {
        self.isSignal = isSignal
        self.isAPart = isAPart
        self.weights = weights
    }

    /// Z from the binned distribution of `values`. With the A part known, the hypothesis is background +
    /// A, so the SM rows of the signal sample cancel exactly and s is free of the two SM samples'
    /// statistical difference; without it, s is signal-sample minus background yields.
    /// Z with its Poisson-bootstrap standard error over the test events (`replicas` 0: no error).
    public func significance(_ values: [Double], edges: [Double], replicas: Int, seed: UInt64) -> (value: Double, error: Double) {
        let z = significance(values, edges: edges)
        guard replicas > 1 else { return (z, 0) }
        let spread = PoissonBootstrap.spread(replicas: replicas, seed: seed &+ 0x5A, events: values.count) { counts in
            var replica = self
            replica.weights = zip(weights, counts).map { $0 * $1 }
            return replica.significance(values, edges: edges)
        }
        return (z, spread.error)
    }

    public func significance(_ values: [Double], edges: [Double]) -> Double {
        let t = templates(values, edges: edges)
        return Significance.binned(hypothesis: zip(t.background.sums, t.signal).map { $0 + $1 }, background: t.background.sums)
    }

    /// The background template and the signal one (the A part; without it, the signal sample's yields
    /// less the background's) with its Σw², binned in `edges`: what a fit of μ·s + b is built from.
    public func templates(_ values: [Double], edges: [Double]) -> (signal: [Double], signalSumw2: [Double], background: Histogram) {
        var a = Histogram(edges: edges), signal = Histogram(edges: edges), background = Histogram(edges: edges)
        for i in values.indices {
            if !isSignal[i] {
                background.fill(values[i], weights[i])
            } else {
                signal.fill(values[i], weights[i])
                if isAPart?[i] ?? true { a.fill(values[i], weights[i]) }
            }
        }
        guard isAPart == nil else { return (a.sums, a.sumsOfSquares, background) }
        return (zip(signal.sums, background.sums).map { $0 - $1 }, zip(signal.sumsOfSquares, background.sumsOfSquares).map { $0 + $1 }, background)
    }

    /// Background and signal yields of `scores` in `bins` uniform bins between their 0.5 % and 99.5 %
    /// quantiles, where a percent-level difference is visible.
    public func yields(_ scores: [Double], bins: Int = 30) -> (background: Histogram, signal: Histogram) {
        let sorted = scores.sorted()
        guard !sorted.isEmpty else { return (Histogram(edges: [0, 1]), Histogram(edges: [0, 1])) }
        let lo = sorted[sorted.count / 200], hi = sorted[sorted.count - 1 - sorted.count / 200]
        let edges = Histogram.uniform(bins, from: lo, to: hi > lo ? hi : lo + 1e-6)
        var background = Histogram(edges: edges), signal = Histogram(edges: edges)
        for i in scores.indices {
            if isSignal[i] { signal.fill(scores[i], weights[i]) } else { background.fill(scores[i], weights[i]) }
        }
        return (background, signal)
    }
}
