import Calibration
import EventData
import Foundation
import Network

/// Training and inference throughput of the talk's 10-100-100-100-100-100-1 network, and isotonic
/// fit time, side by side with PyTorch and scikit-learn on the same data when they are installed.
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
    print("network 10-100×5-1 (ReLU, sigmoid, weighted BCE, Adam), \(events) events, one epoch per measurement")
    print("measurement                          threads      flow (events/s)")
    var results: [String: Double] = [:]
    for batch in [512, 4096] {
        for threads in [1, 2] {
            var settings = TrainingSettings()
            settings.epochs = 1
            settings.batchSize = batch
            settings.threads = threads
            let (_, history) = Trainer<Float>(architecture: architecture, settings: settings).train(data)
            results["train\(batch)_\(threads)"] = history.eventsPerSecond
            print(String(format: "training, batch %-5d                %5d %20.0f", batch, threads, history.eventsPerSecond))
        }
    }
    let network = DenseNetwork<Float>(architecture: architecture, seed: 1, standardisation: .fit(features, inputs: inputs))
    for threads in [1, 2] {
        BLASThreads.set(threads)
        let start = DispatchTime.now().uptimeNanoseconds
        _ = network.predict(features, batchSize: 65_536)
        let rate = Double(events) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        results["infer_\(threads)"] = rate
        print(String(format: "inference, batch 65536                %5d %20.0f", threads, rate))
    }
    for n in [1_000_000, 10_000_000] {
        let x = (0..<n).map { CounterRNG.uniform(CounterRNG.eventKey(key, UInt64($0)), 30) }
        let y = x.enumerated().map { CounterRNG.uniform(CounterRNG.eventKey(key, UInt64($0.offset)), 31) < $0.element ? 1.0 : 0.0 }
        let start = DispatchTime.now().uptimeNanoseconds
        _ = IsotonicRegression(x: x, y: y, weights: weights.count >= n ? Array(weights.prefix(n)) : nil)
        print(String(format: "isotonic fit, %8d points           %5d %17.3f s", n, 1, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
    }
}
