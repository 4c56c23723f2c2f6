import XCTest
import FlowConfig

final class JSONParserTests: XCTestCase {
    func testParsesWhatItWritesAndKeepsTypes() throws {
        let value = Value.object([
            ("name", .string("fit[mass=400] \"quoted\"\n\u{e9}")), ("n", .int(-3)), ("x", .double(0.1)), ("big", .double(1e300)),
            ("flags", .array([.bool(true), .bool(false), .null])), ("nested", .object([("empty", .array([])), ("o", .object([]))])),
        ])
        XCTAssertEqual(try Value(json: value.canonicalJSON), value)
        XCTAssertEqual(try Value(json: value.prettyJSON), value)
        XCTAssertEqual(try Value(json: #"{"a": 1.0, "b": 2}"#)["a"], .double(1))
        XCTAssertEqual(try Value(json: #"{"a": 1.0, "b": 2}"#)["b"], .int(2))
        XCTAssertEqual(try Value(json: #""\u00e9\ud83d\ude00""#), .string("é😀"))
    }

    func testRejectsBrokenJSON() {
        for text in ["{", "[1,]x", "{\"a\" 1}", "tru", "\"open", "1 2"] {
            XCTAssertThrowsError(try Value(json: text), text)
        }
    }
}
