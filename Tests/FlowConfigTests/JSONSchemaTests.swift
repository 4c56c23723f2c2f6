import Foundation
import XCTest
import FlowConfig
import TestSupport

/// The JSON Schema written from a set of kind descriptions and the loader's validation with the same
/// descriptions agree on what a workflow is. Here for made-up kinds; CatalogTests checks flow's own.
final class JSONSchemaTests: XCTestCase {
    static let valid: [String: String] = [
        "minimal": """
        flow: 1
        steps:
          a: {write: {text: hi}}
        """,
        "everything": """
        flow: 1
        name: everything
        params: {n: 5, masses: [400, 500], label: x}
        datasets:
          sample: {numbers: {count: "${params.n}", seed: 3}}
        steps:
          sim:
            matrix: {mass: "${params.masses}"}
            retries: 2
            write: {text: "m ${matrix.mass}", file: sim.txt, note: "${params.label}", meta: {A: 1, B: two, C: true}, mode: binary}
          all:
            concat: {inputs: [sim, sample], files: [data.txt], file: all.txt}
        """,
        "datasets-only": """
        flow: 1
        datasets:
          n: {numbers: {count: 1000}}
        """,
    ]

    static let invalid: [String: String] = [
        "bad-mode": "flow: 1\nsteps:\n  a: {write: {text: x, mode: fancy}}\n",
        "bad-step-name": "flow: 1\nsteps:\n  \"fit model\": {write: {text: x}}\n",
        "empty-matrix-axis": "flow: 1\nsteps:\n  a:\n    matrix: {mass: []}\n    write: {text: x}\n",
        "missing-text": "flow: 1\nsteps:\n  a: {write: {file: x.txt}}\n",
        "negative-retries": "flow: 1\nsteps:\n  a: {write: {text: x}, retries: -1}\n",
        "no-steps": "flow: 1\nname: empty\n",
        "params-not-a-mapping": "flow: 1\nparams: [1, 2]\nsteps:\n  a: {write: {text: x}}\n",
        "text-is-a-list": "flow: 1\nsteps:\n  a: {write: {text: [x, y]}}\n",
        "extra-key": "flow: 1\nsteps:\n  a: {write: {text: x}, matrix: {x: [1, 2]}, retries: 1, extra: true}\n",
        "two-kinds": "flow: 1\nsteps:\n  a: {write: {text: x}, concat: {inputs: []}}\n",
        "unknown-kind": "flow: 1\nsteps:\n  a: {wrte: {text: x}}\n",
        "unknown-top-level-key": "flow: 1\nstpes:\n  a: {write: {text: x}}\n",
        "wrong-version": "flow: 2\nsteps:\n  a: {write: {text: x}}\n",
        "dataset-kind-under-steps": "flow: 1\nsteps:\n  n: {numbers: {count: 3}}\n",
        "count-below-minimum": "flow: 1\ndatasets:\n  n: {numbers: {count: 0}}\n",
        "count-above-maximum": "flow: 1\ndatasets:\n  n: {numbers: {count: 1001}}\n",
        "unknown-key-in-kind": "flow: 1\nsteps:\n  a: {write: {text: x, colour: red}}\n",
    ]

    var directory: String!

    override func setUpWithError() throws {
        directory = try temporaryDirectory("flow-jsonschema")
        try "1\n".write(toFile: directory + "/data.txt", atomically: true, encoding: .utf8)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    func files(_ cases: [String: String]) throws -> [String] {
        try cases.keys.sorted().map { name in
            let path = directory + "/" + name + ".yaml"
            try cases[name]!.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    func verdicts(_ files: [String]) throws -> [String: String] {
        let schema = directory + "/schema.json"
        try WorkflowJSONSchema.document(kinds: FakeKinds.all).prettyJSON.write(toFile: schema, atomically: true, encoding: .utf8)
        return try jsonSchemaVerdicts(schema: schema, files: files)
    }

    func testValidWorkflowsAreValidForBoth() throws {
        let files = try files(Self.valid)
        for file in files {
            XCTAssertNoThrow(try FakeKinds.loader.load(path: file), file)
        }
        let verdicts = try verdicts(files)
        for file in files {
            XCTAssertEqual(verdicts[file], "valid", "jsonschema rejects \(file): \(verdicts[file] ?? "no verdict")")
        }
    }

    func testInvalidWorkflowsAreRejectedByBoth() throws {
        let files = try files(Self.invalid)
        for file in files {
            XCTAssertThrowsError(try FakeKinds.loader.load(path: file), "flow accepts \(file)") { error in
                XCTAssertTrue(error is ValidationFailed, "\(error)")
            }
        }
        let verdicts = try verdicts(files)
        for file in files {
            XCTAssertNotNil(verdicts[file], file)
            XCTAssertNotEqual(verdicts[file], "valid", "jsonschema accepts \(file)")
        }
    }

    func testTheSchemaNamesEachKindInItsSection() throws {
        let document = WorkflowJSONSchema.document(kinds: FakeKinds.all)
        let defs = try XCTUnwrap(document["$defs"]?.object).map(\.0)
        XCTAssertTrue(defs.contains("kind.numbers") && defs.contains("kind.write") && defs.contains("kind.concat"), "\(defs)")
        func kinds(_ section: String) -> [String] {
            (document["$defs"]?[section]?["oneOf"]?.array ?? []).compactMap { $0["required"]?.array?.first?.string }
        }
        XCTAssertEqual(kinds("dataset"), ["numbers"])
        XCTAssertEqual(kinds("step"), ["write", "concat"])
        XCTAssertEqual(document["$defs"]?["kind.write"]?["required"], .array([.string("text")]))
    }
}
