import Foundation

/// Constants of the built-in gg → tt̄ generator (GeV, pb; `physics-generator.md` §1).
public enum Physics {
    public static let sqrtS = 13000.0
    public static let s = sqrtS * sqrtS
    public static let topMass = 172.5
    public static let wMass = 80.4
    public static let vev = 246.0
    public static let alphaSMZ = 0.118
    public static let zMass = 91.1876
    public static let b0 = 23.0 / (12.0 * Double.pi)
    public static let mMin = 2 * topMass
    public static let mMax = 1200.0
    public static let gev2pb = 3.893794e8
    /// Dileptonic branching ratio (ℓ = e, μ), applied to every weight.
    public static let branchingDilepton = 0.2134 * 0.2134

    /// One-loop α_s at scale μ (n_f = 5).
    @inlinable public static func alphaS(_ mu: Double) -> Double {
        alphaSMZ / (1 + b0 * alphaSMZ * log(mu * mu / (zMass * zMass)))
    }

    /// Effective gluon density G(x) = N x^(−1−λ) (1−x)^η, a fit to the gg luminosity at μ_F = m_tt/2.
    @inlinable public static func gluon(_ x: Double) -> Double {
        0.418 * exp(-1.681 * log(x) + 8.69 * log1p(-x))
    }

    /// dL/dτ = ∫dy G(x₁)G(x₂) at m_tt, by the trapezoid rule (for tests against the tabulated luminosity).
    public static func luminosity(_ m: Double, steps: Int = 4000) -> Double {
        let yMax = log(sqrtS / m), tau = m / sqrtS
        var sum = 0.0
        for k in 0...steps {
            let y = -yMax + 2 * yMax * Double(k) / Double(steps)
            let x1 = tau * exp(y), x2 = tau * exp(-y)
            let f = x1 < 1 && x2 < 1 ? gluon(x1) * gluon(x2) : 0
            sum += (k == 0 || k == steps ? 0.5 : 1) * f
        }
        return sum * 2 * yMax / Double(steps)
    }
}

/// A heavy pseudoscalar A coupled to top quarks.
public struct Pseudoscalar: Sendable, Equatable {
    public var mass: Double
    /// Γ_A / M_A.
    public var relativeWidth: Double
    /// g_Att.
    public var coupling: Double

    public init(mass: Double = 400, relativeWidth: Double = 0.03, coupling: Double = 1) {
        self.mass = mass
        self.relativeWidth = relativeWidth
        self.coupling = coupling
    }

    public var width: Double { mass * relativeWidth }
}

/// Partonic cross sections dσ̂/dz in GeV⁻² for gg → tt̄ (§3), spin-summed and integrated over decays.
public enum Partonic {
    /// Top-loop function A(τ) = τ f(τ) above threshold, τ = 4m_t²/ŝ < 1: (real, imaginary).
    @inlinable public static func loop(_ m: Double) -> (re: Double, im: Double) {
        let tau = 4 * Physics.topMass * Physics.topMass / (m * m)
        let beta = (1 - tau).squareRoot()
        let l = log((1 + beta) / (1 - beta))
        return (tau * (Double.pi * Double.pi - l * l) / 4, tau * Double.pi * l / 2)
    }

    /// LO QCD gg → tt̄ (P1).
    @inlinable public static func sm(_ m: Double, _ z: Double, alphaS: Double) -> Double {
        let shat = m * m
        let b2 = 1 - 4 * Physics.topMass * Physics.topMass / shat
        let beta = b2.squareRoot()
        let sz2 = 1 - z * z
        let x = 1 - b2 * z * z
        let a0 = 1 + 2 * b2 * sz2 - b2 * b2 * (1 + sz2 * sz2)
        return Double.pi * alphaS * alphaS * beta / (96 * shat) * (7 + 9 * b2 * z * z) / (x * x) * a0
    }

    /// |A_A|², the resonance (P3); isotropic in z.
    @inlinable public static func resonance(_ m: Double, _ z: Double, alphaS: Double, _ a: Pseudoscalar) -> Double {
        let shat = m * m
        let beta = (1 - 4 * Physics.topMass * Physics.topMass / shat).squareRoot()
        let loop = loop(m)
        let d2 = (shat - a.mass * a.mass) * (shat - a.mass * a.mass) + a.mass * a.mass * a.width * a.width
        let g2 = a.coupling * a.coupling, v2 = Physics.vev * Physics.vev, mt2 = Physics.topMass * Physics.topMass
        return 3 * alphaS * alphaS * g2 * g2 * mt2 * beta * shat * shat * (loop.re * loop.re + loop.im * loop.im)
            / (4096 * pow(Double.pi, 3) * v2 * v2 * d2)
    }

    /// 2 Re(A_A A_QCD*), the signed interference (P4).
    @inlinable public static func interference(_ m: Double, _ z: Double, alphaS: Double, _ a: Pseudoscalar) -> Double {
        let shat = m * m
        let b2 = 1 - 4 * Physics.topMass * Physics.topMass / shat
        let beta = b2.squareRoot()
        let loop = loop(m)
        let dRe = shat - a.mass * a.mass, dIm = a.mass * a.width
        let reAoverD = (loop.re * dRe + loop.im * dIm) / (dRe * dRe + dIm * dIm)
        let x = 1 - b2 * z * z
        return -(alphaS * alphaS * a.coupling * a.coupling * Physics.topMass * Physics.topMass * beta
                 / (64 * Double.pi * Physics.vev * Physics.vev)) * reAoverD / x
    }

    /// SM spin correlations c_rr, c_nn, c_kk, c_rk in the helicity basis (S2).
    @inlinable public static func spinCorrelations(_ m: Double, _ z: Double) -> (rr: Double, nn: Double, kk: Double, rk: Double) {
        let b2 = 1 - 4 * Physics.topMass * Physics.topMass / (m * m)
        let sz2 = 1 - z * z
        let sz4 = sz2 * sz2
        let a0 = 1 + 2 * b2 * sz2 - b2 * b2 * (1 + sz4)
        let rr = -(1 - b2 * (2 - b2) * (1 + sz4)) / a0
        let nn = -(1 - 2 * b2 + b2 * b2 * (1 + sz4)) / a0
        let kk = -(1 - 2 * b2 * sz2 * z * z - b2 * b2 * (1 + sz4)) / a0
        let rk = 2 * b2 * (1 - b2).squareRoot() * z * sz2 * sz2.squareRoot() / a0
        return (rr, nn, kk, rk)
    }
}
