import Foundation

/// A four-momentum (E, px, py, pz) in GeV.
public struct FourVector: Sendable, Equatable {
    public var e: Double
    public var px: Double
    public var py: Double
    public var pz: Double

    @inlinable public init(_ e: Double, _ px: Double, _ py: Double, _ pz: Double) {
        self.e = e
        self.px = px
        self.py = py
        self.pz = pz
    }

    /// From the (pt, η, φ, m) that collections store.
    @inlinable public init(pt: Double, eta: Double, phi: Double, mass: Double) {
        let px = pt * cos(phi), py = pt * sin(phi), pz = pt * sinh(eta)
        self.init((px * px + py * py + pz * pz + mass * mass).squareRoot(), px, py, pz)
    }

    @inlinable public static func + (a: FourVector, b: FourVector) -> FourVector {
        FourVector(a.e + b.e, a.px + b.px, a.py + b.py, a.pz + b.pz)
    }

    @inlinable public var p2: Double { px * px + py * py + pz * pz }
    @inlinable public var mass: Double { (e * e - p2).squareRoot() }
    @inlinable public var massOrZero: Double { Swift.max(0, e * e - p2).squareRoot() }
    @inlinable public var pt: Double { (px * px + py * py).squareRoot() }
    @inlinable public var eta: Double { asinh(pz / pt) }
    @inlinable public var phi: Double { atan2(py, px) }
    @inlinable public var rapidity: Double { 0.5 * log((e + pz) / (e - pz)) }

    /// The momentum seen from a frame moving with velocity −(bx, by, bz); i.e. a pure boost of
    /// this vector by velocity b (|b| < 1), rotation-free.
    @inlinable public func boosted(_ bx: Double, _ by: Double, _ bz: Double) -> FourVector {
        let b2 = bx * bx + by * by + bz * bz
        if b2 == 0 { return self }
        let gamma = 1 / (1 - b2).squareRoot()
        let bp = bx * px + by * py + bz * pz
        let factor = (gamma - 1) * bp / b2 + gamma * e
        return FourVector(gamma * (e + bp), px + factor * bx, py + factor * by, pz + factor * bz)
    }

    /// Boosted into the rest frame of `frame`.
    @inlinable public func inRestFrame(of frame: FourVector) -> FourVector {
        boosted(-frame.px / frame.e, -frame.py / frame.e, -frame.pz / frame.e)
    }
}

/// Quantities physicists compute from four-vectors.
public enum Kinematics {
    /// c_hel = l̂⁺·l̂⁻ with each lepton taken to its parent top's rest frame via the tt̄ rest frame
    /// (pure boosts), from lab momenta.
    public static func cHel(top: FourVector, antitop: FourVector, leptonPlus: FourVector, leptonMinus: FourVector) -> Double {
        let system = top + antitop
        let t = top.inRestFrame(of: system), tbar = antitop.inRestFrame(of: system)
        let lp = leptonPlus.inRestFrame(of: system).inRestFrame(of: t)
        let lm = leptonMinus.inRestFrame(of: system).inRestFrame(of: tbar)
        let dot = lp.px * lm.px + lp.py * lm.py + lp.pz * lm.pz
        return dot / (lp.p2 * lm.p2).squareRoot()
    }

    /// |Δφ| folded into [0, π].
    public static func deltaPhi(_ a: Double, _ b: Double) -> Double {
        var d = abs(a - b).truncatingRemainder(dividingBy: 2 * .pi)
        if d > .pi { d = 2 * .pi - d }
        return d
    }
}
