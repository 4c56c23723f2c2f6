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
        let file = try sample()
        XCTAssertEqual(file.weightIDs, ["mur2", "muf2", "w0", "w1", "w2"])
        XCTAssertEqual(file.declaredWeightIDs, ["mur2"])
        XCTAssertEqual(file.namedWeights(ofEvent: 0).map(\.0), ["mur2", "muf2"])
        XCTAssertEqual(file.namedWeights(ofEvent: 0).map(\.1), [1.5, 2.5])
        XCTAssertEqual(file.namedWeights(ofEvent: 1).map(\.0), ["w0", "w1", "w2"], "more values than <initrwgt> declares: named by place")
        XCTAssertEqual(file.namedWeights(ofEvent: 1).map(\.1), [0.5, 0.25, 0.125])
        XCTAssertTrue(file.namedWeights(ofEvent: 2).isEmpty, "\(file.namedWeights(ofEvent: 2))")
        XCTAssertEqual(file.namedWeight("mur2")?.firstMissing, 1)
        XCTAssertEqual(file.namedWeight("w0")?.firstMissing, 0)
        XCTAssertEqual(file.namedWeight("mur2")?.values.first, 1.5)
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

    /// New weights replace XWGTUP; each process whose events changed has its cross section, error and
    /// maximum weight scaled by its new over old sum of weights; every other byte is as it was, and an
    /// unchanged weight keeps its text. Numbers are written as generators do: signed, 11 significant digits.
    func testRewrittenCopyChangesOnlyTheWeightsAndTheInitBlock() throws {
        let file = try sample()
        // Process 1 (events 0 and 2): old sum 2 + 3 = 5, new sum 4 + 7 = 11, so the scale is 2.2.
        // Process 2 (event 1): weight unchanged, so its line keeps its D exponents.
        let rewritten = String(decoding: try file.rewritten(weights: [4, 1.5, 7]), as: UTF8.self)
        let expected = Self.sample
            .replacingOccurrences(of: " 2 1 +2.0e+00 ", with: " 2 1 +4.0000000000e+00 ")
            .replacingOccurrences(of: " 1 1 +3.0e+00 ", with: " 1 1 +7.0000000000e+00 ")
            .replacingOccurrences(of: "+1.0000000000e+01 +5.0000000000e-01 +3.0000000000e+00 1\n",
                                  with: "+2.2000000000e+01 +1.1000000000e+00 +6.6000000000e+00 1\n")
        XCTAssertNotEqual(expected, Self.sample)
        XCTAssertEqual(rewritten, expected)

        let again = try LHEFile(bytes: Array(rewritten.utf8), file: "rewritten.lhe")
        XCTAssertEqual(again.events.map(\.weight), [4, 1.5, 7])
        XCTAssertEqual(again.processes.map(\.crossSection), [22, 20])
        XCTAssertEqual(again.processes.map(\.error), [1.1, 1])
        XCTAssertEqual(again.processes.map(\.maximumWeight), [6.6, 4], "XMAXUP scaled, not replaced by the largest weight")
        XCTAssertEqual(again.namedWeights(ofEvent: 0).map(\.1), [1.5, 2.5], "named weights are not touched")
    }

    func testANegativeScaleKeepsTheErrorAndMaximumPositive() throws {
        // Process 1: old sum 5, new sum −1 + −4 = −5, scale −1.
        let again = try LHEFile(bytes: try sample().rewritten(weights: [-1, 1.5, -4]), file: "negative.lhe")
        XCTAssertEqual(again.processes[0].crossSection, -10)
        XCTAssertEqual(again.processes[0].error, 0.5)
        XCTAssertEqual(again.processes[0].maximumWeight, 3)
    }

    /// Unchanged weights give the file back byte for byte, `<init>` included (its D exponents too).
    func testUnchangedWeightsGiveTheSameBytes() throws {
        let file = try sample()
        XCTAssertEqual(try file.rewritten(weights: [2, 1.5, 3]), Array(Self.sample.utf8))
    }

    /// POWHEG writes IDWTUP = -4 … and XMAXUP = 1: scaled by the same factor as XSECUP, it stays what it was
    /// relative to the cross section (a largest |w| would be 5.0e+03, the convention lost).
    func testXMAXUPKeepsTheGeneratorsConvention() throws {
        let text = Self.sample.replacingOccurrences(of: "+1.0000000000e+01 +5.0000000000e-01 +3.0000000000e+00 1",
                                                    with: "+1.0000000000e+01 +5.0000000000e-01 +1.0000000000e+00 1")
        let file = try LHEFile(bytes: Array(text.utf8), file: "powheg.lhe")
        let again = try LHEFile(bytes: try file.rewritten(weights: [2, 1.5, 5003]), file: "again.lhe")
        XCTAssertEqual(again.processes[0].maximumWeight, 1001, accuracy: 1e-9, "1 × (2 + 5003)/(2 + 3)")
    }

    /// `rescale` multiplies each changed event's named weights by w′/w, in both forms; `keep` leaves them.
    func testNamedWeightsAreRescaledWhenAsked() throws {
        let file = try sample()
        let kept = try LHEFile(bytes: try file.rewritten(weights: [-4, 3, 3]), file: "kept.lhe")
        XCTAssertEqual(kept.namedWeights(ofEvent: 0).map(\.1), [1.5, 2.5])
        XCTAssertEqual(kept.namedWeights(ofEvent: 1).map(\.1), [0.5, 0.25, 0.125])
        let bytes = try file.rewritten(weights: [-4, 3, 3], namedWeights: .rescale)
        let scaled = try LHEFile(bytes: bytes, file: "scaled.lhe")
        XCTAssertEqual(scaled.namedWeights(ofEvent: 0).map(\.1), [-3, -5], "× −4/2")
        XCTAssertEqual(scaled.namedWeights(ofEvent: 1).map(\.1), [1, 0.5, 0.25], "× 3/1.5")
        XCTAssertEqual(scaled.events.map(\.weight), [-4, 3, 3])
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("<wgt id='mur2'> -3.0000000000e+00 </wgt>"), text)
        XCTAssertTrue(text.contains("<weights>\n+1.0000000000e+00 +5.0000000000e-01\n+2.5000000000e-01\n</weights>"), text)
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
