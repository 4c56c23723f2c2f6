import Foundation
import Random

/// Events for training: features row-major (n × inputs), a target and a non-negative weight per event.
public struct TrainingData: Sendable {
    public var features: [Double]
    public var targets: [Double]
    public var weights: [Double]

    public init(features: [Double], targets: [Double], weights: [Double]) {
        self.features = features
        self.targets = targets
        self.weights = weights
    }

    public var count: Int { targets.count }
}

/// How to train.
public struct TrainingSettings: Sendable, Equatable {
    public var epochs = 30
    public var batchSize = 512
    public var learningRate = 1e-3
    public var schedule = Schedule.constant
    public var weightDecay = 0.0
    public var seed: UInt64 = 1
    /// Stop after this many epochs without a better validation loss (and keep the best); nil: never.
    public var patience: Int? = nil
    /// Data-parallel workers; results are bit-identical for a fixed count.
    public var threads = 1
    /// Map each input through its empirical distribution (this many knots) before standardising; 0: off.
    public var quantileKnots = 0

    public init() {}
}

/// Loss after one epoch, for progress lines and loss curves.
public struct EpochReport: Sendable {
    public var epoch: Int
    public var trainingLoss: Double
    public var validationLoss: Double?
    public var eventsPerSecond: Double
}

/// The loss curves of a training.
public struct TrainingHistory: Sendable, Equatable {
    public var trainingLoss: [Double] = []
    public var validationLoss: [Double] = []
    /// The epoch (from 0) whose parameters were kept.
    public var bestEpoch = 0
    public var stoppedEarly = false
    public var eventsPerSecond = 0.0
}

/// Mini-batch training of a `DenseNetwork` with Adam. Batches are drawn by a seeded shuffle each
/// epoch; buffers are allocated once.
public struct Trainer<T: NetworkScalar> {
    public var architecture: Architecture
    public var settings: TrainingSettings

    public init(architecture: Architecture, settings: TrainingSettings) {
        self.architecture = architecture
        self.settings = settings
    }

    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    /// `shouldStop` is asked before every batch (a cancelled run); training then ends where it is.
    public func train(_ data: TrainingData, validation: TrainingData? = nil, shouldStop: () -> Bool = { false },
                      progress: (EpochReport) -> Void = { _ in }) -> (DenseNetwork<T>, TrainingHistory) {
        // Data parallel: each worker runs its share of a batch with single-threaded matrix products, and the
        // gradients are summed in worker order, so a fixed thread count gives bit-identical models.
        BLASThreads.set(1)
        let workers = max(1, settings.threads)
        let d = architecture.inputs, parameterCount = architecture.parameterCount
        let standardisation = Standardisation.fit(data.features, inputs: d, quantileKnots: settings.quantileKnots)
        var network = DenseNetwork<T>(architecture: architecture, seed: settings.seed, standardisation: standardisation)
        let n = data.count
        let batch = max(1, min(settings.batchSize, n))
        let share = (batch + workers - 1) / workers
        let lanes = (0..<workers).map { _ in Lane<T>(architecture: architecture, rows: share) }
        let x = standardised(data.features, standardisation)
        let y = data.targets.map { T($0) }, w = data.weights.map { T($0) }
        let validationSet = validation.map { (standardised($0.features, standardisation), $0.targets.map { T($0) }, $0.weights.map { T($0) }) }

        var adam = Adam<T>(parameterCount: parameterCount, weightDecay: settings.weightDecay)
        var history = TrainingHistory()
        var best = (loss: Double.infinity, parameters: network.parameters, epoch: 0)
        var order = Array(0..<n)
        var totalSeconds = 0.0
        for epoch in 0..<settings.epochs {
            let started = DispatchTime.now().uptimeNanoseconds
            shuffle(&order, epoch: epoch)
            let rate = settings.schedule.rate(settings.learningRate, epoch: epoch, epochs: settings.epochs)
            var lossSum = 0.0, weightSum = 0.0
            x.withUnsafeBufferPointer { xb in
                for first in stride(from: 0, to: n, by: batch) {
                    if shouldStop() { history.stoppedEarly = true; break }
                    let count = min(batch, n - first)
                    var batchWeight = 0.0
                    for r in order[first..<first + count] { batchWeight += Double(w[r]) }
                    guard batchWeight > 0 else { continue }
                    let current = network
                    let run: (Int) -> Void = { t in
                        let lo = first + t * share, hi = min(first + count, lo + share)
                        lanes[t].run(current, rows: order[min(lo, hi)..<hi], x: xb.baseAddress!, y: y, w: w, normalisation: batchWeight)
                    }
                    if workers == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: run) }
                    let gradient = lanes[0].gradient
                    for t in 1..<workers where lanes[t].rows > 0 {
                        let g = lanes[t].gradient
                        for k in 0..<parameterCount { gradient[k] += g[k] }
                    }
                    lossSum += lanes.reduce(0) { $0 + $1.loss }
                    weightSum += batchWeight
                    adam.update(&network.parameters, gradient: gradient, learningRate: rate)
                }
            }
            if history.stoppedEarly { break }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            totalSeconds += seconds
            history.trainingLoss.append(weightSum > 0 ? lossSum / weightSum : 0)
            var validationLoss: Double?
            if let (vx, vy, vw) = validationSet {
                validationLoss = evaluate(network, vx, vy, vw, workspace: lanes[0].workspace)
                history.validationLoss.append(validationLoss!)
            }
            progress(EpochReport(epoch: epoch, trainingLoss: history.trainingLoss.last!, validationLoss: validationLoss,
                                 eventsPerSecond: Double(n) / seconds))
            let monitored = validationLoss ?? history.trainingLoss.last!
            if monitored < best.loss {
                best = (monitored, network.parameters, epoch)
            } else if let patience = settings.patience, epoch - best.epoch >= patience {
                history.stoppedEarly = true
                break
            }
        }
        if settings.patience != nil || validation != nil { network.parameters = best.parameters }
        history.bestEpoch = best.epoch
        history.eventsPerSecond = Double(n * history.trainingLoss.count) / max(totalSeconds, 1e-9)
        return (network, history)
    }

    /// Weighted mean loss of a network on standardised data.
    func evaluate(_ network: DenseNetwork<T>, _ x: [T], _ y: [T], _ w: [T], workspace: Workspace<T>) -> Double {
        let n = y.count, d = architecture.inputs
        var lossSum = 0.0, weightSum = 0.0
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeBufferPointer { yb in
                w.withUnsafeBufferPointer { wb in
                    for first in stride(from: 0, to: n, by: workspace.batchSize) {
                        let count = min(workspace.batchSize, n - first)
                        workspace.activations[0].update(from: xb.baseAddress! + first * d, count: count * d)
                        network.forward(workspace, count: count)
                        let (total, weight) = Loss.evaluate(architecture.objective, workspace: workspace, count: count,
                                                            targets: yb.baseAddress! + first, weights: wb.baseAddress! + first,
                                                            writeGradient: false)
                        lossSum += total
                        weightSum += weight
                    }
                }
            }
        }
        return weightSum > 0 ? lossSum / weightSum : 0
    }

    func standardised(_ features: [Double], _ s: Standardisation) -> [T] {
        let d = architecture.inputs
        var out = [T](repeating: 0, count: features.count)
        for k in 0..<features.count { out[k] = T(s.transform(features[k], k % d)) }
        return out
    }

    /// Fisher–Yates with the counter-based RNG: the order depends only on (seed, epoch).
    func shuffle(_ order: inout [Int], epoch: Int) {
        let key = CounterRNG.eventKey(CounterRNG.streamKey(seed: settings.seed, stream: 0x5348_5546), UInt64(epoch))
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            let u = CounterRNG.uniform(key, UInt64(i))
            let j = min(i, Int(u * Double(i + 1)))
            order.swapAt(i, j)
        }
    }
}

/// One worker's share of a batch: its buffers, its gradient, and the loss of its rows.
final class Lane<T: NetworkScalar>: @unchecked Sendable {
    let workspace: Workspace<T>
    let gradient: UnsafeMutablePointer<T>
    let targets: UnsafeMutablePointer<T>
    let weights: UnsafeMutablePointer<T>
    private(set) var loss = 0.0
    private(set) var rows = 0

    init(architecture: Architecture, rows: Int) {
        workspace = Workspace(architecture: architecture, batchSize: rows)
        gradient = .allocate(capacity: architecture.parameterCount)
        gradient.initialize(repeating: 0, count: architecture.parameterCount)
        targets = .allocate(capacity: rows)
        weights = .allocate(capacity: rows)
    }

    deinit {
        gradient.deallocate()
        targets.deallocate()
        weights.deallocate()
    }

    /// Forward and backward over `indices`; the gradient is of the whole batch's normalised loss.
    func run(_ network: DenseNetwork<T>, rows indices: ArraySlice<Int>, x: UnsafePointer<T>, y: [T], w: [T], normalisation: Double) {
        rows = indices.count
        loss = 0
        guard rows > 0 else { return }
        workspace.load(x, indices: indices)
        for (k, r) in indices.enumerated() { targets[k] = y[r]; weights[k] = w[r] }
        network.forward(workspace, count: rows)
        loss = Loss.evaluate(network.architecture.objective, workspace: workspace, count: rows, targets: targets, weights: weights,
                             normalisation: normalisation).total
        network.backward(workspace, count: rows, gradient: gradient)
    }
}
