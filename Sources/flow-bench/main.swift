import EventData
import Foundation
import TopGenerator

// Benchmarks of the data layer: generator throughput per process, and table write speed
// side by side with numpy on the same table. Medians of repeated runs; run with `make bench`.

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
}

/// Runs a Python peer (`python3 ARGUMENTS…`, e.g. `-c SCRIPT …` or a script file) and returns its standard
/// output and exit status; `environment` adds variables to this process's.
func python(_ arguments: [String], environment: [String: String] = [:]) throws -> (output: String, status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (output, process.terminationStatus)
}

func time(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return median(times)
}

let arguments = CommandLine.arguments
if arguments.count > 1 && arguments[1] == "trees" {
    try treesBenchmark(Array(arguments.dropFirst(2)))
    exit(0)
}
if arguments.count > 1 && arguments[1] == "root" {
    try rootBenchmark(Array(arguments.dropFirst(2)))
    exit(0)
}
if arguments.count > 1 && arguments[1] == "lhe" {
    try lheBenchmark(Array(arguments.dropFirst(2)))
    exit(0)
}
if arguments.count > 1 && arguments[1] == "lhe-read" {
    try lheRead(Array(arguments.dropFirst(2)))
    exit(0)
}
if arguments.count > 1 && arguments[1] == "network" {
    try networkBenchmark(Array(arguments.dropFirst(2)))
    exit(0)
}
let events = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
let repeats = 5
let cores = ProcessInfo.processInfo.activeProcessorCount

print("generator: \(events) events per run, median of \(repeats) runs; target 1.0e6 events/s/core (SM)")
print("process                       1 thread (ev/s/core)   \(cores) threads (ev/s total)   vs target")
var sample = EventTable()
for process in ProcessKind.allCases {
    let single = time(repeats) { _ = Generator(GeneratorSettings(process: process, events: events, threads: 1)).generate() }
    let multi = time(repeats) { sample = Generator(GeneratorSettings(process: process, events: events, threads: cores)).generate() }
    let rate = Double(events) / single
    print(process.rawValue.padding(toLength: 28, withPad: " ", startingAt: 0)
          + String(format: " %18.3g %24.3g %12.2f×", rate, Double(events) / multi, rate / 1e6))
}

let directory = NSTemporaryDirectory() + "flow-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let bytes = Double(sample.rowCount * sample.columnCount * 8)
let npyTime = try time(repeats) { try NPY.write(sample, to: directory + "/flow.npy") }
let npzTime = try time(repeats) { try NPZ.write(sample, to: directory + "/flow.npz") }
let npzRead = try time(repeats) { _ = try NPZ.read(directory + "/flow.npz") }

// numpy writes the same table (read back from flow's file) the way its users would.
let script = """
import numpy as np, sys, time, statistics
d = sys.argv[1]; r = int(sys.argv[2])
rec = np.load(d + "/flow.npy")
cols = {n: np.ascontiguousarray(rec[n]) for n in rec.dtype.names}
def t(f):
    ts = []
    for _ in range(r):
        s = time.perf_counter(); f(); ts.append(time.perf_counter() - s)
    return statistics.median(ts)
names = list(cols)
# From columns, as flow starts: build the structured array, then save it.
print(t(lambda: np.save(d + "/np.npy", np.rec.fromarrays([cols[n] for n in names], names=names))),
      t(lambda: np.savez(d + "/np.npz", **cols)), t(lambda: dict(np.load(d + "/np.npz"))))
"""
let numpy = try python(["-c", script, directory, String(repeats)]).output.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }

print("\ntable I/O: \(sample.rowCount) rows × \(sample.columnCount) float64 columns (\(String(format: "%.0f", bytes / 1e6)) MB), median of \(repeats)")
print("operation                         flow (GB/s)      numpy (GB/s)     flow / numpy")
let rows: [(String, Double, Double?)] = [
    ("write .npy (from columns)", npyTime, numpy.count == 3 ? numpy[0] : nil),
    ("write .npz (array per column)", npzTime, numpy.count == 3 ? numpy[1] : nil),
    ("read .npz", npzRead, numpy.count == 3 ? numpy[2] : nil),
]
for (name, flow, np) in rows {
    let npText = np.map { String(format: "%15.2f", bytes / $0 / 1e9) } ?? "    (no numpy)"
    let ratio = np.map { String(format: "%15.2f×", $0 / flow) } ?? ""  // > 1: flow is faster
    print(name.padding(toLength: 32, withPad: " ", startingAt: 0) + String(format: " %12.2f", bytes / flow / 1e9) + " " + npText + " " + ratio)
}
