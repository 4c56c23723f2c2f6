import Network
import Random

/// Can a classifier tell two weightings of the same events apart? A fresh network learns w-weighted
/// events against the w′-weighted copy on half the events; its weighted AUC on the other half is 0.5
/// when the two weightings agree. Signed weights are fine here: both classes share the same events, so
/// the loss stays bounded.
public struct TwoSampleTest: Sendable {
    public var epochs = 5
    public var batchSize = 2048
    public var learningRate = 2e-3
    public var hidden = [64, 64]
    public var seed: UInt64 = 1
    /// Training threads; the AUC is bit-identical for a fixed count.
    public var trainingThreads = 2

    public init(seed: UInt64) { self.seed = seed }

    /// `x` row-major (rows × inputs); `reference` and `candidate` the two weights of each row. The AUC on
    /// the held-out half, with its bootstrap standard error.
    public func auc(x: [Double], inputs: Int, reference: [Double], candidate: [Double], threads: Int) -> (auc: Double, error: Double) {
        let rows = reference.count
        let halves = Splits.parts(rows: rows, fractions: [0.5, 0.5], seed: seed &+ 0x5453)
        let train = halves.indices.filter { halves[$0] == 0 }, test = halves.indices.filter { halves[$0] == 1 }
        func data(_ part: [Int]) -> TrainingData {
            var features: [Double] = []
            features.reserveCapacity(part.count * inputs)
            for r in part { features.append(contentsOf: x[(r * inputs)..<((r + 1) * inputs)]) }
            return TrainingData(features: features + features, targets: part.map { _ in 0.0 } + part.map { _ in 1.0 },
                                weights: part.map { reference[$0] } + part.map { candidate[$0] })
        }
        var settings = TrainingSettings()
        settings.epochs = epochs
        settings.batchSize = batchSize
        settings.learningRate = learningRate
        settings.seed = seed
        settings.threads = trainingThreads
        let (network, _) = Trainer<Float>(architecture: Architecture(inputs: inputs, hidden: hidden), settings: settings).train(data(train))
        let held = data(test)
        // Both copies of an event share its bootstrap count.
        let result = ROC.areaWithError(scores: network.predict(held.features, threads: threads), signal: held.targets.map { $0 == 1 },
                                 weights: held.weights, events: Array(0..<test.count) + Array(0..<test.count), seed: seed)
        return (result.area, result.error)
    }
}
