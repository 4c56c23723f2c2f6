import Foundation
import XCTest

/// Runs a Python script (the peers the tests compare against: numpy, scikit-learn, jsonschema) and
/// returns its standard output; a missing interpreter or package fails the calling test.
public func runPython(_ script: String, arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, "python3 and its packages must be installed (make setup)", file: file, line: line)
    return data
}

/// A fresh directory under the temporary directory, for one test.
public func temporaryDirectory(_ prefix: String) throws -> String {
    let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Python's `jsonschema` (draft 2020-12) on YAML files: per file, "valid" or the first error's message.
/// The schema itself is checked against the draft's meta-schema first.
public func jsonSchemaVerdicts(schema schemaPath: String, files: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [String: String] {
    let script = """
    import json, sys, yaml, jsonschema
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sys.argv[2:]:
        errors = list(validator.iter_errors(yaml.safe_load(open(path))))
        print(json.dumps([path, "valid" if not errors else errors[0].message]))
    """
    let data = try runPython(script, arguments: [schemaPath] + files, file: file, line: line)
    var verdicts: [String: String] = [:]
    for text in String(decoding: data, as: UTF8.self).split(separator: "\n") {
        if let pair = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String], pair.count == 2 {
            verdicts[pair[0]] = pair[1]
        }
    }
    return verdicts
}
