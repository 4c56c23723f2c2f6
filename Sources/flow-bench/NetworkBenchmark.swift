import Calibration
import EventData
import Foundation
import Network
import Random

/// Training and inference throughput of the talk's 10-100-100-100-100-100-1 network, and isotonic
/// fit time, side by side with PyTorch and scikit-learn on the same data when they are installed; then
/// the portable kernels against OpenBLAS's. `network EVENTS kernels` runs the kernel comparison only.
func networkBenchmark(_ arguments: [String]) throws {
    let events = arguments.first.flatMap(Int.init) ?? 1_000_000
    let inputs = 10
    let key = CounterRNG.streamKey(seed: 3, stream: 1)
    var features = [Double](repeating: 0, count: events * inputs), targets = [Double](), weights = [Double]()
    for i in 0..<events {
        let e = CounterRNG.eventKey(key, UInt64(i))
        var s = 0.0
        for j in 0..<inputs {
            let x = CounterRNG.uniform(e, UInt64(j)) * 2 - 1
            features[i * inputs + j] = x
            s += x * Double(j % 3 - 1)
        }
        targets.append(CounterRNG.uniform(e, 20) < 1 / (1 + exp(-s)) ? 1 : 0)
        weights.append(0.5 + CounterRNG.uniform(e, 21))
    }
    let data = TrainingData(features: features, targets: targets, weights: weights)
    let architecture = Architecture(inputs: inputs, hidden: [100, 100, 100, 100, 100])
    if arguments.dropFirst().first == "kernels" {
        kernelComparison(data, architecture: architecture)
        return
    }

    // The isotonic inputs: 10⁷ scores with noisy labels and weights, shared with scikit-learn.
    let isotonicCount = 10_000_000
    var isoX = [Double](repeating: 0, count: isotonicCount), isoY = isoX, isoW = isoX
    for i in 0..<isotonicCount {
        let e = CounterRNG.eventKey(key, UInt64(i))
        isoX[i] = CounterRNG.uniform(e, 30)
        isoY[i] = CounterRNG.uniform(e, 31) < isoX[i] ? 1 : 0
        isoW[i] = 0.5 + CounterRNG.uniform(e, 32)
    }
    let directory = NSTemporaryDirectory() + "flow-bench-net-\(getpid())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try NPZ.write(try EventTable([("features", features)]), to: directory + "/features.npz")
    try NPZ.write(try EventTable([("targets", targets), ("weights", weights)]), to: directory + "/labels.npz")
    try NPZ.write(try EventTable([("x", isoX), ("y", isoY), ("w", isoW)]), to: directory + "/isotonic.npz")

    var flow: [String: Double] = [:]
    for batch in [512, 4096] {
        for threads in [1, 2] {
            var settings = TrainingSettings()
            settings.epochs = 1
            settings.batchSize = batch
            settings.threads = threads
            let (_, history) = Trainer<Float>(architecture: architecture, settings: settings).train(data)
            flow["train\(batch)_\(threads)"] = history.eventsPerSecond
        }
    }
    let network = DenseNetwork<Float>(architecture: architecture, seed: 1, standardisation: .fit(features, inputs: inputs))
    for threads in [1, 2] {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = network.predict(features, threads: threads)
        flow["inference_\(threads)"] = Double(events) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    for n in [1_000_000, isotonicCount] {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = IsotonicRegression(x: Array(isoX.prefix(n)), y: Array(isoY.prefix(n)), weights: Array(isoW.prefix(n)))
        flow["isotonic\(n)"] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    let peers = try runPeers(directory: directory, threads: 2)
    let torch = peers["torch_version"] as? String
    print("network 10-100×5-1 (ReLU, sigmoid, weighted BCE, Adam), \(events) events, one epoch; peers: "
          + "PyTorch \(torch ?? "not installed"), scikit-learn \(peers["isotonic1000000"] == nil ? "not installed" : "installed")")
    print("measurement                       flow 1 thread   flow 2 threads   peer (2 threads)   flow best / peer")
    func row(_ name: String, _ one: Double?, _ two: Double?, _ peer: Double?, higherIsBetter: Bool = true, unit: String = "ev/s") {
        func cell(_ v: Double?) -> String { v.map { unit == "s" ? String(format: "%.3f s", $0) : String(format: "%.0f", $0) } ?? "–" }
        let best = higherIsBetter ? [one, two].compactMap { $0 }.max() : [one, two].compactMap { $0 }.min()
        let ratio = zip2(best, peer).map { higherIsBetter ? $0 / $1 : $1 / $0 }.map { String(format: "%.2f×", $0) } ?? "–"
        print(name.padding(toLength: 32, withPad: " ", startingAt: 0) + cell(one).leftPadded(15) + cell(two).leftPadded(17)
              + cell(peer).leftPadded(19) + ratio.leftPadded(19))
    }
    row("training, batch 512 (ev/s)", flow["train512_1"], flow["train512_2"], peers["train512"] as? Double)
    row("training, batch 4096 (ev/s)", flow["train4096_1"], flow["train4096_2"], peers["train4096"] as? Double)
    row("inference (ev/s)", flow["inference_1"], flow["inference_2"], peers["inference"] as? Double)
    row("isotonic fit, 10⁶ points", flow["isotonic1000000"], nil, peers["isotonic1000000"] as? Double, higherIsBetter: false, unit: "s")
    row("isotonic fit, 10⁷ points", flow["isotonic10000000"], nil, peers["isotonic10000000"] as? Double, higherIsBetter: false, unit: "s")
    print("targets: training ≥ 1.5× PyTorch at both batch sizes, inference ≥ 2×, isotonic ≥ 2× scikit-learn")
    print()
    kernelComparison(data, architecture: architecture)
}

/// Training throughput (batch 512, 2 threads, one epoch) and inference throughput (2 threads) with the
/// portable kernels on each vector path this CPU has and with OpenBLAS, on the same data. The
/// configurations run in turn, in a rotating order, `rounds` times; a ratio is the median of the rounds'
/// ratios (each round's runs are close in time, which cancels most of a shared machine's drift);
/// FLOW_BENCH_RAW=1 also prints every run (thousands of events per second).
func kernelComparison(_ data: TrainingData, architecture: Architecture, rounds: Int = 9) {
    let saved = (Kernels.choice, Kernels.pathLimit)
    defer { (Kernels.choice, Kernels.pathLimit) = saved }
    var configurations: [(name: String, choice: Kernels.Choice, path: Kernels.Path)] =
        Kernels.Path.available.filter { $0 != .reference }.reversed().map { ("portable, \($0.name)", .portable, $0) }
    Kernels.choice = .openblas
    configurations.append((Kernels.family, .openblas, Kernels.Path.available.last!))
    var settings = TrainingSettings()
    settings.epochs = 1
    settings.batchSize = 512
    settings.threads = 2
    let network = DenseNetwork<Float>(architecture: architecture, seed: 1, standardisation: .fit(data.features, inputs: architecture.inputs))
    var training = [[Double]](repeating: [], count: configurations.count), inference = training
    for round in 0..<rounds {
        for step in 0..<configurations.count {
            let i = (step + round) % configurations.count
            (Kernels.choice, Kernels.pathLimit) = (configurations[i].choice, configurations[i].path)
            training[i].append(Trainer<Float>(architecture: architecture, settings: settings).train(data).1.eventsPerSecond)
            let start = DispatchTime.now().uptimeNanoseconds
            _ = network.predict(data.features, threads: 2)
            inference[i].append(Double(data.count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        }
    }
    let openblas = configurations.count - 1
    if ProcessInfo.processInfo.environment["FLOW_BENCH_RAW"] != nil {
        for (i, c) in configurations.enumerated() { print(c.name, training[i].map { Int($0 / 1000) }, inference[i].map { Int($0 / 1000) }) }
    }
    func ratio(_ x: [[Double]], _ i: Int) -> Double { median((0..<rounds).map { x[i][$0] / x[openblas][$0] }) }
    print("kernels: \(data.count) events, 10-100×5-1, \(rounds) rounds; medians; portable results are bit-identical on every CPU")
    print("kernels                         training b512 2 thr (ev/s)   vs OpenBLAS   inference 2 thr (ev/s)   vs OpenBLAS")
    for (i, c) in configurations.enumerated() {
        print(c.name.padding(toLength: 32, withPad: " ", startingAt: 0) + String(format: "%.0f", median(training[i])).leftPadded(26)
              + String(format: "%.2f×", ratio(training, i)).leftPadded(14)
              + String(format: "%.0f", median(inference[i])).leftPadded(25) + String(format: "%.2f×", ratio(inference, i)).leftPadded(14))
    }
}

func zip2(_ a: Double?, _ b: Double?) -> (Double, Double)? {
    guard let a, let b else { return nil }
    return (a, b)
}

extension Optional where Wrapped == (Double, Double) {
    func map(_ f: (Double, Double) -> Double) -> Double? {
        guard let (a, b) = self else { return nil }
        return f(a, b)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? " " + self : String(repeating: " ", count: width - count) + self }
}

/// Runs bench/network_peers.py on the shared data; missing peers come back as missing keys.
func runPeers(directory: String, threads: Int) throws -> [String: Any] {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("bench/network_peers.py").path
    let output = try python([script, directory, String(threads)], environment: ["OMP_NUM_THREADS": String(threads)]).output
    return (try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]) ?? [:]
}
