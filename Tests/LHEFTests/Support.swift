import Foundation
import XCTest

/// Runs a program with `input` on its standard input and returns its standard output; it must exit 0.
func pipe(_ arguments: [String], _ input: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let stdin = Pipe(), stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    try process.run()
    // Feed the input from another thread, so a full output pipe cannot block the writer.
    let writer = Thread {
        stdin.fileHandleForWriting.write(Data(input))
        try? stdin.fileHandleForWriting.close()
    }
    writer.start()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, "\(arguments.joined(separator: " ")) failed", file: file, line: line)
    return [UInt8](output)
}

/// gzip, the program: an independent compressor and decompressor for the reader's and writer's gzip.
func gzip(_ bytes: [UInt8]) throws -> [UInt8] { try pipe(["gzip", "-c", "-n"], bytes) }
func gunzip(_ bytes: [UInt8]) throws -> [UInt8] { try pipe(["gzip", "-d", "-c"], bytes) }
