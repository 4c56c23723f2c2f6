import FlowConfig
import FlowSteps
import CFuzzerDriver
import Foundation
import YAMLNode

/// Built once: the kinds' descriptions are the same for every input.
let loader = Catalog.loader

/// Parses the bytes as a workflow file and validates it against every step kind; an error is a
/// correct answer, a crash or a hang is a bug. No file is read or written.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Data(UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : count))
    guard let root = try? YAMLParser.parse(bytes: bytes, file: "fuzz.yaml") else { return 0 }
    _ = try? loader.decode(root, file: "fuzz.yaml", directory: "/nonexistent-fuzz-directory")
    return 0
}

// SwiftPM makes this file's top-level code the program's entry point, in place of libFuzzer's `main`.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
