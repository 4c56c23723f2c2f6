import BoostedTrees
import Foundation

/// `flow-bench trees N`: fit time of N events × 10 features, 200 iterations, 31 leaves, and prediction
/// throughput, flow's trees and scikit-learn's HistGradientBoostingClassifier side by side on the same data
/// (2 threads each; early stopping off; medians of 3).
func treesBenchmark(_ arguments: [String]) throws {
    let events = arguments.first.flatMap(Int.init) ?? 1_000_000
    let threads = ProcessInfo.processInfo.environment["FLOW_BENCH_THREADS"].flatMap(Int.init) ?? ProcessInfo.processInfo.activeProcessorCount
    let directory = NSTemporaryDirectory() + "flow-bench-trees-\(getpid())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let script = """
    import os, sys, time, statistics, numpy as np
    out, n, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    from threadpoolctl import threadpool_limits
    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier
    x, y = make_classification(n_samples=n, n_features=10, n_informative=6, n_redundant=2, flip_y=0.05, random_state=1)
    x.astype("<f8").tofile(out + "/x"); y.astype("<f8").tofile(out + "/y")
    fits, predicts = [], []
    with threadpool_limits(int(threads)):
        for _ in range(3):
            m = HistGradientBoostingClassifier(max_iter=200, max_leaf_nodes=31, learning_rate=0.1, early_stopping=False, random_state=0)
            s = time.perf_counter(); m.fit(x, y); fits.append(time.perf_counter() - s)
            s = time.perf_counter(); m.predict_proba(x); predicts.append(time.perf_counter() - s)
    print(statistics.median(fits), statistics.median(predicts))
    """
    let (output, status) = try python(["-c", script, directory, String(events), String(threads)])
    let peer = output.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    guard status == 0, peer.count == 2 else {
        print("scikit-learn failed (pip install scikit-learn threadpoolctl)")
        return
    }
    func load(_ name: String) throws -> [Double] {
        try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)).withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
    }
    let x = try load("x"), y = try load("y")
    var settings = BoostingSettings()
    settings.iterations = 200
    settings.earlyStoppingRounds = nil
    settings.threads = threads
    var model: BoostedTrees?
    let fit = time(3) { model = BoostedTrees.fit(x: x, y: y, features: 10, settings: settings).0 }
    let predict = time(3) { _ = model!.predict(x, threads: threads) }
    print("boosted trees: \(events) events × 10 features, 200 iterations, 31 leaves, \(threads) threads; median of 3")
    print("                      fit (s)   predict (events/s)")
    print(String(format: "scikit-learn %.0f    %9.2f   %12.3g", 1.0, peer[0], Double(events) / peer[1]).replacingOccurrences(of: "scikit-learn 1", with: "scikit-learn  "))
    print(String(format: "flow               %9.2f   %12.3g", fit, Double(events) / predict))
    print(String(format: "flow / scikit-learn: fit %.2f× faster, predict %.2f× faster", peer[0] / fit, peer[1] / predict))
}
