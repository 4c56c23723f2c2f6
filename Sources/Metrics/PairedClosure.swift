import Foundation

/// Closure of a new weighting w′ against the original w on the same events, bin by bin: the difference
/// Σw′ − Σw with its paired variance σ² = Σᵢ(w′ᵢ − wᵢ)² over the bin's events.
///
/// w and w′ sit on the same events, so they are strongly correlated; the "independent samples" variance
/// Σw² + Σw′² overstates σ (for a perfect reweighting E[χ²/ndf] = (1−r)/(1+r), r = Σw′²/Σw²) and hides
/// real non-closure. That lenient comparison is kept beside it, labelled, for reference.
public struct PairedClosure: Sendable {
    public var reference: Histogram
    public var candidate: Histogram
    /// Per bin Σ(w′ − w)².
    public var differenceVariance: [Double]
    /// Per bin (Σw′ − Σw) / √Σ(w′ − w)²; 0 where w′ = w on every event of the bin.
    public var pulls: [Double]
    public var chi2: Double
    /// Bins with a non-zero paired variance.
    public var ndf: Int
    /// The same histograms judged as independent samples (σ² = Σw² + Σw′²): lenient, for comparison.
    public var independent: HistogramComparison

    public init(values: [Double], reference w: [Double], candidate wNew: [Double], edges: [Double]) {
        reference = Histogram(values: values, weights: w, edges: edges)
        candidate = Histogram(values: values, weights: wNew, edges: edges)
        independent = HistogramComparison(reference: reference, candidate: candidate)
        let differences = Histogram(values: values, weights: zip(wNew, w).map { $0 - $1 }, edges: edges)
        differenceVariance = differences.sumsOfSquares
        var pulls: [Double] = [], chi2 = 0.0, ndf = 0
        for b in differenceVariance.indices {
            guard differenceVariance[b] > 0 else { pulls.append(0); continue }
            let pull = differences.sums[b] / differenceVariance[b].squareRoot()
            pulls.append(pull)
            chi2 += pull * pull
            ndf += 1
        }
        self.pulls = pulls
        self.chi2 = chi2
        self.ndf = ndf
    }

    public var chi2PerDegree: Double { ndf > 0 ? chi2 / Double(ndf) : 0 }
    public var maxAbsPull: Double { pulls.map(abs).max() ?? 0 }
    /// P(χ² ≥ chi2) for ndf degrees of freedom: the chance of closure at least this poor by statistics alone.
    public var pValue: Double { ndf > 0 ? ChiSquared.survival(chi2, degrees: ndf) : 1 }
}

/// The sum over all events: Σw′ − Σw against its paired standard deviation √Σ(w′ − w)².
public enum PairedSum {
    public static func pull(reference w: [Double], candidate wNew: [Double]) -> Double {
        var difference = 0.0, variance = 0.0
        for (a, b) in zip(w, wNew) {
            difference += b - a
            variance += (b - a) * (b - a)
        }
        return variance > 0 ? difference / variance.squareRoot() : 0
    }
}

/// The χ² distribution's upper tail, through the regularised upper incomplete gamma function Q(k/2, x/2)
/// (series below a + 1, Lentz's continued fraction above; Numerical Recipes §6.2).
public enum ChiSquared {
    public static func survival(_ x: Double, degrees k: Int) -> Double {
        guard x > 0 else { return 1 }
        return upperRegularizedGamma(Double(k) / 2, x / 2)
    }

    static func upperRegularizedGamma(_ a: Double, _ x: Double) -> Double {
        let logPrefactor = -x + a * log(x) - lgamma(a)
        if x < a + 1 {
            // P(a, x) = e^{−x} x^a / Γ(a) · Σₙ xⁿ / (a (a+1) … (a+n)).
            var term = 1 / a, sum = term, n = a
            for _ in 0..<10_000 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return max(0, 1 - sum * exp(logPrefactor))
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return min(1, exp(logPrefactor) * h)
    }
}
