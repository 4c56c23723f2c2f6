import Foundation
import XCTest
@testable import EventData

/// Damaged or ambiguous data files give an error naming the file (and column and row where there is
/// one), never a trap, a huge allocation or a silently wrong value.
final class MalformedFileTests: XCTestCase {
    func csv(_ text: String) throws -> EventTable { try CSV.parse(Data(text.utf8), file: "f.csv") }

    func assertError(_ expression: @autoclosure () throws -> Any, _ message: String, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), line: line) { error in
            XCTAssertEqual("\(error)", message, line: line)
        }
    }

    // MARK: CSV

    func testDuplicateCSVColumnsAreRefused() {
        assertError(try csv("x,y,x\n1,2,3\n"), "f.csv: column 'x' appears twice in the header (columns 1 and 3)")
    }

    func testCSVNumbersAreDecimalAsPythonReadsThem() throws {
        let good = try csv("x\n1.\n.5\n-1e-3\n+2E+2\nNaN\n-Infinity\ninf\n 7 \n")
        XCTAssertEqual(good["x"]?[..<4], [1, 0.5, -0.001, 200])
        XCTAssertTrue(good["x"]![4].isNaN)
        XCTAssertEqual(good["x"]?[5...], [-.infinity, .infinity, 7])
        for bad in ["0x10", "1_000", "1e", ".", "e5", "--1", "infinit", "0x1p3", "1.2.3", "1e5.0", "nan(1)"] {
            assertError(try csv("w,x\n1,\(bad)\n"), "f.csv: column 'x', row 1 (line 2): '\(bad)' is not a number")
        }
    }

    func testCSVErrorsCountDataRowsAndFileLines() {
        assertError(try csv("w,x\n1,2\n\n3,2a\n"), "f.csv: column 'x', row 2 (line 4): '2a' is not a number")
        assertError(try csv("w,x\n1,2\n\n3\n"), "f.csv: row 2 (line 4) has 1 fields, the header has 2")
    }

    // MARK: NPY

    /// A version 1.0 `.npy` file with the given header dict and data bytes.
    func npy(_ dict: String, data: [UInt8] = []) -> Data {
        let header = Array((dict + "\n").utf8)
        return Data(NPY.magic + [1, 0, UInt8(header.count & 0xff), UInt8(header.count >> 8)] + header + data)
    }

    func decode(_ file: Data) throws -> NPY.Array { try NPY.decode(file, file: "a.npy") }

    func testNPYShapesAreCheckedBeforeAnyAllocation() {
        let eight = [UInt8](repeating: 0, count: 16)
        assertError(try decode(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", data: eight)),
                    "a.npy: the shape holds -1, not a non-negative integer")
        assertError(try decode(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", data: eight)),
                    "a.npy: the shape [4611686018427387904, 4] is too large for any file")
        assertError(try decode(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000,), }", data: eight)),
                    "a.npy: holds 16 data bytes, fewer than the 8000000000 its shape [1000000000] needs")
        assertError(try decode(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 100000000000), }")),
                    "a.npy: 100000000000 columns are more than a table's 100000")
    }

    func testNPYHeadersAreParsedStrictly() {
        let cases = [
            ("{'descr': '<f8 ', 'fortran_order': False, 'shape': (2,), }", "dtype <f8  is not supported; flow reads little-endian ints, floats and bools"),
            ("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", "dtype >f8 is not supported; flow reads little-endian ints, floats and bools"),
            ("{'descr': 3, 'fortran_order': False, 'shape': (2,), }", "the descr 3 is neither a dtype string nor a list of fields"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), ", "the header is not a Python dict literal"),
            ("{'descr': '<f8', 'fortran_order': False, }", "the header has no 'shape'"),
            ("{'descr': '<f8', 'fortran_order': 0, 'shape': (2,), }", "the header's 'fortran_order' is not a boolean"),
            ("{'descr': '<f8', 'shape': (2,), 'fortran_order': False, 'shape': (3,)}", "the header names 'shape' twice"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", "the header has an unknown key 'x'"),
        ]
        for (header, message) in cases {
            assertError(try decode(npy(header, data: Array(repeating: 0, count: 16))), "a.npy: " + message)
        }
        var version9 = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", data: Array(repeating: 0, count: 16))
        version9[6] = 9
        assertError(try decode(version9), "a.npy: .npy format version 9.0 is not one flow reads (1.0, 2.0, 3.0)")
    }

    /// numpy writes `('x', '<f8', (3,))` for a sub-array field; reading it as one number per row would
    /// put every later field at the wrong offset.
    func testStructuredSubArraysAndDuplicateFieldsAreRefused() throws {
        let data = [UInt8](repeating: 0, count: 64)
        assertError(try decode(npy("{'descr': [('x', '<f8', (3,)), ('w', '<f8')], 'fortran_order': False, 'shape': (2,), }", data: data)),
                    "a.npy: field 'x' is a sub-array of shape (3,); flow reads one number per field")
        assertError(try decode(npy("{'descr': [('x', '<f8'), ('x', '<f4')], 'fortran_order': False, 'shape': (2,), }", data: data)),
                    "a.npy: field 'x' appears twice")
        assertError(try decode(npy("{'descr': [('p', [('x', '<f8')])], 'fortran_order': False, 'shape': (2,), }", data: data)),
                    "a.npy: field 'p' is itself structured; flow reads one number per field")
        let fine = try decode(npy("{'descr': [('w', '<f8'), ('n', '|i1')], 'fortran_order': False, 'shape': (1,), }",
                                  data: [0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0xFE]))
        XCTAssertEqual(fine.fields, ["w", "n"])
        XCTAssertEqual(fine.columns, [[1], [-2]])
    }

    /// fuzz-npy: a structured array of shape (5, 0) passed the old size check (0 bytes needed) and its
    /// five records were then read past the end of the buffer.
    func testAStructuredArrayOfTwoDimensionsIsRefused() {
        assertError(try decode(npy("{'descr': [('weight', '<f4'), ('n', '<i2')], 'fortran_order': False, 'shape': (5, 0), }")),
                    "a.npy: a structured array of 2 dimensions is not a table")
    }

    /// A (3, 0) array has rows but no columns: no table to read.
    func testAnNPYWithoutColumnsHoldsNoEvents() throws {
        let path = NSTemporaryDirectory() + "flow-\(UUID().uuidString).npy"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 0), }").write(to: URL(fileURLWithPath: path))
        assertError(try NPY.read(path), "\(path): the file holds no events")
    }

    // MARK: NPZ

    let table = try! EventTable([("weight", [1.5, -0.25]), ("x", [1, 2])])

    func testNPZMembersMustPassTheirCRCCheck() throws {
        var archive = try NPZ.encode(table)
        XCTAssertEqual(try NPZ.decode(archive, file: "t.npz"), table)
        archive[30 + "weight.npy".count + 128] ^= 0x01  // the first byte of the weights, after the local header and the .npy header
        assertError(try NPZ.decode(archive, file: "t.npz"), "t.npz: member 'weight.npy' fails its CRC check")
    }

    func testNPZOffsetsAndSizesAreBoundsChecked() throws {
        let archive = try NPZ.encode(table)
        let directory = archive.count - 22 - (46 + 10) - (46 + 5)
        XCTAssertEqual(archive[directory..<directory + 4], Data([0x50, 0x4B, 0x01, 0x02]))
        var farLocal = archive
        farLocal.replaceSubrange(directory + 42..<directory + 46, with: [0xF0, 0xFF, 0xFF, 0x7F])
        assertError(try NPZ.decode(farLocal, file: "t.npz"), "t.npz: a zip record lies outside the file")
        var deflateBomb = archive
        deflateBomb[directory + 10] = 8  // deflated, claiming 2 GB from the member's 144 bytes
        deflateBomb.replaceSubrange(directory + 24..<directory + 28, with: [0xFF, 0xFF, 0xFF, 0x7F])
        assertError(try NPZ.decode(deflateBomb, file: "t.npz"), "t.npz: member 'weight.npy' claims 2147483647 bytes from 144 compressed ones")
    }

    /// fuzz-npz: a member name longer than the rest of the file was decoded past the buffer's end.
    func testNPZNamesMustLieInsideTheFile() throws {
        var archive = try NPZ.encode(table)
        let directory = archive.count - 22 - (46 + 10) - (46 + 5)
        archive.replaceSubrange(directory + 28..<directory + 30, with: [0xFF, 0xFF])
        assertError(try NPZ.decode(archive, file: "t.npz"), "t.npz: a member's name lies outside the file")
    }

    func testNPZColumnsAppearOnce() throws {
        var writer = ZipWriter()
        var archive = Data()
        let member = NPY.encode([1.0, 2.0])
        for _ in 0..<2 {
            try member.withUnsafeBytes { bytes in
                archive += try writer.localHeader("x.npy", parts: [bytes])
                archive += Data(bytes)
            }
        }
        archive += writer.centralDirectory()
        assertError(try NPZ.decode(archive, file: "t.npz"), "t.npz: column 'x' appears twice (member 'x.npy')")
    }
}
