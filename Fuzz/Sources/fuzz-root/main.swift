import CFuzzerDriver
import Foundation
import ROOTIO

/// Opens the bytes as a ROOT file and reads every branch of every tree; an error is a correct
/// answer, a crash, a hang or an allocation the bytes cannot justify is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : count))
    guard let file = try? ROOTFile(bytes: bytes, name: "fuzz.root") else { return 0 }
    for name in file.treeNames {
        guard let tree = try? file.tree(name) else { continue }
        for branch in tree.branchNames { _ = try? tree.read(branch) }
    }
    return 0
}

// SwiftPM makes this file's top-level code the program's entry point, in place of libFuzzer's `main`.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
