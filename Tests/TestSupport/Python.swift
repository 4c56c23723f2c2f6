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
