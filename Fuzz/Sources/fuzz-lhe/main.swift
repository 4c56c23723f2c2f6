import CFuzzerDriver
import Foundation
import LHEF

/// Reads the bytes as a Les Houches event file (plain or gzipped); an error is a correct answer,
/// a crash or a hang is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : count))
    _ = try? LHEFile(bytes: bytes, file: "fuzz.lhe")
    return 0
}

// SwiftPM makes this file's top-level code the program's entry point, in place of libFuzzer's `main`.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
