import Foundation
import XCTest
import LHEF
import TestSupport

/// Reading Les Houches event files, and writing copies with new weights that change nothing else.
final class LHEFileTests: XCTestCase {
    /// Two processes (one written with Fortran `D` exponents), three events: named weights in LHEF 3's
    /// `<rwgt>` form, in the positional `<weights>` form, and none; a header with `<initrwgt>` before `<init>`.
    static let sample = """
    <LesHouchesEvents version="3.0">
    <header>
    <initrwgt>
    <weightgroup name="scale">
    <weight id="mur2"> muR=2 </weight>
    </weightgroup>
    </initrwgt>
    </header>
    <init>
    2212 2212 6.5e+03 6.5e+03 0 0 303600 303600 -4 2
    +1.0000000000e+01 +5.0000000000e-01 +3.0000000000e+00 1
    +2.0D+01 +1.0D+00 +4.0D+00 2
    </init>
    <event>
     2 1 +2.0e+00 1.7e+02 7.5e-03 1.1e-01
           21 -1    0    0  501  502 +0.0e+00 +0.0e+00 +5.0e+02 5.0e+02 0.0e+00 0. 9.
           21 -1    0    0  502  501 +0.0e+00 +0.0e+00 -4.0e+02 4.0e+02 0.0e+00 0. 9.
    <rwgt>
    <wgt id='mur2'> 1.5e+00 </wgt>
    <wgt id="muf2">2.5e+00</wgt>
    </rwgt>
    </event>
    <event>
     1 2 1.5000E+00 1.7e+02 7.5e-03 1.1e-01
            6  1    1    2  501    0 +1.0e+01 -2.0e+01 +3.0e+01 1.8e+02 1.73e+02 0. 9.
    <weights>
    0.5 0.25
    0.125
    </weights>
    </event>
    <event id="3">
     1 1 +3.0e+00 1.7e+02 7.5e-03 1.1e-01
           -6  1    1    2    0  501 -1.0e+01 +2.0e+01 -3.0e+01 1.8e+02 1.73e+02 0. 9.
    </event>
    </LesHouchesEvents>

    """

    var directory: String!

    override func setUpWithError() throws { directory = try temporaryDirectory("flow-lhef") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    func sample() throws -> LHEFile { try LHEFile(bytes: Array(Self.sample.utf8), file: "sample.lhe") }

    func testProcessesAndEvents() throws {
        let file = try sample()
        XCTAssertFalse(file.gzipped)
        XCTAssertEqual(file.processes.map(\.id), [1, 2])
        XCTAssertEqual(file.processes.map(\.crossSection), [10, 20])
        XCTAssertEqual(file.processes.map(\.error), [0.5, 1])
        XCTAssertEqual(file.processes.map(\.maximumWeight), [3, 4])
        XCTAssertEqual(file.events.map(\.processID), [1, 2, 1])
        XCTAssertEqual(file.events.map(\.weight), [2, 1.5, 3])
    }

    func testNamedWeightsInBothFormsStayWithTheirEvent() throws {
        let events = try sample().events
        XCTAssertEqual(events[0].namedWeights.map(\.0), ["mur2", "muf2"])
        XCTAssertEqual(events[0].namedWeights.map(\.1), [1.5, 2.5])
        XCTAssertEqual(events[1].namedWeights.map(\.0), ["w0", "w1", "w2"])
        XCTAssertEqual(events[1].namedWeights.map(\.1), [0.5, 0.25, 0.125])
        XCTAssertTrue(events[2].namedWeights.isEmpty, "\(events[2].namedWeights)")
    }

    func testParticleColumns() throws {
        let file = try sample()
        XCTAssertEqual(file.events.map(\.particles), [0..<2, 2..<3, 3..<4])
        let p = file.particles
        XCTAssertEqual(p.pdgId, [21, 21, 6, -6])
        XCTAssertEqual(p.status, [-1, -1, 1, 1])
        XCTAssertEqual(p.mother1, [0, 0, 1, 1])
        XCTAssertEqual(p.mother2, [0, 0, 2, 2])
        XCTAssertEqual(p.px, [0, 0, 10, -10])
        XCTAssertEqual(p.py, [0, 0, -20, 20])
        XCTAssertEqual(p.pz, [500, -400, 30, -30])
        XCTAssertEqual(p.e, [500, 400, 180, 180])
        XCTAssertEqual(p.mass, [0, 0, 173, 173])
    }

    func testAFileOnDiskAndGzippedByGzipReadsTheSame() throws {
        let plain = directory + "/events.lhe", zipped = directory + "/events.lhe.gz"
        try Data(Self.sample.utf8).write(to: URL(fileURLWithPath: plain))
        try Data(gzip(Array(Self.sample.utf8))).write(to: URL(fileURLWithPath: zipped))
        let a = try LHEFile(path: plain), b = try LHEFile(path: zipped)
        XCTAssertFalse(a.gzipped)
        XCTAssertTrue(b.gzipped)
        XCTAssertEqual(b.path, zipped)
        XCTAssertEqual(a.events.map(\.weight), b.events.map(\.weight))
        XCTAssertEqual(a.particles.pz, b.particles.pz)
        XCTAssertEqual(a.processes, b.processes)
    }

    /// gzip files may hold several members one after the other (`cat a.gz b.gz`): they read as one.
    func testConcatenatedGzipMembersReadAsOneFile() throws {
        let bytes = Array(Self.sample.utf8)
        let cut = bytes.count / 2
        let members = try gzip(Array(bytes[..<cut])) + gzip(Array(bytes[cut...]))
        let file = try LHEFile(bytes: members, file: "two-members.lhe.gz")
        XCTAssertEqual(file.events.map(\.weight), [2, 1.5, 3])
        XCTAssertEqual(file.particles.pdgId, [21, 21, 6, -6])
    }

    /// New weights replace XWGTUP; each process's cross section and error scale by its new over old sum
    /// of weights, its maximum becomes the largest new |weight|; every other byte is as it was, and an
    /// unchanged weight keeps its text. Numbers are written as generators do: signed, 11 significant digits.
    func testRewrittenCopyChangesOnlyTheWeightsAndTheInitBlock() throws {
        let file = try sample()
        // Process 1 (events 0 and 2): old sum 2 + 3 = 5, new sum 4 + 6 = 10, so the scale is 2.
        // Process 2 (event 1): weight unchanged, scale 1, maximum now |1.5|.
        let rewritten = String(decoding: try file.rewritten(weights: [4, 1.5, 6]), as: UTF8.self)
        let expected = Self.sample
            .replacingOccurrences(of: " 2 1 +2.0e+00 ", with: " 2 1 +4.0000000000e+00 ")
            .replacingOccurrences(of: " 1 1 +3.0e+00 ", with: " 1 1 +6.0000000000e+00 ")
            .replacingOccurrences(of: "+1.0000000000e+01 +5.0000000000e-01 +3.0000000000e+00 1\n",
                                  with: "+2.0000000000e+01 +1.0000000000e+00 +6.0000000000e+00 1\n")
            .replacingOccurrences(of: "+2.0D+01 +1.0D+00 +4.0D+00 2\n",
                                  with: "+2.0000000000e+01 +1.0000000000e+00 +1.5000000000e+00 2\n")
        XCTAssertNotEqual(expected, Self.sample)
        XCTAssertEqual(rewritten, expected)

        let again = try LHEFile(bytes: Array(rewritten.utf8), file: "rewritten.lhe")
        XCTAssertEqual(again.events.map(\.weight), [4, 1.5, 6])
        XCTAssertEqual(again.processes.map(\.crossSection), [20, 20])
        XCTAssertEqual(again.processes.map(\.error), [1, 1])
        XCTAssertEqual(again.processes.map(\.maximumWeight), [6, 1.5])
        XCTAssertEqual(again.events[0].namedWeights.map(\.1), [1.5, 2.5], "named weights are not touched")
    }

    func testANegativeScaleKeepsTheErrorPositive() throws {
        // Process 1: old sum 5, new sum −1 + −4 = −5, scale −1.
        let again = try LHEFile(bytes: try sample().rewritten(weights: [-1, 1.5, -4]), file: "negative.lhe")
        XCTAssertEqual(again.processes[0].crossSection, -10)
        XCTAssertEqual(again.processes[0].error, 0.5)
        XCTAssertEqual(again.processes[0].maximumWeight, 4)
    }

    func testUnchangedWeightsGiveTheSameBytesButForTheInitNumbers() throws {
        let file = try sample()
        let copy = String(decoding: try file.rewritten(weights: [2, 1.5, 3]), as: UTF8.self)
        let original = Self.sample.split(separator: "\n", omittingEmptySubsequences: false)
        let lines = copy.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, original.count)
        let differing = zip(original, lines).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        XCTAssertEqual(differing, [11], "only process 2's line, written with D exponents, is reformatted")
        XCTAssertEqual(lines[11], "+2.0000000000e+01 +1.0000000000e+00 +1.5000000000e+00 2", "its maximum is now the largest weight")
    }

    func testWritingGzipsWhenThePathEndsInGz() throws {
        let file = try sample()
        let plain = directory + "/out.lhe", zipped = directory + "/out.lhe.gz"
        try file.write(weights: [4, 1.5, 6], to: plain)
        try file.write(weights: [4, 1.5, 6], to: zipped)
        let plainBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: plain)))
        let zippedBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: zipped)))
        XCTAssertEqual(plainBytes, try file.rewritten(weights: [4, 1.5, 6]))
        XCTAssertEqual(Array(zippedBytes.prefix(2)), [0x1f, 0x8b])
        XCTAssertEqual(try gunzip(zippedBytes), plainBytes, "gzip itself reads what was written")
        let back = try LHEFile(path: zipped)
        XCTAssertTrue(back.gzipped)
        XCTAssertEqual(back.events.map(\.weight), [4, 1.5, 6])
    }

    func testWrongNumberOfWeightsAndUnwritablePathsAreErrors() throws {
        let file = try sample()
        XCTAssertThrowsError(try file.rewritten(weights: [1, 2])) { error in
            XCTAssertEqual("\(error)", "sample.lhe: 2 new weights for 3 events")
        }
        XCTAssertThrowsError(try file.write(weights: [1, 2, 3], to: directory + "/missing/out.lhe")) { error in
            XCTAssertEqual("\(error)", directory + "/missing/out.lhe: cannot write")
        }
    }
}
