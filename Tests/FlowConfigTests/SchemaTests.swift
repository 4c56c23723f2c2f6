import XCTest
import FlowConfig
import FlowSteps
import TestSupport

/// The JSON Schema editors use and flow's own validator must agree on what a workflow is.
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
        let directory = repository + "/Tests/FlowConfigTests/Fixtures/invalid"
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().map { directory + "/" + $0 }
    }

    func testCommittedSchemaIsTheGeneratedOne() throws {
        let committed = try String(contentsOfFile: schemaPath, encoding: .utf8)
        let generated = WorkflowJSONSchema.document(kinds: Catalog.registry.descriptions).prettyJSON
        XCTAssertEqual(committed, generated, "schemas/workflow.schema.json is stale: run `make schema`")
    }

    func testEveryShippedWorkflowIsValidForFlowAndForJSONSchema() throws {
        let files = try workflowFiles()
        XCTAssertFalse(files.isEmpty)
        for file in files {
            XCTAssertNoThrow(try Catalog.loader.load(path: file), file)
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
            XCTAssertThrowsError(try Catalog.loader.load(path: file), "flow accepts \(file)") { error in
                XCTAssertTrue(error is ValidationFailed, "\(error)")
            }
        }
        let verdicts = try pythonVerdicts(files)
        for file in files {
            XCTAssertNotEqual(verdicts[file], "valid", "jsonschema accepts \(file)")
            XCTAssertNotNil(verdicts[file])
        }
    }

    /// Runs Python's `jsonschema` (draft 2020-12) on the files; returns "valid" or the first error, per file.
    func pythonVerdicts(_ files: [String]) throws -> [String: String] {
        let script = """
        import json, sys, yaml, jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        for path in sys.argv[2:]:
            errors = list(validator.iter_errors(yaml.safe_load(open(path))))
            print(json.dumps([path, "valid" if not errors else errors[0].message]))
        """
        let data = try runPython(script, arguments: [schemaPath] + files)
        var verdicts: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            if let pair = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String], pair.count == 2 {
                verdicts[pair[0]] = pair[1]
            }
        }
        return verdicts
    }
}

/// Package.swift's target graph is the module map: no dependency declared and unused, none used and undeclared.
final class TargetGraphTests: XCTestCase {
    func testEveryDeclaredDependencyIsImportedAndEveryImportDeclared() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("scripts/check_imports.py").path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, text)
    }
}
