import EventData
import CFuzzerDriver
import Foundation

/// Decodes the bytes as an `.npz` archive into an event table; an error is a correct answer, a
/// crash, a hang or an allocation the bytes cannot justify is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Data(UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : count))
    _ = try? NPZ.decode(bytes, file: "fuzz.npz")
    return 0
}

// SwiftPM makes this file's top-level code the program's entry point, in place of libFuzzer's `main`.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
