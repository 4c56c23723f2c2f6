import Foundation
import ROOTIO

/// `flow-bench root ENTRIES`: read throughput of 10 float branches of a ZLIB-compressed TTree that uproot
/// writes, flow and uproot side by side on the same file (medians of 5 reads; each reads the whole branches
/// from disk into float64 columns — uproot's `library="np"` arrays, converted with astype(float64)).
func rootBenchmark(_ arguments: [String]) throws {
    let entries = arguments.first.flatMap(Int.init) ?? 2_000_000
    let directory = NSTemporaryDirectory() + "flow-bench-root-\(getpid())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/tree.root"
    let names = (0..<10).map { "x\($0)" }
    let script = """
    import sys, time, statistics, numpy as np, uproot
    path, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    names = [f"x{i}" for i in range(10)]
    if mode == "write":
        rng = np.random.default_rng(1)
        with uproot.recreate(path, compression=uproot.ZLIB(1)) as f:
            f.mktree("t", {k: "float32" for k in names})
            for s in range(0, n, 200_000):
                m = min(200_000, n - s)
                f["t"].extend({k: rng.normal(size=m).astype(np.float32) for k in names})
    else:
        times = []
        for _ in range(5):
            s = time.perf_counter()
            t = uproot.open(path)["t"]
            arrays = t.arrays(names, library="np")
            columns = [arrays[k].astype(np.float64) for k in names]
            times.append(time.perf_counter() - s)
        print(statistics.median(times))
    """
    func uproot(_ mode: String) throws -> String {
        let (output, status) = try python(["-c", script, path, String(entries), mode])
        guard status == 0 else { throw ROOTError.io(file: path, reason: "python3 with uproot failed (pip install uproot)") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    _ = try uproot("write")
    let size = Double((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
    let uproot = Double(try uproot("read")) ?? .nan
    let flow = try time(5) {
        let tree = try ROOTFile(path: path).tree("t")
        for name in names { _ = try tree.read(name) }
    }
    let flowParallel = try time(5) {
        let tree = try ROOTFile(path: path).tree("t")
        _ = try tree.read(names, threads: ProcessInfo.processInfo.activeProcessorCount)
    }
    let megabytes = Double(entries * 10 * 4) / 1e6
    print("ROOT read: 10 float32 branches × \(entries) entries, ZLIB(1), \(String(format: "%.0f", size / 1e6)) MB on disk, \(String(format: "%.0f", megabytes)) MB of values; median of 5")
    print("reader                     seconds      MB/s    vs uproot")
    print(String(format: "uproot (numpy arrays)   %9.3f %9.0f %10.2f×", uproot, megabytes / uproot, 1.0))
    print(String(format: "flow, 1 thread          %9.3f %9.0f %10.2f×", flow, megabytes / flow, uproot / flow))
    print(String(format: "flow, %d threads         %9.3f %9.0f %10.2f×", ProcessInfo.processInfo.activeProcessorCount, flowParallel, megabytes / flowParallel, uproot / flowParallel))
}
