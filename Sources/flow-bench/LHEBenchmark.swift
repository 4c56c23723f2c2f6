import Foundation
import LHEF

/// `flow-bench lhe [EVENTS] [FILES…]`: LHE reading, flow against pylhe on the same files (medians of 5
/// reads of every event: process, weight, named weights and particles; pylhe's `LHEFile.fromfile(…).events`
/// made into a list), then a generated file of EVENTS events (10⁶ by default) read by flow in a child
/// process, whose wall time and peak resident memory are quoted: once with every column, once with the
/// weights only. The files default to the MadGraph files among the LHE test fixtures.
func lheBenchmark(_ arguments: [String]) throws {
    let events = arguments.first.flatMap(Int.init) ?? 1_000_000
    var files = Array(arguments.dropFirst())
    if files.isEmpty {
        let fixtures = "Tests/LHEFTests/Fixtures"
        files = ((try? FileManager.default.contentsOfDirectory(atPath: fixtures)) ?? [])
            .filter { $0.contains("madgraph") && $0.hasSuffix(".lhe.gz") }.sorted().map { fixtures + "/" + $0 }
    }
    let script = """
    import sys, time, statistics, pylhe
    for path in sys.argv[1:]:
        times = []
        for _ in range(5):
            s = time.perf_counter()
            n = len(list(pylhe.LHEFile.fromfile(path).events))
            times.append(time.perf_counter() - s)
        print(statistics.median(times), n)
    """
    let (output, status) = try python(["-c", script] + files)
    guard status == 0 else { throw LHEFError(file: files.joined(separator: ", "), message: "python3 with pylhe failed (pip install pylhe)") }
    let peer = output.split(separator: "\n").map { $0.split(separator: " ") }
    print("LHE read: every event's process, weight, named weights and particles; median of 5")
    print("file                                                  events   pylhe s    flow s   flow ev/s   vs pylhe")
    for (k, path) in files.enumerated() {
        var count = 0
        let flow = try time(5) { count = try LHEFile(path: path).events.count }
        let pylhe = k < peer.count ? Double(peer[k][0]) ?? .nan : .nan
        let name = (path as NSString).lastPathComponent
        print(name.padding(toLength: 50, withPad: " ", startingAt: 0)
              + String(format: " %10d %9.3f %9.3f %11.3g %9.2f×", count, pylhe, flow, Double(count) / flow, pylhe / flow))
    }

    let directory = NSTemporaryDirectory() + "flow-bench-lhe-\(getpid())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let large = directory + "/events.lhe.gz"
    try generateLHE(events: events, to: large)
    let size = (try FileManager.default.attributesOfItem(atPath: large)[.size] as? Int) ?? 0
    print("\n\(events) generated events (5 particles, 3 named weights each), \(size / 1_000_000) MB gzipped; flow in a child process")
    print("read                       seconds   peak memory")
    for (label, mode) in [("every column", "all"), ("weights only", "weights")] {
        let (seconds, peak) = try childRead(large, mode)
        print(label.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: " %9.2f %10.0f MB", seconds, peak / 1e6))
    }
}

/// `flow-bench lhe-read FILE all|weights`: the child process the memory figure is measured on.
func lheRead(_ arguments: [String]) throws {
    let contents: LHEFile.Contents = arguments.count > 1 && arguments[1] == "weights" ? [] : .all
    let file = try LHEFile(path: arguments[0], reading: contents)
    print(file.events.count, file.particles.count)
}

/// Runs `flow-bench lhe-read` on `path`: its wall time, and its peak resident memory in bytes.
func childRead(_ path: String, _ mode: String) throws -> (Double, Double) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["lhe-read", path, mode]
    process.standardOutput = FileHandle.nullDevice
    let start = DispatchTime.now().uptimeNanoseconds
    try process.run()
    var status: Int32 = 0
    var usage = rusage()
    _ = wait4(process.processIdentifier, &status, 0, &usage)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return (seconds, Double(usage.ru_maxrss) * 1024)
}

/// A MadGraph-like gzipped file: gg → tt̄ → 2 particles more, XWGTUP ±1, three named weights per event.
func generateLHE(events: Int, to path: String) throws {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    var text = """
    <LesHouchesEvents version="3.0">
    <header>
    <initrwgt>
    <weightgroup name="scale_variation" combine="envelope">
    <weight id="1001"> muR=1.0 muF=1.0 </weight>
    <weight id="1002"> muR=2.0 muF=1.0 </weight>
    <weight id="1003"> muR=0.5 muF=1.0 </weight>
    </weightgroup>
    </initrwgt>
    </header>
    <init>
    2212 2212 +6.5000000000e+03 +6.5000000000e+03 0 0 303600 303600 -4 1
    +5.0120000000e+02 +1.2000000000e+00 +5.0120000000e+02 1
    </init>

    """
    let gzip = Process()
    gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    gzip.arguments = ["gzip", "-1", "-c"]
    let pipe = Pipe()
    gzip.standardInput = pipe
    FileManager.default.createFile(atPath: path, contents: nil)
    gzip.standardOutput = FileHandle(forWritingAtPath: path)
    try gzip.run()
    func p(_ x: Double) -> String { String(format: "%+.10e", x) }
    for i in 0..<events {
        let w = uniform() < 0.2 ? -501.2 : 501.2
        var lines = " 5      1 \(p(w)) 1.7250000e+02 7.5467711e-03 1.1800000e-01\n"
        lines += "       21 -1    0    0  501  502 +0.0000000000e+00 +0.0000000000e+00 \(p(400 + 600 * uniform())) \(p(400 + 600 * uniform())) +0.0000000000e+00 0.0000e+00 9.0000e+00\n"
        lines += "       21 -1    0    0  502  503 +0.0000000000e+00 +0.0000000000e+00 \(p(-400 - 600 * uniform())) \(p(400 + 600 * uniform())) +0.0000000000e+00 0.0000e+00 9.0000e+00\n"
        for id in [6, -6, 21] {
            lines += "       \(id)  1    1    2  501    0 \(p(200 * uniform() - 100)) \(p(200 * uniform() - 100)) \(p(600 * uniform() - 300)) \(p(400 + 300 * uniform())) \(p(id == 21 ? 0 : 172.5)) 0.0000e+00 9.0000e+00\n"
        }
        lines += "<rwgt>\n<wgt id='1001'> \(p(w)) </wgt>\n<wgt id='1002'> \(p(w * 0.9)) </wgt>\n<wgt id='1003'> \(p(w * 1.1)) </wgt>\n</rwgt>\n"
        text += "<event>\n" + lines + "</event>\n"
        if i % 10_000 == 9_999 || i == events - 1 {
            if i == events - 1 { text += "</LesHouchesEvents>\n" }
            pipe.fileHandleForWriting.write(Data(text.utf8))
            text = ""
        }
    }
    try pipe.fileHandleForWriting.close()
    gzip.waitUntilExit()
}
