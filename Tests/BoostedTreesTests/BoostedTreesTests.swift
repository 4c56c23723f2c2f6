import XCTest
@testable import BoostedTrees
import TestSupport

final class BoostedTreesTests: XCTestCase {
    /// Shared data and scikit-learn's HistGradientBoostingClassifier with the same hyper-parameters:
    /// the held-out log loss of flow's trees must be within 1 % of scikit-learn's.
    func compareWithScikitLearn(weighted: Bool) throws {
        let directory = try temporaryDirectory("flow-gbt")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = """
        import sys, numpy as np
        from sklearn.datasets import make_classification
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.metrics import log_loss
        out, weighted = sys.argv[1], sys.argv[2] == "1"
        x, y = make_classification(n_samples=60000, n_features=10, n_informative=6, n_redundant=2, flip_y=0.05, random_state=3)
        w = np.random.default_rng(4).exponential(size=len(y)) if weighted else np.ones(len(y))
        n = 40000
        for name, a in (("xtrain", x[:n]), ("ytrain", y[:n]), ("wtrain", w[:n]), ("xtest", x[n:]), ("ytest", y[n:]), ("wtest", w[n:])):
            np.ascontiguousarray(a, dtype="<f8").tofile(f"{out}/{name}")
        model = HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20,
                                               l2_regularization=0.0, max_bins=255, early_stopping=False, random_state=0)
        model.fit(x[:n], y[:n], sample_weight=w[:n] if weighted else None)
        print(log_loss(y[n:], model.predict_proba(x[n:])[:, 1], sample_weight=w[n:]))
        """
        let sklearn = Double(String(decoding: try runPython(script, arguments: [directory, weighted ? "1" : "0"]), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines))!
        func load(_ name: String) throws -> [Double] {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
            return data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        }
        var settings = BoostingSettings()
        settings.iterations = 100
        settings.earlyStoppingRounds = nil
        let (model, history) = BoostedTrees.fit(x: try load("xtrain"), y: try load("ytrain"), weights: weighted ? try load("wtrain") : nil,
                                                features: 10, settings: settings)
        XCTAssertEqual(model.trees.count, 100)
        XCTAssertTrue(model.trees.allSatisfy { $0.leafCount <= 31 })
        XCTAssertLessThan(history.trainingLoss.last!, history.trainingLoss.first!)
        let raw = model.predictRaw(try load("xtest"), threads: 2)
        let flow = BoostedTrees.loss(.logLoss, raw, try load("ytest"), try load("wtest"))
        print("held-out log loss\(weighted ? " (weighted)" : ""): flow \(flow), scikit-learn \(sklearn)")
        XCTAssertEqual(flow, sklearn, accuracy: 0.01 * sklearn, "held-out log loss: flow \(flow), scikit-learn \(sklearn)")
    }

    func testLogLossMatchesScikitLearn() throws { try compareWithScikitLearn(weighted: false) }
    func testLogLossWithSampleWeightsMatchesScikitLearn() throws { try compareWithScikitLearn(weighted: true) }

    func testSameSeedSameTreesAnyThreadCount() {
        var state: UInt64 = 1
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1
            return Double(state >> 11) * 0x1p-53
        }
        let x = (0..<60_000).map { _ in uniform() }
        let y = (0..<20_000).map { i in x[3 * i] + 0.3 * x[3 * i + 1] > 0.7 ? 1.0 : 0.0 }
        var settings = BoostingSettings()
        settings.iterations = 20
        settings.threads = 1
        let one = BoostedTrees.fit(x: x, y: y, features: 3, settings: settings).0
        settings.threads = 2
        let two = BoostedTrees.fit(x: x, y: y, features: 3, settings: settings).0
        XCTAssertEqual(one, two)
    }

    func testModelFileReadsBackBitForBit() throws {
        let x = (0..<4000).map { Double($0 % 97) / 97 }, y = (0..<2000).map { Double($0 % 3 == 0 ? 1 : 0) }
        var settings = BoostingSettings()
        settings.iterations = 15
        let model = BoostedTrees.fit(x: x, y: y, features: 2, settings: settings).0
        let stored = [StoredTrees(model: model, features: ["a", "b"], notes: ["fold": "0"]),
                      StoredTrees(model: model, features: ["a", "b"], notes: ["fold": "1"])]
        let path = NSTemporaryDirectory() + "flow-\(UUID().uuidString).flowgbt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TreeModelFile.write(stored, to: path)
        XCTAssertTrue(TreeModelFile.isTreeFile(path))
        XCTAssertEqual(try TreeModelFile.read(path), stored)
        XCTAssertEqual(try TreeModelFile.read(path)[0].model.predict(x), model.predict(x))
    }

    func testSquaredErrorRecoversAStepFunction() {
        let x = (0..<10_000).map { Double($0) / 10_000 }
        let y = x.map { $0 < 0.3 ? -1.0 : ($0 < 0.6 ? 2.0 : 0.5) }
        var settings = BoostingSettings()
        settings.loss = .squaredError
        settings.iterations = 60
        settings.tree.learningRate = 0.3
        let model = BoostedTrees.fit(x: x, y: y, features: 1, settings: settings).0
        let predicted = model.predict([0.1, 0.45, 0.9])
        for (p, e) in zip(predicted, [-1.0, 2.0, 0.5]) { XCTAssertEqual(p, e, accuracy: 1e-3) }
    }

    func testEarlyStoppingKeepsTheBestIteration() {
        var state: UInt64 = 9
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1
            return Double(state >> 11) * 0x1p-53
        }
        // Labels are pure noise: the validation loss stops improving almost at once.
        let x = (0..<20_000).map { _ in uniform() }, y = (0..<20_000).map { _ in uniform() < 0.5 ? 1.0 : 0.0 }
        let vx = (0..<5_000).map { _ in uniform() }, vy = (0..<5_000).map { _ in uniform() < 0.5 ? 1.0 : 0.0 }
        var settings = BoostingSettings()
        settings.iterations = 200
        let (model, history) = BoostedTrees.fit(x: x, y: y, features: 1, validation: (vx, vy, nil), settings: settings)
        XCTAssertLessThan(history.validationLoss.count, 200, "stopped early")
        XCTAssertEqual(model.trees.count, history.bestIteration + 1)
        XCTAssertEqual(history.validationLoss.min(), history.validationLoss[history.bestIteration])
    }
}
