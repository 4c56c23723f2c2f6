import Artefacts
import Calibration
import EventData
import FlowEngine
@testable import FlowSteps
import Foundation
import Reweighting
import TestSupport
import XCTest

/// `export: {format: onnx}`: the cross-fitted, calibrated weight networks as one ONNX model, checked by the
/// `onnx` package's checker and evaluated by ONNX Runtime (PyPI) against flow's own p.
final class ONNXExportTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws { directory = try temporaryDirectory("flow-onnx") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    /// Every input map (quantile and standard), every activation, ensembles, boosted trees and the
    /// calibration: ONNX Runtime's p equals the mean over the folds of each fold's calibrated ensemble output.
    func testWeightModelsAgreeWithONNXRuntime() async throws {
        let (workspace, outcomes) = try await runWorkflow("""
        flow: 1
        datasets:
          sm: {generate: {process: sm-ttbar, events: 8000, seed: 3}}
          int: {generate: {process: pseudoscalar-interference, events: 8000, seed: 4}}
        features: [mtt, chel, ytt, cos_theta_star]
        steps:
          mix: {merge: [sm, int]}
          quantile: {train: {data: mix, layers: [16, 8], epochs: 2, seed: 5, ensemble: 2, activation: silu}}
          calibrated: {calibrate: {model: quantile, data: mix}}
          standard: {train: {data: mix, layers: [12], epochs: 2, seed: 6, input_transform: standard, activation: leaky-relu, folds: 2}}
          trees: {train: {data: mix, model: {kind: boosted-trees, iterations: 40, min_samples_leaf: 50}, seed: 7}}
          calibrated_trees: {calibrate: {model: trees, data: mix}}
          onnx_calibrated: {export: {format: onnx, model: calibrated}}
          onnx_raw: {export: {format: onnx, model: standard}}
          onnx_trees: {export: {format: onnx, model: calibrated_trees}}
        """, in: directory)
        let object = { (step: String, output: String) in try workspace.store.objectPath(XCTUnwrap(outcomes[step]?.record?.outputs[output]).digest) }
        let table = try NPZ.read(object("mix", "events"))
        let features = ["mtt", "chel", "ytt", "cos_theta_star"]
        let rows = Array(0..<table.rowCount)
        let x = try featureMatrix(table, features: features, rows: rows, dataset: "mix")
        var columns = Dictionary(uniqueKeysWithValues: features.map { f in (f, rows.map { table[f]![$0] }) })
        for (step, trained, calibration) in [("onnx_calibrated", "quantile", "calibrated"), ("onnx_raw", "standard", nil), ("onnx_trees", "trees", "calibrated_trees")] {
            let models = try FoldModel.read(object(trained, "models")), assignment = try FoldAssignment.read(object(trained, "folds"))
            let maps = try calibration.map { try CalibrationSet.read(object($0, "calibration")).folds.map { IsotonicRegression(knotsX: $0.x, knotsY: $0.y) } }
            var p = [Double](repeating: 0, count: rows.count)
            for fold in 0..<assignment.folds {
                var mean = [Double](repeating: 0, count: rows.count)
                for m in models[(fold * assignment.ensemble)..<((fold + 1) * assignment.ensemble)] {
                    for (i, v) in m.predict(x, threads: 1).enumerated() { mean[i] += v / Double(assignment.ensemble) }
                }
                for i in p.indices { p[i] += (maps?[fold].predict(mean[i]) ?? mean[i]) / Double(assignment.folds) }
            }
            columns["p_\(step)"] = p
        }
        let csv = directory + "/expected.csv"
        try DataFiles.write(EventTable(columns.sorted { $0.key < $1.key }), to: csv)
        let script = """
        import sys, numpy, onnx, onnxruntime
        data = numpy.genfromtxt(sys.argv[1], delimiter=",", names=True)
        x = numpy.stack([data[f] for f in ["mtt", "chel", "ytt", "cos_theta_star"]], axis=1)
        for name, path in zip(["onnx_calibrated", "onnx_raw", "onnx_trees"], sys.argv[2:]):
            onnx.checker.check_model(onnx.load(path), full_check=True)
            session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
            p, factor = [], []
            for start in range(0, len(x), 1000):
                a, b = session.run(["p", "weight_factor"], {"features": x[start:start + 1000]})
                p.append(a[:, 0]); factor.append(b[:, 0])
            p, factor = numpy.concatenate(p), numpy.concatenate(factor)
            difference = numpy.abs(p - data["p_" + name])
            print(name, float(numpy.max(difference)), float(numpy.quantile(difference, 0.999)), float(numpy.max(numpy.abs(factor - (2 * p - 1)))), float(numpy.std(p)))
        """
        let lines = String(decoding: try runPython(script, arguments: [csv, try object("onnx_calibrated", "model"), try object("onnx_raw", "model"),
                                                                       try object("onnx_trees", "model")]),
                           as: UTF8.self).split(separator: "\n")
        print("ONNX Runtime against flow:", lines)
        XCTAssertEqual(lines.count, 3, "\(lines)")
        for line in lines {
            let fields = line.split(separator: " ")
            let (largest, quantile, factor, spread) = (Double(fields[1])!, Double(fields[2])!, Double(fields[3])!, Double(fields[4])!)
            // The networks agree to float rounding (ONNX Runtime's own matrix products and sigmoid). An isotonic
            // map is nearly a step function: where two knots are a few float steps apart, that rounding moves p
            // along the step, so the calibrated p is held to 10⁻⁵ for 99.9 % of events and 10⁻³ for every one.
            if fields[0] == "onnx_raw" {
                XCTAssertLessThan(largest, 1e-6, "ONNX Runtime's p differs from flow's by \(largest)")
            } else {
                XCTAssertLessThan(quantile, 1e-5, "ONNX Runtime's calibrated p differs from flow's by \(quantile) for 0.1 % of events")
                XCTAssertLessThan(largest, 1e-3, "ONNX Runtime's calibrated p differs from flow's by \(largest)")
            }
            XCTAssertLessThan(factor, 1e-6)
            XCTAssertGreaterThan(spread, 1e-3, "\(fields[0]): p varies, so the comparison means something")
        }
    }
}
