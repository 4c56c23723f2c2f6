import EventData
import Random
@testable import TopGenerator
import XCTest

/// The golden values of `physics-generator.md`, to the tolerances it states.
final class GoldenValueTests: XCTestCase {
    func assertRelative(_ a: Double, _ b: Double, _ tolerance: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThanOrEqual(abs(a - b), tolerance * abs(b), "\(what): \(a) vs \(b)", file: file, line: line)
    }

    func testCounterRNGWords() {
        let key = CounterRNG.eventKey(CounterRNG.streamKey(seed: 20_200_615, stream: 1), 0)
        XCTAssertEqual(CounterRNG.mix64(key ^ 0), 0xbcda_9a7a_1926_8953)
        let expected = [0.7377106235591333, 0.40236036407814574, 0.5927072375025333, 0.5273339986935635]
        for (j, u) in expected.enumerated() {
            XCTAssertEqual(CounterRNG.uniform(key, UInt64(j)), u, "u(1,0,\(j))")
        }
    }

    func testLuminosityAndCoupling() {
        assertRelative(Physics.gluon(0.01), 881.548, 1e-6, "G(0.01)")
        assertRelative(Physics.gluon(0.05), 41.1743, 1e-6, "G(0.05)")
        assertRelative(Physics.gluon(0.2), 0.899491, 1e-6, "G(0.2)")
        for (m, value) in [(350.0, 61385.0), (400, 34541), (500, 12863), (700, 2677.2), (1000, 438.61)] {
            assertRelative(Physics.luminosity(m), value, 1e-4, "dL/dτ at \(m)")
        }
        assertRelative(Physics.alphaS(200), 0.10601, 1e-4, "α_s(200)")
    }

    func testLoopFunction() {
        let a = Partonic.loop(400)
        XCTAssertEqual(a.re, 1.604375, accuracy: 1e-6)
        XCTAssertEqual(a.im, 1.302707, accuracy: 1e-6)
    }

    func testPartonicCrossSectionsAndSpinCorrelations() {
        let rows: [(m: Double, z: Double, sm: Double, res: Double, int: Double, c: [Double])] = [
            (450, 0.5, 1.508134e-8, 9.664353e-11, -5.623822e-10, [0.016767, -0.326035, -0.428664, 0.151736]),
            (400, -0.3, 1.182524e-8, 5.180256e-9, -3.863837e-9, [-0.136358, -0.451425, -0.622612, -0.085460]),
            (380, 0.9, 1.260447e-8, 3.466048e-10, 1.206460e-9, [-0.645405, -0.657666, -0.883197, 0.022984]),
        ]
        let a = Pseudoscalar()
        for row in rows {
            let alphaS = Physics.alphaS(row.m / 2)
            assertRelative(Partonic.sm(row.m, row.z, alphaS: alphaS), row.sm, 1e-6, "SM at \(row.m), \(row.z)")
            assertRelative(Partonic.resonance(row.m, row.z, alphaS: alphaS, a), row.res, 1e-6, "RES at \(row.m), \(row.z)")
            assertRelative(Partonic.interference(row.m, row.z, alphaS: alphaS, a), row.int, 1e-6, "INT at \(row.m), \(row.z)")
            let c = Partonic.spinCorrelations(row.m, row.z)
            for (got, want) in zip([c.rr, c.nn, c.kk, c.rk], row.c) { XCTAssertEqual(got, want, accuracy: 1e-6) }
        }
    }

    func testLeptonAngleInversion() {
        XCTAssertEqual(TopDecay.f0, 0.69712, accuracy: 1e-5)
        XCTAssertEqual(TopDecay.inverseCDF(0.5), -0.174185, accuracy: 1e-6)
        XCTAssertEqual(TopDecay.q, 67.513, accuracy: 1e-3)
        XCTAssertEqual(TopDecay.wEnergy, 104.987, accuracy: 1e-3)
    }

    func testFastInversionEqualsTheBisectionBitForBit() {
        let key = CounterRNG.streamKey(seed: 99, stream: 7)
        var checked = 0
        for i in 0..<300_000 {
            let u = CounterRNG.uniform(CounterRNG.eventKey(key, UInt64(i)), 0)
            XCTAssertEqual(TopDecay.inverseCDF(u).bitPattern, TopDecay.bisectionInverseCDF(u).bitPattern, "u = \(u)")
            checked += 1
        }
        for u in [1e-300, 0x1p-53, 0.5, 1 - 0x1p-53, 0.999999999] {
            XCTAssertEqual(TopDecay.inverseCDF(u).bitPattern, TopDecay.bisectionInverseCDF(u).bitPattern, "u = \(u)")
        }
        XCTAssertEqual(checked, 300_000)
    }

    func testGoldenEvents() {
        let golden: [(ProcessKind, Int, [Double])] = [
            (.smTTbar, 0, [434.349957274, 0.223509649, 0.054667997, 0.123114759, 20.13121811]),
            (.resonance, 0, [413.179917496, -1.619821839, -0.862094046, 0.093225653, 0.6127081754]),
            (.interference, 1, [400.286676086, -1.016422964, -0.711271249, -0.878195341, -0.3769715180]),
        ]
        for (process, index, values) in golden {
            let events = 4
            let table = Generator(GeneratorSettings(process: process, events: events)).generate()
            let got = [table["mtt"]![index], table["ytt"]![index], table["cos_theta_star"]![index], table["chel"]![index],
                       table["weight"]![index] * Double(events)]
            for (name, (a, b)) in zip(["m_tt", "y", "cos θ*", "c_hel", "w·N"], zip(got, values)) {
                assertRelative(a, b, 1e-6, "\(process.rawValue) event \(index) \(name)")
            }
        }
    }

    func testFourVectorsCloseAndCHelFromLabMomentaAgrees() throws {
        let table = Generator(GeneratorSettings(process: .smTTbar, events: 2000, allParticles: true)).generate()
        func vectors(_ p: String) -> [FourVector] {
            (0..<table.rowCount).map { FourVector(table["\(p)_E"]![$0], table["\(p)_px"]![$0], table["\(p)_py"]![$0], table["\(p)_pz"]![$0]) }
        }
        let t = vectors("t"), tbar = vectors("tbar"), lp = vectors("lp"), lm = vectors("lm")
        let b = vectors("b"), bbar = vectors("bbar"), nu = vectors("nu"), nubar = vectors("nubar")
        let chel = table["chel"]!, mtt = table["mtt"]!
        for i in 0..<table.rowCount {
            XCTAssertEqual(Kinematics.cHel(top: t[i], antitop: tbar[i], leptonPlus: lp[i], leptonMinus: lm[i]), chel[i], accuracy: 1e-9)
            XCTAssertEqual(t[i].mass, 172.5, accuracy: 1e-6)
            XCTAssertEqual((b[i] + lp[i] + nu[i]).mass, 172.5, accuracy: 1e-6)
            XCTAssertEqual((bbar[i] + lm[i] + nubar[i]).mass, 172.5, accuracy: 1e-6)
            XCTAssertEqual((lp[i] + nu[i]).mass, 80.4, accuracy: 1e-6)
            XCTAssertEqual((t[i] + tbar[i]).mass, mtt[i], accuracy: 1e-6 * mtt[i])
            let all = b[i] + lp[i] + nu[i] + bbar[i] + lm[i] + nubar[i]
            XCTAssertEqual(all.px, 0, accuracy: 1e-8)
            XCTAssertEqual(all.py, 0, accuracy: 1e-8)
        }
    }

    func testSameSeedIsBitIdenticalForAnyThreadCountAndOtherSeedsDiffer() throws {
        let one = Generator(GeneratorSettings(process: .interference, events: 50_000, threads: 1)).generate()
        let two = Generator(GeneratorSettings(process: .interference, events: 50_000, threads: 2)).generate()
        let eight = Generator(GeneratorSettings(process: .interference, events: 50_000, threads: 8)).generate()
        XCTAssertEqual(NPY.encode(one), NPY.encode(two))
        XCTAssertEqual(NPY.encode(one), NPY.encode(eight))
        let other = Generator(GeneratorSettings(process: .interference, events: 50_000, seed: 1, threads: 2)).generate()
        XCTAssertNotEqual(one["weight"]!, other["weight"]!)
    }
}
