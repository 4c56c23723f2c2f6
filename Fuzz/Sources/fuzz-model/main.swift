import BoostedTrees
import CFuzzerDriver
import Foundation
import Network

/// Reads the bytes as a `.flownet` and as a `.flowgbt` model file and runs whatever reads on a few rows;
/// an error is a correct answer, a crash, a hang or an allocation the bytes cannot justify is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : count))
    for model in (try? ModelFile.decode(Data(bytes), path: "fuzz.flownet")) ?? [] {
        _ = model.network.predict([Double](repeating: 0.5, count: 2 * model.network.architecture.inputs))
    }
    for model in (try? TreeModelFile.decode(bytes, path: "fuzz.flowgbt")) ?? [] {
        _ = model.model.predict([Double](repeating: 0.5, count: 2 * model.features.count))
    }
    return 0
}

// SwiftPM makes this file's top-level code the program's entry point, in place of libFuzzer's `main`.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
