import XCTest
@testable import FlowConfig

/// Each spliced value must reach the program as exactly its text, in every quoting context.
final class ShellTextTests: XCTestCase {
    static let values = ["$(touch pwned)", "`touch pwned`", "a; touch pwned", "it's \"quoted\"", "two\nlines",
                         "with  spaces", "' ; touch pwned ; '", "\\\" ; touch pwned", "", "back\\slash", "$HOME"]

    func sh(_ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let directory = NSTemporaryDirectory() + "shelltext-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/pwned"), script)
        return String(decoding: data, as: UTF8.self)
    }

    func testEveryValueArrivesAsItsTextInEveryContext() throws {
        for value in Self.values {
            for template in ["printf '%s|' ${v}", "printf '%s|' '${v}'", "printf '%s|' \"${v}\"", "printf '%s|' \"$(printf '%s' \"${v}\")\"",
                             "printf '%s|' 'pre ${v} post'"] {
                let script = try ShellText.splice(template) { $0 == "v" ? [value] : nil }
                var expected = value + "|"
                if template.contains("pre ") { expected = "pre " + value + " post|" }
                if template == "printf '%s|' ${v}" && value.isEmpty { expected = "|" }
                XCTAssertEqual(try sh(script), expected, "\(template) with \(value): \(script)")
            }
            let comment = try ShellText.splice("printf ok # ${v}") { _ in [value] }
            XCTAssertEqual(try sh(comment), "ok")
        }
    }

    func testReferencesInBackquotesAndHereDocumentsAreRefused() {
        XCTAssertThrowsError(try ShellText.splice("echo `echo ${v}`") { _ in ["x"] })
        XCTAssertThrowsError(try ShellText.splice("cat <<EOF\n${v}\nEOF\n") { _ in ["x"] })
        XCTAssertEqual(try ShellText.splice("cat <<EOF\nplain\nEOF\necho ${v}") { _ in ["x y"] }, "cat <<EOF\nplain\nEOF\necho 'x y'")
    }
}
