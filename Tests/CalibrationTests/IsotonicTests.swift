@testable import Calibration
import EventData
@testable import Metrics
import Random
import TestSupport
import XCTest

final class IsotonicTests: XCTestCase {
    func testPoolsViolatorsWithWeights() {
        // y = 1, 3, 2 with weights 1, 1, 2: the last two pool to (3·1 + 2·2)/3.
        let fit = IsotonicRegression(x: [1, 2, 3], y: [1, 3, 2], weights: [1, 1, 2])
        XCTAssertEqual(fit.predict(1), 1)
        XCTAssertEqual(fit.predict(2), 7.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(fit.predict(3), 7.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(fit.predict(0), 1, "clipped below")
        XCTAssertEqual(fit.predict(10), 7.0 / 3, accuracy: 1e-15, "clipped above")
        XCTAssertEqual(fit.predict(1.5), 1 + 0.5 * (7.0 / 3 - 1), accuracy: 1e-15, "linear between knots")
    }

    func testTiesInXArePooledFirst() {
        // scikit-learn's issue 9432 example, checked against R's isotone (ties = "secondary").
        let fit = IsotonicRegression(x: [0, 1, 1, 2, 3, 4], y: [0, 0, 1, 0, 0, 1])
        XCTAssertEqual(fit.predict([0, 1, 1, 2, 3, 4]), [0, 0.25, 0.25, 0.25, 0.25, 1])
    }

    /// The same random weighted inputs through scikit-learn's IsotonicRegression(out_of_bounds="clip").
    func testAgreesWithScikitLearn() throws {
        let key = CounterRNG.streamKey(seed: 5, stream: 9)
        let n = 5000
        var x: [Double] = [], y: [Double] = [], w: [Double] = []
        for i in 0..<n {
            let e = CounterRNG.eventKey(key, UInt64(i))
            // Rounded x gives many ties; y is a noisy increasing function; some zero weights.
            let xi = (CounterRNG.uniform(e, 0) * 200).rounded() / 10
            x.append(xi)
            y.append(CounterRNG.uniform(e, 1) < 1 / (1 + exp(-(xi - 10) / 3)) ? 1 : 0)
            w.append(i % 17 == 0 ? 0 : 0.1 + 2 * CounterRNG.uniform(e, 2))
        }
        let queries = (0..<400).map { -2 + Double($0) * 0.06 }
        let fit = IsotonicRegression(x: x, y: y, weights: w)
        let ours = fit.predict(queries)

        let directory = try temporaryDirectory("iso")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try NPZ.write(try EventTable([("x", x), ("y", y), ("w", w)]), to: directory + "/in.npz")
        try NPZ.write(try EventTable([("q", queries)]), to: directory + "/q.npz")
        let script = """
        import numpy as np, sys, json
        from sklearn.isotonic import IsotonicRegression
        d = np.load(sys.argv[1] + "/in.npz"); q = np.load(sys.argv[1] + "/q.npz")["q"]
        r = IsotonicRegression(out_of_bounds="clip").fit(d["x"], d["y"], sample_weight=d["w"])
        print(json.dumps(r.predict(q).tolist()))
        """
        let data = try runPython(script, arguments: [directory])
        let theirs = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [Double])
        XCTAssertEqual(theirs.count, ours.count)
        for (a, b) in zip(ours, theirs) { XCTAssertEqual(a, b, accuracy: 1e-9) }
    }

    func testReliabilityMeasures() {
        let r = Reliability(predictions: [0.1, 0.1, 0.9, 0.9], outcomes: [0, 1, 1, 1], weights: [1, 1, 1, 1], bins: 10)
        XCTAssertEqual(r.bins.count, 2)
        XCTAssertEqual(r.bins[0].observedFrequency, 0.5)
        XCTAssertEqual(r.expectedCalibrationError, 0.5 * 0.4 + 0.5 * 0.1, accuracy: 1e-12)
        XCTAssertEqual(r.brierScore, (0.01 + 0.81 + 0.01 + 0.01) / 4, accuracy: 1e-12)
    }

    func testHistogramComparisonAndROC() {
        let reference = Histogram(values: [0.5, 1.5, 1.5], weights: [1, 2, -1], edges: [0, 1, 2])
        let candidate = Histogram(values: [0.5, 1.5], weights: [1, 1], edges: [0, 1, 2])
        let c = HistogramComparison(reference: reference, candidate: candidate)
        XCTAssertEqual(c.chi2, 0)
        XCTAssertEqual(c.ndf, 2)
        XCTAssertEqual(c.varianceRatios[1], 1.0 / 5)
        let perfect = ROC(scores: [0.9, 0.8, 0.2, 0.1], signal: [true, true, false, false], weights: [1, 1, 1, 1])
        XCTAssertEqual(perfect.area, 1, accuracy: 1e-12)
        let blind = ROC(scores: [0.5, 0.5, 0.5, 0.5], signal: [true, false, true, false], weights: [1, 2, 1, 2])
        XCTAssertEqual(blind.area, 0.5, accuracy: 1e-12)
    }
}
