import XCTest
@testable import YAMLNode

final class ParserTests: XCTestCase {
    func testScalarsKeepTheirCoreSchemaTypes() throws {
        let node = try YAMLParser.parse("""
        a: 400
        b: 0.03
        c: true
        d: ~
        e: "400"
        f: text
        g: 1e3
        """)
        XCTAssertEqual(node["a"]?.scalar?.resolved, .int(400))
        XCTAssertEqual(node["b"]?.scalar?.resolved, .double(0.03))
        XCTAssertEqual(node["c"]?.scalar?.resolved, .bool(true))
        XCTAssertEqual(node["d"]?.scalar?.resolved, .null)
        XCTAssertEqual(node["e"]?.scalar?.resolved, .string("400"), "quoted numbers stay strings")
        XCTAssertEqual(node["f"]?.scalar?.resolved, .string("text"))
        XCTAssertEqual(node["g"]?.scalar?.resolved, .double(1000))
    }

    func testEveryNodeKnowsItsLineAndColumn() throws {
        let node = try YAMLParser.parse("""
        steps:
          fit:
            layers: [100, 200]
        """, file: "w.yaml")
        let layers = try XCTUnwrap(node["steps"]?["fit"]?["layers"])
        XCTAssertEqual(layers.mark, Mark(file: "w.yaml", line: 3, column: 13))
        XCTAssertEqual(layers.sequence?[1].mark.column, 19)
        XCTAssertEqual(node.mapping?.first?.key.mark.description, "w.yaml:1:1")
    }

    func testAliasesAreCopiesOfTheirAnchors() throws {
        let node = try YAMLParser.parse("""
        base: &net {layers: [10, 10], epochs: 5}
        other: *net
        """)
        XCTAssertEqual(node["other"]?["epochs"]?.scalar?.resolved, .int(5))
        XCTAssertEqual(node["other"]?["layers"]?.sequence?.count, 2)
    }

    func testMergeKeysGiveWayToExplicitKeysAndEarlierSources() throws {
        let node = try YAMLParser.parse("""
        a: &a {x: 1, y: 1}
        b: &b {y: 2, z: 2}
        c:
          <<: [*a, *b]
          x: 3
        """)
        let c = try XCTUnwrap(node["c"])
        XCTAssertEqual(c["x"]?.scalar?.resolved, .int(3), "explicit key wins")
        XCTAssertEqual(c["y"]?.scalar?.resolved, .int(1), "first merge source wins")
        XCTAssertEqual(c["z"]?.scalar?.resolved, .int(2))
        XCTAssertNil(c["<<"])
        XCTAssertEqual(c.mapping?.count, 3)
    }

    func testSyntaxErrorsQuoteTheLineWithACaret() {
        XCTAssertThrowsError(try YAMLParser.parse("a: 1\nb: [1, 2\nc: 3\n", file: "bad.yaml")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("bad.yaml:"), text)
            XCTAssertTrue(text.contains("^"), text)
            let yamlError = error as? YAMLError
            XCTAssertNotNil(yamlError?.sourceLine)
        }
        XCTAssertThrowsError(try YAMLParser.parse("key: value: other\n", file: "bad.yaml")) { error in
            XCTAssertEqual((error as? YAMLError)?.mark.line, 1)
            XCTAssertTrue("\(error)".contains("  key: value: other\n            ^"), "\(error)")
        }
    }

    func testUnknownAliasIsAnError() {
        XCTAssertThrowsError(try YAMLParser.parse("a: *missing\n")) { error in
            XCTAssertTrue("\(error)".contains("missing"), "\(error)")
        }
    }

    func testEmptyDocumentIsNull() throws {
        XCTAssertEqual(try YAMLParser.parse("").scalar?.resolved, .null)
    }
}
