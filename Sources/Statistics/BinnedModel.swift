import Foundation

/// A one-channel HistFactory model, the one a binned search fits: expected yields per bin
///
///     νᵢ(μ, α, γ) = γᵢ · (μ·sᵢ + bᵢ·κ(α))
///
/// with the signal strength μ, a background normalisation uncertainty (pyhf's `normsys`, interpolation
/// code 1: κ = (1 + u)^α above 0 and (1 − u)^(−α) below, α constrained by a unit Gaussian) and one
/// Barlow–Beeston-lite factor γᵢ per bin for the Monte Carlo statistical uncertainty of both templates
/// (pyhf's `staterror`: a Gaussian of width √(Σw²_s + Σw²_b)/(sᵢ + bᵢ) around 1). The signal may be signed
/// (an interference), which is why its Σw² is kept apart from its yield.
public struct BinnedModel: Sendable, Equatable {
    public var signal: [Double]
    public var signalSumw2: [Double]
    public var background: [Double]
    public var backgroundSumw2: [Double]
    /// Relative uncertainty u of the background normalisation; 0 leaves α out.
    public var backgroundNormalisation: Double
    /// Whether the templates' statistical uncertainty enters (one γ per bin).
    public var statisticalUncertainty: Bool

    /// The model over the bins whose background and total yield are positive: a bin without background
    /// has no expected count to test against (pyhf would divide by zero there too).
    public init(signal: [Double], signalSumw2: [Double], background: [Double], backgroundSumw2: [Double],
                backgroundNormalisation: Double = 0, statisticalUncertainty: Bool = true) {
        let kept = background.indices.filter { background[$0] > 0 && background[$0] + signal[$0] > 0 }
        self.signal = kept.map { signal[$0] }
        self.signalSumw2 = kept.map { signalSumw2[$0] }
        self.background = kept.map { background[$0] }
        self.backgroundSumw2 = kept.map { backgroundSumw2[$0] }
        self.backgroundNormalisation = backgroundNormalisation
        self.statisticalUncertainty = statisticalUncertainty
    }

    public var bins: Int { background.count }

    /// σᵢ of γᵢ, relative to the bin's total template yield (pyhf's combination of a channel's staterrors).
    public var relativeStatisticalErrors: [Double] {
        background.indices.map { i in (signalSumw2[i] + backgroundSumw2[i]).squareRoot() / (signal[i] + background[i]) }
    }

    /// The layout of the parameter vector: μ first, then α (when a normalisation uncertainty is declared),
    /// then the γᵢ (when the statistical uncertainty enters).
    var alphaIndex: Int? { backgroundNormalisation > 0 ? 1 : nil }
    var gammaOffset: Int { 1 + (alphaIndex == nil ? 0 : 1) }
    public var parameterCount: Int { gammaOffset + (statisticalUncertainty ? bins : 0) }

    /// μ at the given value and every nuisance parameter at its nominal value.
    public func nominalParameters(mu: Double) -> [Double] {
        var p = [Double](repeating: 1, count: parameterCount)
        p[0] = mu
        if let a = alphaIndex { p[a] = 0 }
        return p
    }

    /// Expected main and auxiliary data of the model at `parameters`: the Asimov data set.
    public func expectedData(_ parameters: [Double]) -> ObservedData {
        ObservedData(counts: (0..<bins).map { expected(bin: $0, parameters).nu },
                     alphaAux: alphaIndex.map { parameters[$0] } ?? 0,
                     gammaAux: statisticalUncertainty ? Array(parameters[gammaOffset...]) : [])
    }

    /// κ(α) and its first two derivatives.
    func normalisation(_ alpha: Double) -> (k: Double, d1: Double, d2: Double) {
        let u = backgroundNormalisation
        let slope = alpha >= 0 ? Foundation.log(1 + u) : -Foundation.log(1 - u)
        let k = Foundation.exp(alpha * slope)
        return (k, k * slope, k * slope * slope)
    }

    /// νᵢ, the γ-free part gᵢ = μsᵢ + bᵢκ, and κ's derivatives.
    func expected(bin i: Int, _ p: [Double]) -> (nu: Double, g: Double, gamma: Double, kappa: (k: Double, d1: Double, d2: Double)) {
        let kappa = alphaIndex.map { normalisation(p[$0]) } ?? (k: 1, d1: 0, d2: 0)
        let g = p[0] * signal[i] + background[i] * kappa.k
        let gamma = statisticalUncertainty ? p[gammaOffset + i] : 1
        return (gamma * g, g, gamma, kappa)
    }
}

/// Counts to fit: the main bins and the auxiliary measurements that constrain the nuisance parameters.
public struct ObservedData: Sendable, Equatable {
    public var counts: [Double]
    public var alphaAux: Double
    public var gammaAux: [Double]
}

