import Foundation
import XCTest
@testable import YAMLNode

/// Hostile or mistaken files give a positioned error, quickly, instead of a crash, a hang or altered text.
final class LimitTests: XCTestCase {
    func assertError(_ bytes: Data, _ message: String, line: Int, column: Int,
                     file: StaticString = #filePath, sourceLine: UInt = #line) {
        XCTAssertThrowsError(try YAMLParser.parse(bytes: bytes, file: "w.yaml"), file: file, line: sourceLine) { error in
            let yamlError = error as? YAMLError
            XCTAssertEqual(yamlError?.message, message, file: file, line: sourceLine)
            XCTAssertEqual(yamlError?.mark, Mark(file: "w.yaml", line: line, column: column), file: file, line: sourceLine)
        }
    }

    func testDeepFlowNestingIsAnErrorAtTheFirstLevelTooDeep() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let start = Date()
        assertError(Data(text.utf8), "nesting deeper than 200 levels", line: 1, column: 201)
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testDeepBlockNestingIsAnErrorAtTheFirstLevelTooDeep() {
        let text = String(repeating: "- ", count: 100_000) + "x\n"
        let start = Date()
        assertError(Data(text.utf8), "nesting deeper than 200 levels", line: 1, column: 401)
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testTwoHundredLevelsAreAllowed() throws {
        let text = String(repeating: "[", count: 200) + "1" + String(repeating: "]", count: 200)
        var node = try YAMLParser.parse(text)
        for _ in 1..<200 { node = try XCTUnwrap(node.sequence?.first) }
        XCTAssertEqual(node.sequence?.first?.scalar?.resolved, .int(1))
    }

    /// The "billion laughs": ten levels of ten aliases each, 10^10 nodes from a few hundred bytes.
    func testAliasBombIsRefusedAtTheAliasThatOverflows() {
        var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        let names = Array("abcdefghij")
        for (previous, name) in zip(names, names.dropFirst()) {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
        }
        XCTAssertLessThan(text.utf8.count, 600)
        let start = Date()
        // Lines 1–4 hold 1 + 12 + 112 + 1112 + 11112 nodes (root included); on line 5 each *d adds
        // 11 111, so its eighth alias (column 36) takes the document past 100 000.
        assertError(Data(text.utf8), "aliases expand the document beyond 100000 nodes", line: 5, column: 36)
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5)
    }

    func testLatin1BytesAreAnErrorAtTheFirstBadByte() {
        let bytes = Data("name: demo\ntitle: caf".utf8) + Data([0xE9]) + Data("\n".utf8)
        assertError(bytes, "the file is not UTF-8 (byte 0xE9); save it as UTF-8", line: 2, column: 11)
        // Characters before the bad byte count once each, however many bytes they take.
        let afterUTF8 = Data("label: \u{00E9}t\u{00E9} ".utf8) + Data([0xE9, 0x0A])
        assertError(afterUTF8, "the file is not UTF-8 (byte 0xE9); save it as UTF-8", line: 1, column: 12)
    }

    func testASecondDocumentIsAnErrorAtItsStart() {
        assertError(Data("name: a\n---\nname: b\n".utf8), "a workflow file holds one YAML document", line: 2, column: 1)
        assertError(Data("--- \nname: a\n...\n# the next one\n--- {name: b}\n".utf8), "a workflow file holds one YAML document", line: 5, column: 1)
    }

    func testOneExplicitDocumentIsFine() throws {
        XCTAssertEqual(try YAMLParser.parse(bytes: Data("---\nname: a\n...\n".utf8))["name"]?.scalar?.text, "a")
    }

    func testFilesAreReadAsUTF8() throws {
        let path = NSTemporaryDirectory() + "flow-latin1-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try (Data("a: 1\nb: x".utf8) + Data([0xFC])).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try YAMLParser.parse(fileAt: path)) { error in
            XCTAssertEqual("\(error)", "\(path):2:5: error: the file is not UTF-8 (byte 0xFC); save it as UTF-8\n  b: x\u{FFFD}\n      ^")
        }
    }
}
