import Foundation
import XCTest
@testable import ROOTIO

/// Damaged ROOT files (many first found by `make fuzz`) give errors naming the file, never a trap.
final class MalformedInputTests: XCTestCase {
    static let dy = ROOTReaderTests.data + "/nano_dy.root"

    func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func testAFileInMemoryReadsLikeTheFileOnDisk() throws {
        let memory = try ROOTFile(bytes: bytes(Self.dy), name: "dy.root").tree("Events")
        let disk = try ROOTFile(path: Self.dy).tree("Events")
        XCTAssertEqual(try memory.read("Muon_pt"), try disk.read("Muon_pt"))
        XCTAssertEqual(try memory.read("genWeight"), try disk.read("genWeight"))
    }

    /// fuzz-root: a basket whose key length lies beyond its bytes trapped on a slice.
    func testABasketKeyLongerThanTheBasketIsAnError() throws {
        var data = try bytes(Self.dy)
        let branch = try XCTUnwrap(ROOTFile(path: Self.dy).tree("Events").branchesByName["Muon_pt"])
        data[branch.basketSeek[0] + 14] = 0x7F  // fKeylen, a big-endian Int16 after fNbytes, version, objlen, date
        data[branch.basketSeek[0] + 15] = 0xFF
        XCTAssertThrowsError(try ROOTFile(bytes: data, name: "dy.root").tree("Events").read("Muon_pt")) { error in
            XCTAssertTrue("\(error)".hasPrefix("dy.root: branch 'Muon_pt', entries 0–39: basket key length 32767 outside its "), "\(error)")
        }
    }

    /// fuzz-root: a basket table starting at entry −2⁶³ overflowed the entry count of its first basket.
    func testABasketTableOutOfOrderIsAnError() throws {
        let tree = try ROOTFile(path: Self.dy).tree("Events")
        let branch = try XCTUnwrap(tree.branchesByName["genWeight"])
        let original = branch.basketEntry
        defer { branch.basketEntry = original }
        branch.basketEntry[0] = Int.min
        XCTAssertThrowsError(try tree.read("genWeight")) { error in
            XCTAssertEqual("\(error)", "\(Self.dy): corrupt ROOT data: branch 'genWeight' has basket 0 from entry \(Int.min) to \(original[1])")
        }
        branch.basketEntry[1] = -1
        branch.basketEntry[0] = 0
        XCTAssertThrowsError(try tree.read("genWeight")) { error in
            XCTAssertEqual("\(error)", "\(Self.dy): corrupt ROOT data: branch 'genWeight' has basket 0 from entry 0 to -1")
        }
    }

    /// A record that claims 2 GB uncompressed is read block by block (room for one block at most
    /// 16 MB at a time) and fails at the first bad block.
    func testAnOversizedUncompressedLengthIsAnError() {
        let block: [UInt8] = Array("ZL".utf8) + [8, 5, 0, 0, 0xFF, 0xFF, 0xFF] + [0, 0, 0, 0, 0]
        XCTAssertThrowsError(try Decompression.inflate(block[...], into: Int(Int32.max))) { error in
            XCTAssertEqual("\(error)", "corrupt ROOT data: zlib block does not inflate to 16777215 bytes (status -3)")
        }
        XCTAssertThrowsError(try Decompression.inflate(block[...], into: -5)) { error in
            XCTAssertTrue("\(error)".contains("-5 uncompressed bytes"), "\(error)")
        }
    }
}

extension MalformedInputTests {
    /// Where the top directory's key list starts, read as `ROOTFile` reads it.
    func seekKeys(_ data: [UInt8]) throws -> Int {
        var header = ByteCursor(data, at: 8)
        let begin = try header.i32()
        var key = ByteCursor(data, at: begin)
        let keylen = try KeyHeader(&key).keylen
        var directory = ByteCursor(data, at: begin + keylen)
        _ = try directory.string()
        _ = try directory.string()
        let large = try directory.i16() > 1000
        try directory.skip(16)  // dates, fNbytesKeys, fNbytesName
        try directory.skip(large ? 16 : 8)  // fSeekDir, fSeekParent
        return large ? try directory.i64() : try directory.i32()
    }

    /// A 64-bit seek of −2⁶³ (a damaged large-file directory) overflowed `size - seek`.
    func testANegativeSeekIsAnError() throws {
        let file = try ROOTFile(path: MalformedInputTests.dy)
        XCTAssertEqual(file.bytesAfter(Int.min), 0)
        XCTAssertThrowsError(try file.object(at: Int.min)) { error in
            XCTAssertEqual("\(error)", "corrupt ROOT data: a record at \(Int.min) (0 bytes) lies beyond the end of the file (352599 bytes)")
        }
    }

    /// fuzz-root: a key list claiming 2³¹ keys made `map` reserve ~100 GB before reading the first one.
    func testAKeyCountBeyondTheKeyListIsAnError() throws {
        var data = try bytes(Self.dy)
        let list = try seekKeys(data)
        var key = ByteCursor(data, at: list)
        let keylen = try KeyHeader(&key).keylen
        var count = ByteCursor(data, at: list + keylen)
        XCTAssertEqual(try count.i32(), try ROOTFile(bytes: data, name: "dy.root").keys.count, "the key count is where this test expects it")
        data.replaceSubrange(list + keylen..<list + keylen + 4, with: [0x7F, 0xFF, 0xFF, 0xFF])
        XCTAssertThrowsError(try ROOTFile(bytes: data, name: "dy.root")) { error in
            XCTAssertTrue("\(error)".hasPrefix("dy.root: corrupt ROOT data: a record ends early (needs 62277025763 bytes"), "\(error)")
        }
    }
}
