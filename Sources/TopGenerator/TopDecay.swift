import EventData
import Foundation

/// t → b W⁺(→ ℓ⁺ν) in the top rest frame, sampled exactly from the unpolarised LO density (§4.1).
public enum TopDecay {
    public static let q = (Physics.topMass * Physics.topMass - Physics.wMass * Physics.wMass) / (2 * Physics.topMass)
    public static let wEnergy = (Physics.topMass * Physics.topMass + Physics.wMass * Physics.wMass) / (2 * Physics.topMass)
    /// Longitudinal W fraction F₀ = m_t²/(m_t² + 2m_W²).
    public static let f0 = Physics.topMass * Physics.topMass / (Physics.topMass * Physics.topMass + 2 * Physics.wMass * Physics.wMass)
    public static let fL = 1 - f0

    /// CDF of the lepton polar angle c* in the W rest frame (D1).
    @inlinable public static func cdf(_ c: Double) -> Double {
        let a = 1 - c
        return f0 / 4 * (3 * c - c * c * c + 2) + fL / 8 * (8 - a * a * a)
    }

    /// c* with cdf(c*) = u: the result of 50 bisection steps on [−1, 1], as the spec prescribes.
    ///
    /// Bisection is a chain of 50 dependent steps (the slowest part of event generation), so the root
    /// is found by safeguarded Newton iteration instead, and the bisection's answer rebuilt from it:
    /// after 50 halvings of [−1, 1] the bracket is the dyadic interval of width 2⁻⁴⁹ holding the root,
    /// and the result its midpoint. If that interval's ends do not bracket u (never seen), the plain
    /// bisection runs. Either way the value is bit-identical to `bisectionInverseCDF`.
    @inlinable public static func inverseCDF(_ u: Double) -> Double {
        var a = -1.0, b = 1.0, c = 2 * u - 1
        for _ in 0..<60 {
            let g = cdf(c) - u
            if g < 0 { a = c } else { b = c }
            let slope = f0 * 0.75 * (1 - c * c) + fL * 0.375 * (1 - c) * (1 - c)
            var next = c - g / slope
            if !(next > a && next < b) { next = 0.5 * (a + b) }
            let done = abs(next - c) <= 0x1p-50
            c = next
            if done { break }
        }
        // The root sits in one dyadic interval of width 2⁻⁴⁹; rounding may put c in a neighbour.
        let width = 0x1p-49
        var lo = -1 + ((c + 1) / width).rounded(.down) * width
        for _ in 0..<3 {
            guard lo >= -1, lo + width <= 1 else { break }
            if !(cdf(lo) < u) { lo -= width; continue }
            if cdf(lo + width) < u { lo += width; continue }
            return lo + width / 2
        }
        return bisectionInverseCDF(u)
    }

    /// The spec's definition: 50 bisection steps.
    @inlinable public static func bisectionInverseCDF(_ u: Double) -> Double {
        var lo = -1.0, hi = 1.0
        for _ in 0..<50 {
            let mid = 0.5 * (lo + hi)
            if cdf(mid) < u { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    /// Decay products in the top rest frame from four uniforms (cos θ_W, φ_W, c*, φ*).
    public struct Products {
        public var b: FourVector
        public var lepton: FourVector
        public var neutrino: FourVector
        /// Unit vector of the lepton momentum in the top rest frame.
        public var lx: Double, ly: Double, lz: Double
    }

    public static func decay(_ u1: Double, _ u2: Double, _ u3: Double, _ u4: Double) -> Products {
        let cosW = 2 * u1 - 1, phiW = 2 * Double.pi * u2
        let sinW = (1 - cosW * cosW).squareRoot()
        let cpW = cos(phiW), spW = sin(phiW)
        let nx = sinW * cpW, ny = sinW * spW, nz = cosW
        let cStar = inverseCDF(u3), phiStar = 2 * Double.pi * u4
        let sStar = (1 - cStar * cStar).squareRoot()
        let e1x = cosW * cpW, e1y = cosW * spW, e1z = -sinW
        let e2x = -spW, e2y = cpW
        let cps = cos(phiStar), sps = sin(phiStar)
        let dx = sStar * (cps * e1x + sps * e2x) + cStar * nx
        let dy = sStar * (cps * e1y + sps * e2y) + cStar * ny
        let dz = sStar * cps * e1z + cStar * nz
        let half = Physics.wMass / 2
        let v = q / wEnergy
        let lepton = FourVector(half, half * dx, half * dy, half * dz).boosted(v * nx, v * ny, v * nz)
        let neutrino = FourVector(half, -half * dx, -half * dy, -half * dz).boosted(v * nx, v * ny, v * nz)
        let b = FourVector(q, -q * nx, -q * ny, -q * nz)
        let norm = 1 / lepton.p2.squareRoot()
        return Products(b: b, lepton: lepton, neutrino: neutrino, lx: lepton.px * norm, ly: lepton.py * norm, lz: lepton.pz * norm)
    }
}
