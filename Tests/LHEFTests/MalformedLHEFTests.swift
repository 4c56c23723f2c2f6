import Foundation
import XCTest
import LHEF

/// Damaged LHE files (some first found by `make fuzz`) give errors naming the file and line, never a trap.
final class MalformedLHEFTests: XCTestCase {
    func lhe(nprup: String = "1", processID: String = "1", nup: String = "1") -> [UInt8] {
        Array("""
        <LesHouchesEvents version="3.0">
        <init>
        2212 2212 6.5e+03 6.5e+03 0 0 303600 303600 -4 \(nprup)
        +5.0e+02 +1.2e+00 +5.0e+02 \(processID)
        </init>
        <event>
         \(nup) 1 +5.0e+02 1.7e+02 7.5e-03 1.1e-01
               21 -1    0    0  501  502 +0.0e+00 +0.0e+00 +5.0e+02 5.0e+02 0.0e+00 0. 9.
        </event>
        </LesHouchesEvents>

        """.utf8)
    }

    /// fuzz-lhe: a negative NPRUP trapped on the range `0..<NPRUP`.
    func testNegativeCountsAreErrors() throws {
        XCTAssertEqual(try LHEFile(bytes: lhe(), file: "ok.lhe").events.count, 1)
        XCTAssertThrowsError(try LHEFile(bytes: lhe(nprup: "-4"), file: "bad.lhe")) { error in
            XCTAssertEqual("\(error)", "bad.lhe:2: the <init> block's first line needs 10 numbers (beams, PDFs, IDWTUP, NPRUP)")
        }
        XCTAssertThrowsError(try LHEFile(bytes: lhe(nup: "-1"), file: "bad.lhe")) { error in
            XCTAssertEqual("\(error)", "bad.lhe:6: an event's first line needs NUP IDPRUP XWGTUP SCALUP AQEDUP AQCDUP")
        }
    }

    /// Process ids too large (or not whole) for an integer trapped on `Int(Double)`.
    func testProcessIDsMustBeWholeNumbers() {
        XCTAssertThrowsError(try LHEFile(bytes: lhe(processID: "1e300"), file: "bad.lhe")) { error in
            XCTAssertEqual("\(error)", "bad.lhe:4: '1e300' is not a whole number")
        }
        XCTAssertThrowsError(try LHEFile(bytes: lhe(processID: "nan"), file: "bad.lhe")) { error in
            XCTAssertEqual("\(error)", "bad.lhe:4: 'nan' is not a whole number")
        }
    }

    func message(_ text: String, file: String = "bad.lhe") -> String? {
        do {
            _ = try LHEFile(bytes: Array(text.utf8), file: file)
            return nil
        } catch {
            XCTAssertTrue(error is LHEFError, "\(error)")
            return "\(error)"
        }
    }

    func testWhatIsNotAnLHEFileIsNamed() {
        XCTAssertEqual(message("hello\n"), "bad.lhe: no <LesHouchesEvents> element: not an LHE file")
        XCTAssertEqual(message(""), "bad.lhe: no <LesHouchesEvents> element: not an LHE file")
        XCTAssertEqual(message("<LesHouchesEvents version=\"3.0\">\n<initrwgt></initrwgt>\n</LesHouchesEvents>\n"),
                       "bad.lhe:1: no <init> block", "<initrwgt> is not <init>")
        XCTAssertEqual(message("<LesHouchesEvents version=\"3.0\">\n<init>\n2212 2212 6.5e+03 6.5e+03 0 0 1 1 -4 0\n</init>\n</LesHouchesEvents>\n"),
                       "bad.lhe: the file holds no events")
    }

    func testShortBlocksAreErrorsAtTheirLine() {
        let header = "<LesHouchesEvents version=\"3.0\">\n<init>\n2212 2212 6.5e+03 6.5e+03 0 0 1 1 -4 2\n1.0 0.1 1.0 1\n</init>\n"
        // Fewer process lines than NPRUP (GiBUU lists none) are read as they are.
        XCTAssertNil(message(header + "<event>\n1 1 1.0 1 1 1\n21 -1 0 0 0 0 0 0 1 1 0 0 9\n</event>\n</LesHouchesEvents>\n"))
        let one = header.replacingOccurrences(of: "-4 2\n", with: "-4 1\n")
        XCTAssertEqual(message(one + "<event>\n2 1 1.0 1 1 1\n21 -1 0 0 0 0 0 0 1 1 0 0 9\n</event>\n</LesHouchesEvents>\n"),
                       "bad.lhe:6: the event lists fewer than NUP = 2 particles")
        XCTAssertEqual(message(one + "<event>\n1 1 1.0 1 1 1\n21 -1 0 0 0 0 0 0 1 1 0 0 9\n</LesHouchesEvents>\n"),
                       "bad.lhe:6: an <event> without </event>")
        XCTAssertEqual(message(one + "<event>\n1 1 1.0 1 1 1\n21 -1 0 0 0 0 zero 0 1 1 0 0 9\n</event>\n</LesHouchesEvents>\n"),
                       "bad.lhe:8: 'zero' is not a number")
        XCTAssertEqual(message(one + "<event>\n1 1 1.0 1 1 1\n21 -1 0 0 0 0 0 0 1 1 0 0 9\n<rwgt><wgt id='a'>x</wgt></rwgt>\n</event>\n</LesHouchesEvents>\n"),
                       "bad.lhe:9: 'x' is not a number")
    }

    func testUnclosedTagsAreErrorsAtTheirLine() {
        let one = "<LesHouchesEvents version=\"3.0\">\n<init>\n2212 2212 6.5e+03 6.5e+03 0 0 1 1 -4 1\n1.0 0.1 1.0 1\n</init>\n"
        XCTAssertEqual(message(one + "<event>\n1 1 1.0 1 1 1\n21 -1 0 0 0 0 0 0 1 1 0 0 9\n<rwgt>\n<wgt id='a'>1.0\n</rwgt>\n</event>\n"),
                       "bad.lhe:10: a <wgt> without </wgt>")
        XCTAssertEqual(message(one + "<event\n</event>\n"), "bad.lhe:6: an <event> tag without its >")
        XCTAssertEqual(message(one + "<event>\n</event>\n"), "bad.lhe:6: an event's first line needs NUP IDPRUP XWGTUP SCALUP AQEDUP AQCDUP")
    }

    /// fuzz-lhe: a `<wgt>` without an id, placed after as many weights as `<initrwgt>` declares, trapped
    /// on the declared ids' index; it is named by its place.
    func testAWeightWithoutAnIDIsNamedByItsPlace() throws {
        let text = "<LesHouchesEvents version=\"3.0\">\n<header>\n<initrwgt><weight id='1001'>x</weight></initrwgt>\n</header>\n<init>\n"
            + "2212 2212 6.5e+03 6.5e+03 0 0 1 1 -4 1\n1.0 0.1 1.0 1\n</init>\n<event>\n1 1 1.0 1 1 1\n21 -1 0 0 0 0 0 0 1 1 0 0 9\n"
            + "<rwgt><wgt id='a'>2.0</wgt><wgt>3.0</wgt></rwgt>\n</event>\n</LesHouchesEvents>\n"
        let file = try LHEFile(bytes: Array(text.utf8), file: "unnamed.lhe")
        XCTAssertEqual(file.namedWeights(ofEvent: 0).map(\.0), ["a", "w1"])
        XCTAssertEqual(file.namedWeights(ofEvent: 0).map(\.1), [2, 3])
    }

    /// Far into a file larger than the reader's window (gzipped or not), a damaged event is named by its
    /// own line: the lines of the text already let go are counted.
    func testLinesAreCountedAcrossTheWholeFile() throws {
        var text = "<LesHouchesEvents version=\"3.0\">\n<init>\n2212 2212 6.5e+03 6.5e+03 0 0 1 1 -4 1\n1.0 0.1 1.0 1\n</init>\n"
        let event = "<event>\n 2 1 +1.0000000000e+00 1 1 1\n 21 -1 0 0 501 502 +0.0000000000e+00 +0.0000000000e+00 +5.0000000000e+02 5.0000000000e+02 0. 0. 9.\n"
            + " 21 -1 0 0 502 501 +0.0000000000e+00 +0.0000000000e+00 -5.0000000000e+02 5.0000000000e+02 0. 0. 9.\n</event>\n"
        for _ in 0..<20_000 { text += event }
        let damagedLine = text.split(separator: "\n", omittingEmptySubsequences: false).count + 3
        text += event.replacingOccurrences(of: "-5.0000000000e+02", with: "-5.0000000000x+02") + "</LesHouchesEvents>\n"
        XCTAssertGreaterThan(text.utf8.count, 4 << 20)
        XCTAssertEqual(message(text), "bad.lhe:\(damagedLine): '-5.0000000000x+02' is not a number")
        let zipped = try gzip(Array(text.utf8))
        XCTAssertThrowsError(try LHEFile(bytes: zipped, file: "bad.lhe.gz")) { error in
            XCTAssertEqual("\(error)", "bad.lhe.gz:\(damagedLine): '-5.0000000000x+02' is not a number")
        }
        let good = text.replacingOccurrences(of: "-5.0000000000x+02", with: "-5.0000000000e+02")
        let file = try LHEFile(bytes: Array(good.utf8), file: "good.lhe")
        XCTAssertEqual(file.events.count, 20_001)
        XCTAssertEqual(file.particles.pz.reduce(0, +), 0)
    }

    func testDamagedGzipIsAnError() throws {
        let plain = Array("<LesHouchesEvents version=\"3.0\">\n<init>\n2212 2212 6.5e+03 6.5e+03 0 0 1 1 -4 1\n1.0 0.1 1.0 1\n</init>\n<event>\n1 1 1.0 1 1 1\n21 -1 0 0 0 0 0 0 1 1 0 0 9\n</event>\n</LesHouchesEvents>\n".utf8)
        let zipped = try gzip(plain)
        XCTAssertEqual(try LHEFile(bytes: zipped, file: "ok.lhe.gz").events.count, 1)
        XCTAssertThrowsError(try LHEFile(bytes: Array(zipped.prefix(zipped.count / 2)), file: "cut.lhe.gz")) { error in
            XCTAssertEqual("\(error)", "cut.lhe.gz: gzip data ends early")
        }
        var damaged = zipped
        damaged[12] ^= 0xFF  // inside the deflate stream
        damaged[13] ^= 0xFF
        XCTAssertThrowsError(try LHEFile(bytes: damaged, file: "bad.lhe.gz")) { error in
            XCTAssertTrue("\(error)".hasPrefix("bad.lhe.gz: "), "\(error)")
        }
    }

    func testMissingFileIsAnError() {
        XCTAssertThrowsError(try LHEFile(path: "/nonexistent/events.lhe")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/events.lhe: cannot read the file")
        }
    }
}
