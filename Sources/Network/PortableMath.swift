/// The elementary functions a network uses (exp and log1p in activations and losses; log, cos and
/// integer powers in initialisation and the optimiser), computed by flow itself so their bits do not
/// depend on the CPU. glibc picks per CPU among variants of its functions (with and without FMA) that
/// may differ in the last bit; these are built only from IEEE 754 operations that are correctly rounded
/// everywhere (+, −, ×, ÷; no fused multiply-add, which a CPU without FMA would have to emulate) and
/// exact scaling by powers of two: range reduction, then a fixed polynomial in a fixed order.
///
/// Accuracy (measured by `PortableMathTests` against glibc in extended precision): exp and log1p within
/// 1 ulp for Float and Double; log within 1 ulp, cosPi within 2 ulp; power as exact as repeated squaring.
public enum PortableMath {
    @usableFromInline static let log2e = 0x1.71547652b82fep0
    /// ln 2 = ln2Hi + ln2Lo, ln2Hi with 32 significant bits, so k · ln2Hi is exact for |k| < 2²¹.
    @usableFromInline static let ln2Hi = 0x1.62e42feep-1
    @usableFromInline static let ln2Lo = 0x1.a39ef35793c76p-33
    /// Adding then subtracting 1.5 · 2⁵² rounds a double of magnitude < 2⁵¹ to the nearest integer (ties to even).
    @usableFromInline static let shifter = 0x1.8p52

    /// 2^k for -1022 ≤ k ≤ 1023.
    @inlinable @inline(__always) static func twoTo(_ k: Int) -> Double {
        Double(bitPattern: UInt64(k + 1023) << 52)
    }

    // MARK: exp

    /// e^x for Float: evaluated in Double (x = k·ln 2 + r, |r| ≤ ln 2 / 2, degree-7 Taylor polynomial,
    /// relative error < 10⁻⁸), then scaled by 2^k and rounded once to Float.
    @inlinable public static func exp(_ x: Float) -> Float {
        guard x > -104 else { return x.isNaN ? x : 0 }  // e^-104 < half the smallest subnormal
        guard x < 89 else { return .infinity }
        let d = Double(x)
        let k = (d * log2e + shifter) - shifter
        let r = d - k * 0x1.62e42fefa39efp-1
        var p = 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        return Float(p * twoTo(Int(k)))
    }

    /// 1/j! for j = 2 … 13: the Taylor coefficients of e^r − 1 − r (truncation < 5·10⁻¹⁸ for |r| ≤ ln 2 / 2).
    @usableFromInline static let expCoefficients: [Double] = (2...13).map { j in 1 / (1...j).reduce(1.0) { $0 * Double($1) } }

    /// e^x for Double: x = k·ln 2 + hi − lo with hi exact, e^(hi−lo) = 1 + (hi − (lo − q)) where q is
    /// the Taylor series from r² on, then exact scaling by 2^k (one rounding into the subnormal range).
    @inlinable public static func exp(_ x: Double) -> Double {
        guard x > -746 else { return x.isNaN ? x : 0 }
        guard x < 710 else { return .infinity }
        let k = (x * log2e + shifter) - shifter
        let hi = x - k * ln2Hi  // exact: k · ln2Hi has at most 43 bits, and x is within a factor 2 of it
        let lo = k * ln2Lo
        let r = hi - lo
        var q = 0.0
        expCoefficients.withUnsafeBufferPointer { c in
            q = c[11]
            for j in stride(from: 10, through: 0, by: -1) { q = q * r + c[j] }
        }
        q = q * (r * r)
        let y = 1 + (hi - (lo - q))
        let n = Int(k)
        if n < -1021 { return (y * twoTo(n + 1000)) * 0x1p-1000 }
        if n > 1023 { return (y * twoTo(n - 2)) * 4 }
        return y * twoTo(n)
    }

    // MARK: log and log1p

    /// 2/(2j+1) for j = 1 … 10: log(1+f) = 2·atanh(s) with s = f/(2+f), |s| ≤ 0.1716 (truncation < 10⁻¹⁸).
    @usableFromInline static let atanhCoefficients: [Double] = (1...10).map { 2 / Double(2 * $0 + 1) }

    /// e·ln 2 + log(1 + f) + c for |f| ≤ √2 − 1 and a small correction c, as
    /// e·ln2Hi + (f − (f²/2 − (s·(f²/2 + R) + (e·ln2Lo + c)))), R = Σ 2s^(2j)/(2j+1).
    @inlinable @inline(__always) static func logCore(exponent e: Int, f: Double, correction c: Double) -> Double {
        let half = 0.5 * f * f
        let s = f / (2 + f)
        let z = s * s
        var r = 0.0
        atanhCoefficients.withUnsafeBufferPointer { a in
            r = a[9]
            for j in stride(from: 8, through: 0, by: -1) { r = r * z + a[j] }
        }
        r = r * z
        let ek = Double(e)
        return ek * ln2Hi + (f - (half - (s * (half + r) + (ek * ln2Lo + c))))
    }

    /// u = 2^e · m with m in [√2/2, √2), for a positive normal u.
    @inlinable @inline(__always) static func split(_ u: Double) -> (e: Int, m: Double) {
        let bits = u.bitPattern
        var e = Int((bits >> 52) & 0x7ff) - 1023
        var m = Double(bitPattern: (bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000)
        if m > 0x1.6a09e667f3bcdp0 { m *= 0.5; e += 1 }
        return (e, m)
    }

    /// ln(1 + x) for Double.
    @inlinable public static func log1p(_ x: Double) -> Double {
        if x.isNaN || x == .infinity { return x }
        if x <= -1 { return x == -1 ? -.infinity : .nan }
        if Swift.abs(x) < 0x1p-29 { return x - x * x * 0.5 }  // the next term, x³/3, is below half an ulp
        if x > -0.2928932188134524 && x < 0.41421356237309503 {  // 1 + x in [√2/2, √2]: no reduction
            return logCore(exponent: 0, f: x, correction: 0)
        }
        let u = 1 + x
        // ln(1+x) = ln u + (1+x−u)/u to first order; 1+x−u is exact (the smaller operand's rounding error).
        let c = x >= 0x1p53 ? 0 : (x < 1 ? x - (u - 1) : 1 - (u - x)) / u
        let (e, m) = split(u)
        return logCore(exponent: e, f: m - 1, correction: c)
    }

    /// ln(1 + x) for Float: the Double function (within 1 ulp of Double), rounded once.
    @inlinable public static func log1p(_ x: Float) -> Float { Float(log1p(Double(x))) }

    /// ln x for Double.
    @inlinable public static func log(_ x: Double) -> Double {
        if x.isNaN || x == .infinity { return x }
        if x <= 0 { return x == 0 ? -.infinity : .nan }
        if x < 0x1p-1022 {  // subnormal: scale into the normal range first
            let (e, m) = split(x * 0x1p54)
            return logCore(exponent: e - 54, f: m - 1, correction: 0)
        }
        let (e, m) = split(x)
        return logCore(exponent: e, f: m - 1, correction: 0)
    }

    // MARK: cos(πx) and integer powers

    /// (−1)^j / (2j+1)! and (−1)^j / (2j)! for the Taylor series of sin and cos on |θ| ≤ π/4.
    @usableFromInline static let sinCoefficients: [Double] = (0...8).map { j in
        (j % 2 == 0 ? 1 : -1) / (1...(2 * j + 1)).reduce(1.0) { $0 * Double($1) }
    }
    @usableFromInline static let cosCoefficients: [Double] = (1...9).map { j in
        (j % 2 == 0 ? 1 : -1) / (1...(2 * j)).reduce(1.0) { $0 * Double($1) }
    }

    /// cos(π·x): 2|x| = n + t exactly with n an integer and |t| ≤ ½, then ±cos or ±sin of θ = t·π/2 by
    /// the quadrant n mod 4.
    @inlinable public static func cosPi(_ x: Double) -> Double {
        guard x.isFinite else { return .nan }
        let y = Swift.abs(x) * 2
        guard y < 0x1p52 else {  // y is an integer: cos(π·y/2) is 1, 0, −1 or 0 as y mod 4 is 0, 1, 2, 3
            let quarter = y < 0x1p62 ? Int64(y) & 3 : 0
            return quarter == 0 ? 1 : quarter == 2 ? -1 : 0
        }
        let n = (y + shifter) - shifter
        let t = y - n
        let theta = t * (Double.pi / 2)
        let z = theta * theta
        var value: Double
        let quadrant = Int(n) & 3
        if quadrant & 1 == 0 {
            var c = 0.0
            cosCoefficients.withUnsafeBufferPointer { k in
                c = k[8]
                for j in stride(from: 7, through: 0, by: -1) { c = c * z + k[j] }
            }
            value = 1 + c * z
        } else {
            var s = 0.0
            sinCoefficients.withUnsafeBufferPointer { k in
                s = k[8]
                for j in stride(from: 7, through: 1, by: -1) { s = s * z + k[j] }
            }
            value = theta + theta * (s * z)
        }
        switch quadrant {
        case 0: return value
        case 1: return -value
        case 2: return -value
        default: return value
        }
    }

    /// x^n for an integer n ≥ 0 by repeated squaring: a fixed sequence of multiplications.
    @inlinable public static func power(_ x: Double, _ n: Int) -> Double {
        precondition(n >= 0, "power takes a non-negative exponent")
        var result = 1.0, base = x, e = n
        while e > 0 {
            if e & 1 == 1 { result *= base }
            e >>= 1
            if e > 0 { base *= base }
        }
        return result
    }
}
