import XCTest
@testable import Network

final class NetworkTests: XCTestCase {
    /// Loss of a Double network on a fixed batch.
    func loss(_ network: DenseNetwork<Double>, _ workspace: Workspace<Double>, _ x: [Double], _ y: [Double], _ w: [Double]) -> Double {
        x.withUnsafeBufferPointer { workspace.activations[0].update(from: $0.baseAddress!, count: x.count) }
        network.forward(workspace, count: y.count)
        return y.withUnsafeBufferPointer { yb in
            w.withUnsafeBufferPointer { wb in
                let (total, weight) = Loss.evaluate(network.architecture.objective, workspace: workspace, count: y.count,
                                                    targets: yb.baseAddress!, weights: wb.baseAddress!)
                return total / weight
            }
        }
    }

    /// Analytic gradients of every layer and both losses against central finite differences, for every
    /// activation, at several points, every parameter: nothing is skipped (a kink of ReLU inside ±h would
    /// fail the test, not hide in it).
    func testGradientsMatchFiniteDifferences() {
        for (activation, shift) in Activation.allCases.flatMap({ a in [0.0, 0.3, 1.1].map { (a, $0) } }) {
            for objective in Objective.allCases {
                let architecture = Architecture(inputs: 3, hidden: [5, 4], activation: activation, objective: objective)
                var network = DenseNetwork<Double>(architecture: architecture, seed: 7)
                for k in network.parameters.indices where k % 7 == 3 { network.parameters[k] += 0.05 }  // non-zero biases
                let batch = 6
                let workspace = Workspace<Double>(architecture: architecture, batchSize: batch)
                let x = (0..<(batch * 3)).map { sin(Double($0) * 1.7 + shift) }
                let y = objective == .binaryCrossEntropy ? [1, 0, 1, 1, 0, 0] : (0..<batch).map { cos(Double($0)) }
                let w = [0.5, 1.0, 2.0, 0.1, 1.5, 0.7]
                _ = loss(network, workspace, x, y, w)
                var gradient = [Double](repeating: 0, count: architecture.parameterCount)
                gradient.withUnsafeMutableBufferPointer { network.backward(workspace, count: batch, gradient: $0.baseAddress!) }
                let h = 1e-6
                for k in 0..<architecture.parameterCount {
                    var plus = network, minus = network
                    plus.parameters[k] += h
                    minus.parameters[k] -= h
                    let numeric = (loss(plus, workspace, x, y, w) - loss(minus, workspace, x, y, w)) / (2 * h)
                    let scale = max(abs(numeric), abs(gradient[k]), 1e-4)
                    XCTAssertLessThan(abs(numeric - gradient[k]) / scale, 1e-5,
                                      "\(activation) \(objective) point \(shift) parameter \(k): \(gradient[k]) vs \(numeric)")
                }
            }
        }
    }

    func testReLUGradientsAwayFromKinksAreExact() {
        // Same check where no pre-activation is near zero: every parameter must agree.
        let architecture = Architecture(inputs: 2, hidden: [3], activation: .relu, objective: .binaryCrossEntropy)
        let network = DenseNetwork<Double>(architecture: architecture, parameters: [0.5, -0.3, 0.8, 0.2, -0.6, 0.4, 0.1, 0.2, 0.3,
                                                                                   0.7, -0.5, 0.9, 0.05],
                                           standardisation: .identity(2))
        let workspace = Workspace<Double>(architecture: architecture, batchSize: 2)
        let x = [1.0, 0.5, -0.4, 1.2], y = [1.0, 0.0], w = [1.0, 2.0]
        _ = loss(network, workspace, x, y, w)
        var gradient = [Double](repeating: 0, count: architecture.parameterCount)
        gradient.withUnsafeMutableBufferPointer { network.backward(workspace, count: 2, gradient: $0.baseAddress!) }
        for k in 0..<architecture.parameterCount {
            var plus = network, minus = network
            plus.parameters[k] += 1e-6
            minus.parameters[k] -= 1e-6
            let numeric = (loss(plus, workspace, x, y, w) - loss(minus, workspace, x, y, w)) / 2e-6
            XCTAssertEqual(gradient[k], numeric, accuracy: 1e-3 * max(abs(numeric), 1e-3), "parameter \(k)")
        }
    }

    /// A network learns a probability that depends on the inputs, weighted.
    func testTrainingLearnsAWeightedProbability() {
        let n = 20_000
        var features: [Double] = [], targets: [Double] = [], weights: [Double] = []
        for i in 0..<n {
            let a = sin(Double(i) * 0.37) * 2, b = cos(Double(i) * 0.11) * 2
            features += [a, b]
            // P(y = 1) = 0.8 where a > 0, 0.2 elsewhere, realised through weights.
            targets.append(Double(i % 2))
            weights.append(a > 0 ? (i % 2 == 1 ? 0.8 : 0.2) : (i % 2 == 1 ? 0.2 : 0.8))
        }
        var settings = TrainingSettings()
        settings.epochs = 8
        settings.batchSize = 256
        settings.learningRate = 3e-3
        let trainer = Trainer<Float>(architecture: Architecture(inputs: 2, hidden: [16, 16]), settings: settings)
        let (network, history) = trainer.train(TrainingData(features: features, targets: targets, weights: weights))
        XCTAssertLessThan(history.trainingLoss.last!, history.trainingLoss.first!)
        let p = network.predict([1.5, 0.0, -1.5, 0.0])
        XCTAssertEqual(p[0], 0.8, accuracy: 0.06)
        XCTAssertEqual(p[1], 0.2, accuracy: 0.06)
    }

    func testSameSeedGivesBitIdenticalModelsAndFilesRoundTrip() throws {
        let features = (0..<4000).map { sin(Double($0)) }, targets = (0..<2000).map { Double($0 % 2) }
        let weights = (0..<2000).map { 1 + 0.5 * cos(Double($0)) }
        var settings = TrainingSettings()
        settings.epochs = 3
        settings.batchSize = 128
        settings.seed = 42
        settings.quantileKnots = 33
        let architecture = Architecture(inputs: 2, hidden: [8], activation: .silu)
        let data = TrainingData(features: features, targets: targets, weights: weights)
        let (a, historyA) = Trainer<Float>(architecture: architecture, settings: settings).train(data, validation: data)
        let (b, historyB) = Trainer<Float>(architecture: architecture, settings: settings).train(data, validation: data)
        XCTAssertEqual(a.parameters.map(\.bitPattern), b.parameters.map(\.bitPattern))
        XCTAssertEqual(historyA.trainingLoss, historyB.trainingLoss)
        XCTAssertEqual(historyA.validationLoss, historyB.validationLoss)
        settings.seed = 43
        let (c, _) = Trainer<Float>(architecture: architecture, settings: settings).train(data)
        XCTAssertNotEqual(a.parameters, c.parameters)

        let path = NSTemporaryDirectory() + "model-\(UUID().uuidString).flownet"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ModelFile.write([StoredModel(network: a, features: ["x", "y"], notes: ["fold": "0"]),
                             StoredModel(network: c, features: ["x", "y"])], to: path)
        let read = try ModelFile.read(path)
        XCTAssertEqual(read.count, 2)
        XCTAssertEqual(read[0].network.parameters.map(\.bitPattern), a.parameters.map(\.bitPattern))
        XCTAssertEqual(read[0].network.standardisation, a.standardisation)
        XCTAssertEqual(read[0].network.architecture, architecture)
        XCTAssertEqual(read[0].notes, ["fold": "0"])
        XCTAssertEqual(read[1].network.predict(Array(features.prefix(20))), c.predict(Array(features.prefix(20))))
    }

    func testDataParallelTrainingIsReproducibleAndMatchesOneWorkerClosely() {
        let features = (0..<6000).map { sin(Double($0) * 0.3) }, targets = (0..<3000).map { Double($0 % 2) }
        let weights = (0..<3000).map { 1 + 0.5 * cos(Double($0)) }
        let data = TrainingData(features: features, targets: targets, weights: weights)
        var settings = TrainingSettings()
        settings.epochs = 2
        settings.batchSize = 256
        settings.threads = 2
        let architecture = Architecture(inputs: 2, hidden: [32, 32])
        let (a, _) = Trainer<Float>(architecture: architecture, settings: settings).train(data)
        let (b, _) = Trainer<Float>(architecture: architecture, settings: settings).train(data)
        XCTAssertEqual(a.parameters.map(\.bitPattern), b.parameters.map(\.bitPattern), "same seed and threads: same bits")
        settings.threads = 1
        let (c, _) = Trainer<Float>(architecture: architecture, settings: settings).train(data)
        // Same mathematics, summed in another order: equal up to float rounding.
        for (x, y) in zip(a.parameters, c.parameters) { XCTAssertEqual(x, y, accuracy: 1e-3) }
        let rows = Array(features.prefix(400))
        XCTAssertEqual(a.predict(rows, threads: 2), a.predict(rows, threads: 1))
    }

    func testEarlyStoppingKeepsTheBestEpoch() {
        let features = (0..<1000).map { sin(Double($0) * 0.9) }, targets = (0..<500).map { Double($0 % 2) }
        let weights = [Double](repeating: 1, count: 500)
        var settings = TrainingSettings()
        settings.epochs = 40
        settings.learningRate = 0.05
        settings.batchSize = 32
        settings.patience = 3
        let noise = TrainingData(features: features, targets: targets, weights: weights)
        let holdout = TrainingData(features: features.reversed(), targets: targets, weights: weights)
        let (_, history) = Trainer<Float>(architecture: Architecture(inputs: 2, hidden: [64, 64]), settings: settings)
            .train(noise, validation: holdout)
        XCTAssertTrue(history.stoppedEarly)
        XCTAssertEqual(history.validationLoss.count, history.bestEpoch + 4)
        XCTAssertEqual(history.validationLoss.min(), history.validationLoss[history.bestEpoch])
    }

    func testTrainingStopsWhenAsked() {
        let features = (0..<2000).map { sin(Double($0)) }, targets = (0..<1000).map { Double($0 % 2) }
        var settings = TrainingSettings()
        settings.epochs = 50
        settings.batchSize = 10
        var asked = 0
        let (_, history) = Trainer<Float>(architecture: Architecture(inputs: 2, hidden: [4]), settings: settings)
            .train(TrainingData(features: features, targets: targets, weights: Array(repeating: 1, count: 1000)),
                   shouldStop: { asked += 1; return asked > 150 })
        XCTAssertTrue(history.stoppedEarly)
        XCTAssertEqual(history.trainingLoss.count, 1, "stopped inside the second epoch, after 150 batches")
    }

    func testLearningRateSchedules() {
        XCTAssertEqual(Schedule.constant.rate(0.1, epoch: 5, epochs: 10), 0.1)
        XCTAssertEqual(Schedule.exponential(decay: 0.5).rate(0.1, epoch: 2, epochs: 10), 0.025, accuracy: 1e-15)
        XCTAssertEqual(Schedule.cosine.rate(0.1, epoch: 5, epochs: 10), 0.05, accuracy: 1e-15)
        XCTAssertEqual(Schedule.cosine.rate(0.1, epoch: 0, epochs: 10), 0.1, accuracy: 1e-15)
    }
}
