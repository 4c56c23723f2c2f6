import EventData
import CFuzzerDriver
import Foundation

/// Reads the bytes as a CSV event table; an error is a correct answer, a crash or a hang is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Data(UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : count))
    _ = try? CSV.parse(bytes, file: "fuzz.csv")
    return 0
}

// SwiftPM makes this file's top-level code the program's entry point, in place of libFuzzer's `main`.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
