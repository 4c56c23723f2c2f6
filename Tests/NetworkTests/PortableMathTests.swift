import Foundation
import XCTest
@testable import Network

/// (c) flow's own elementary functions against glibc's in higher precision (Double for the Float
/// functions, Float80 for the Double ones): the largest error over many points, in ulps of the result.
final class PortableMathTests: XCTestCase {
    /// |x − reference| in ulps of Float at the reference (the ulp of the smallest normal below it).
    func floatULPs(_ x: Float, _ reference: Double) -> Double {
        let r = Float(reference)
        let ulp = r.isFinite ? max(r.ulp, Float.leastNonzeroMagnitude) : Float.greatestFiniteMagnitude.ulp
        return abs(Double(x) - reference) / Double(ulp)
    }

    func doubleULPs(_ x: Double, _ reference: Float80) -> Double {
        let r = Double(reference)
        let ulp = r.isFinite ? max(r.ulp, Double.leastNonzeroMagnitude) : Double.greatestFiniteMagnitude.ulp
        return Double(abs(Float80(x) - reference) / Float80(ulp))
    }

    func testFloatExpWithinOneULP() {
        var g = TestGenerator(state: 11)
        var worst = 0.0, at: Float = 0
        for i in 0..<1_000_000 {
            // The whole finite range, and half the points in the range activations and losses see.
            let x = Float(i % 2 == 0 ? g.uniform(-103.9, 88.72) : g.uniform(-20, 20))
            let e = floatULPs(PortableMath.exp(x), Foundation.exp(Double(x)))
            if e > worst { (worst, at) = (e, x) }
        }
        XCTAssertLessThanOrEqual(worst, 1, "worst at \(at)")
        print("note: Float exp: largest error \(worst) ulp (at \(at))")
        XCTAssertEqual(PortableMath.exp(Float(0)), 1)
        XCTAssertEqual(PortableMath.exp(Float(89)), .infinity)
        XCTAssertEqual(PortableMath.exp(Float.infinity), .infinity)
        XCTAssertEqual(PortableMath.exp(-Float.infinity), 0)
        XCTAssertEqual(PortableMath.exp(Float(-104)), 0)
        XCTAssertTrue(PortableMath.exp(Float.nan).isNaN)
        XCTAssertEqual(PortableMath.exp(Float(88.72)), expf(88.72))  // near overflow
        XCTAssertEqual(PortableMath.exp(Float(-103)), expf(-103))  // subnormal
    }

    func testDoubleExpWithinOneULP() {
        var g = TestGenerator(state: 12)
        var worst = 0.0, at = 0.0
        for i in 0..<500_000 {
            let x = i % 2 == 0 ? g.uniform(-745, 709.78) : g.uniform(-20, 20)
            let e = doubleULPs(PortableMath.exp(x), expl(Float80(x)))
            if e > worst { (worst, at) = (e, x) }
        }
        XCTAssertLessThanOrEqual(worst, 1, "worst at \(at)")
        print("note: Double exp: largest error \(worst) ulp (at \(at))")
        XCTAssertEqual(PortableMath.exp(0.0), 1)
        XCTAssertEqual(PortableMath.exp(710.0), .infinity)
        XCTAssertEqual(PortableMath.exp(709.78), Foundation.exp(709.78))
        XCTAssertEqual(PortableMath.exp(-746.0), 0)
        XCTAssertEqual(PortableMath.exp(-744.5), Foundation.exp(-744.5))  // a subnormal result
        XCTAssertTrue(PortableMath.exp(Double.nan).isNaN)
    }

    func testLog1pWithinOneULP() {
        var g = TestGenerator(state: 13)
        var worstFloat = 0.0, atFloat: Float = 0, worstDouble = 0.0, atDouble = 0.0
        for i in 0..<500_000 {
            // Where the BCE loss evaluates it, (0, 1]; around the reduction's thresholds; and far out.
            let x: Double
            switch i % 4 {
            case 0: x = g.uniform(0, 1)
            case 1: x = g.uniform(-1, 1)
            case 2: x = g.uniform(-0.35, 0.5)
            default: x = Foundation.exp(g.uniform(-60, 700)) * (g.next() % 2 == 0 ? 1 : -1e-300)
            }
            guard x > -1 else { continue }
            let f = Float(x)
            if f > -1 {
                let e = floatULPs(PortableMath.log1p(f), Foundation.log1p(Double(f)))
                if e > worstFloat { (worstFloat, atFloat) = (e, f) }
            }
            let e = doubleULPs(PortableMath.log1p(x), log1pl(Float80(x)))
            if e > worstDouble { (worstDouble, atDouble) = (e, x) }
        }
        XCTAssertLessThanOrEqual(worstFloat, 1, "Float worst at \(atFloat)")
        XCTAssertLessThanOrEqual(worstDouble, 1, "Double worst at \(atDouble)")
        print("note: log1p: largest error Float \(worstFloat) ulp (at \(atFloat)), Double \(worstDouble) ulp (at \(atDouble))")
        XCTAssertEqual(PortableMath.log1p(0.0).bitPattern, (0.0).bitPattern)
        XCTAssertEqual(PortableMath.log1p(-0.0).bitPattern, (-0.0).bitPattern)
        XCTAssertEqual(PortableMath.log1p(-1.0), -.infinity)
        XCTAssertTrue(PortableMath.log1p(-1.5).isNaN)
        XCTAssertEqual(PortableMath.log1p(Double.infinity), .infinity)
        XCTAssertEqual(PortableMath.log1p(1e-300), 1e-300)
        XCTAssertEqual(PortableMath.log1p(Double.greatestFiniteMagnitude), Foundation.log1p(Double.greatestFiniteMagnitude))
        XCTAssertEqual(PortableMath.log1p(Float(1)), Float(Foundation.log(2.0)))
    }

    func testLogWithinOneULP() {
        var g = TestGenerator(state: 14)
        var worst = 0.0, at = 0.0
        for i in 0..<500_000 {
            // Box–Muller's uniforms in (0, 1), and any positive double (subnormals too).
            let x = i % 2 == 0 ? g.uniform(0x1p-54, 1) : Double(bitPattern: g.next() % 0x7FEF_FFFF_FFFF_FFFF + 1)
            let e = doubleULPs(PortableMath.log(x), logl(Float80(x)))
            if e > worst { (worst, at) = (e, x) }
        }
        XCTAssertLessThanOrEqual(worst, 1, "worst at \(at)")
        print("note: log: largest error \(worst) ulp (at \(at))")
        XCTAssertEqual(PortableMath.log(1.0).bitPattern, (0.0).bitPattern)
        XCTAssertEqual(PortableMath.log(0.0), -.infinity)
        XCTAssertTrue(PortableMath.log(-1.0).isNaN)
    }

    func testCosPi() {
        var g = TestGenerator(state: 15)
        var worst = 0.0, at = 0.0
        for _ in 0..<500_000 {
            // Initialisation asks for cos(2πu), u in (0, 1); the cosine schedule for cos(π·e/E), in [0, 1].
            let x = g.uniform(-2, 2)
            let reference = cosl(Float80.pi * Float80(x))
            // Near a zero, π·x itself is uncertain by an ulp of π·x: measure in ulps of 1 there.
            let e = Double(abs(Float80(PortableMath.cosPi(x)) - reference)) / max(abs(Double(reference)), 0.25).ulp
            if e > worst { (worst, at) = (e, x) }
        }
        XCTAssertLessThanOrEqual(worst, 2, "worst at \(at)")
        print("note: cosPi: largest error \(worst) ulp (at \(at))")
        XCTAssertEqual(PortableMath.cosPi(0), 1)
        XCTAssertEqual(PortableMath.cosPi(0.5), 0)
        XCTAssertEqual(PortableMath.cosPi(1), -1)
        XCTAssertEqual(PortableMath.cosPi(-1), -1)
        XCTAssertEqual(PortableMath.cosPi(2), 1)
        XCTAssertEqual(PortableMath.cosPi(1.5), 0)
        XCTAssertEqual(PortableMath.cosPi(0x1p52 + 1), -1)
        XCTAssertEqual(PortableMath.cosPi(0x1p53 + 2), 1)
        XCTAssertEqual(PortableMath.cosPi(1.0 / 3), 0.5, accuracy: 1e-16)
    }

    func testPower() {
        XCTAssertEqual(PortableMath.power(0.5, 10), 0x1p-10)
        XCTAssertEqual(PortableMath.power(3, 0), 1)
        XCTAssertEqual(PortableMath.power(-2, 5), -32)
        // Each squaring doubles the relative error so far: within about n ulps.
        for n in [1, 2, 7, 100, 1000, 100_000] {
            for x in [0.999, 0.9] {
                let reference = Foundation.pow(x, Double(n))
                XCTAssertEqual(PortableMath.power(x, n), reference, accuracy: Double(n + 1) * 0x1p-52 * reference, "\(x)^\(n)")
            }
        }
    }

    /// The network's hooks are the portable functions.
    func testActivationsUseThePortableFunctions() {
        XCTAssertEqual(Float.exponential(1.5), PortableMath.exp(Float(1.5)))
        XCTAssertEqual(Double.logOnePlus(0.25), PortableMath.log1p(0.25))
        XCTAssertEqual(Activation.sigmoid.apply(Float(0)), 0.5)
    }
}
