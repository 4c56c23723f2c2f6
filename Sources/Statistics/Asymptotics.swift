import Foundation

/// Expected results of a binned search from the asymptotic formulae (Cowan, Cranmer, Gross, Vitells,
/// arXiv:1007.1727) on Asimov data, computed the way pyhf computes them.
public enum Asymptotics {
    /// The expected discovery significance Z₀ = √q₀ on the Asimov data of the signal hypothesis (μ = 1,
    /// nuisance parameters nominal): q₀ = −2 ln [L(0, θ̂̂) / L(μ̂, θ̂)], 0 when μ̂ < 0.
    public static func discoverySignificance(_ model: BinnedModel) -> Double {
        let likelihood = ProfileLikelihood(model: model, data: model.expectedData(model.nominalParameters(mu: 1)))
        let best = likelihood.minimum()
        guard best.parameters[0] > 0 else { return 0 }
        let background = likelihood.minimum(fixingMu: 0, from: best.parameters)
        return (2 * max(0, background.value - best.value)).squareRoot()
    }

    /// The expected 95 % CL upper limits on μ with CLs and the q̃_μ statistic, on the background-only
    /// Asimov data: the median and the ±1σ, ±2σ band (ascending: −2σ, −1σ, median, +1σ, +2σ). Where CLs
    /// stays above `level` up to the bound of μ, that bound is returned.
    public static func expectedUpperLimits(_ model: BinnedModel, level: Double = 0.05, muBound: Double = 10) -> [Double] {
        var likelihood = ProfileLikelihood(model: model, data: model.expectedData(model.nominalParameters(mu: 0)))
        likelihood.muBounds = 0...muBound
        let best = likelihood.minimum(from: model.nominalParameters(mu: 0))
        // √q_μ,A as a function of μ; q̃ on the background Asimov data is q_μ,A itself.
        func rootQA(_ mu: Double) -> Double {
            (2 * max(0, likelihood.minimum(fixingMu: mu, from: best.parameters).value - best.value)).squareRoot()
        }
        return [2.0, 1, 0, -1, -2].map { n in
            // CLs at the expected test statistic of n standard deviations of the background-only hypothesis.
            let cls = { (mu: Double) in normalCDF(-n - rootQA(mu)) / normalCDF(-n) - level }
            return root(of: cls, upTo: muBound)
        }
    }

    /// The smallest μ in (0, bound] where the decreasing f crosses 0, to 10⁻⁶ relative.
    static func root(of f: (Double) -> Double, upTo bound: Double) -> Double {
        var lo = 0.0, hi = min(bound, 1e-3)
        while f(hi) > 0 {
            if hi >= bound { return bound }
            lo = hi; hi = min(bound, hi * 2)
        }
        while hi - lo > 1e-6 * hi {
            let mid = 0.5 * (lo + hi)
            if f(mid) > 0 { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    /// Φ(x), the standard normal cumulative distribution.
    public static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
}
