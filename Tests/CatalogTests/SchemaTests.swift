import Foundation
import XCTest
import FlowConfig
import FlowPlugins
import FlowSteps
import TestSupport

/// The JSON Schema editors use and flow's own validator must agree on what a workflow is, for the step
/// kinds this build ships (`Catalog`): the committed schema is the generated one, every shipped workflow
/// is valid for both, and every invalid fixture is rejected by both.
final class SchemaTests: XCTestCase {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    var schemaPath: String { repository + "/schemas/workflow.schema.json" }

    func workflowFiles() throws -> [String] {
        var files: [String] = []
        for folder in ["workflows", "examples"] {
            let directory = repository + "/" + folder
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix(".yaml") {
                files.append(directory + "/" + name)
            }
        }
        return files.sorted()
    }

    var invalidFiles: [String] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/invalid"
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().map { directory + "/" + $0 }
    }

    func testCommittedSchemaIsTheGeneratedOne() throws {
        let committed = try String(contentsOfFile: schemaPath, encoding: .utf8)
        let generated = Plugins.jsonSchema.prettyJSON
        XCTAssertEqual(committed, generated, "schemas/workflow.schema.json is stale: run `make schema`")
    }

    func testCommittedKindReferenceIsTheGeneratedOne() throws {
        let committed = try String(contentsOfFile: repository + "/docs/kinds.md", encoding: .utf8)
        XCTAssertEqual(committed, Plugins.kindReference, "docs/kinds.md is stale: run `make schema`")
    }

    /// Every default a kind declares reaches the JSON Schema, and none is written into the help text as well.
    func testDefaultsAreDeclaredOnceAndPublished() throws {
        let schema = try Value(json: Data(contentsOf: URL(fileURLWithPath: schemaPath)))
        for kind in Catalog.registry.descriptions {
            guard case .object(let properties) = kind.schema else { continue }
            for property in properties {
                let published = schema["$defs"]?["kind.\(kind.name)"]?["properties"]?[property.name]
                XCTAssertEqual(published?["default"], property.defaultValue, "\(kind.name).\(property.name)")
                XCTAssertFalse(property.defaultValue != nil && property.summary.contains("(default"),
                               "\(kind.name).\(property.name) states its default in its help too: \(property.summary)")
            }
        }
        XCTAssertEqual(schema["$defs"]?["kind.classify"]?["properties"]?["epochs"]?["default"], .int(10), "classify's own epochs default")
    }

    func testEveryShippedWorkflowIsValidForFlowAndForJSONSchema() throws {
        let files = try workflowFiles()
        XCTAssertFalse(files.isEmpty)
        for file in files {
            XCTAssertNoThrow(try Plugins.loader.load(path: file), file)
        }
        let verdicts = try pythonVerdicts(files)
        for file in files {
            XCTAssertEqual(verdicts[file], "valid", "jsonschema rejects \(file): \(verdicts[file] ?? "no verdict")")
        }
    }

    func testInvalidFilesAreRejectedByBoth() throws {
        let files = invalidFiles
        XCTAssertGreaterThanOrEqual(files.count, 10)
        for file in files {
            XCTAssertThrowsError(try Plugins.loader.load(path: file), "flow accepts \(file)") { error in
                XCTAssertTrue(error is ValidationFailed, "\(error)")
            }
        }
        let verdicts = try pythonVerdicts(files)
        for file in files {
            XCTAssertNotEqual(verdicts[file], "valid", "jsonschema accepts \(file)")
            XCTAssertNotNil(verdicts[file])
        }
    }

    func pythonVerdicts(_ files: [String]) throws -> [String: String] {
        try jsonSchemaVerdicts(schema: schemaPath, files: files)
    }
}
