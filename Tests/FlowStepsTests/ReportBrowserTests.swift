import Artefacts
import Calibration
import Network
import Random
import XCTest
import EventData
import FlowConfig
import FlowEngine
@testable import FlowSteps
import TestSupport

/// The whole positive-weight chain on 60 000 generated events, down to the report rendered by headless
/// Chromium: an end-to-end test (`make test-e2e`).
final class ReportBrowserTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "flow-chain-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    /// The whole chain on a small SUM sample: train (cross-fitted) → calibrate → transform → compare,
    /// and a baseline transform beside it.
    func testPositiveWeightChain() async throws {
        let (workspace, outcomes) = try await runWorkflow("""
        flow: 1
        datasets:
          sm: {generate: {process: sm-ttbar, events: 20000}}
          res: {generate: {process: pseudoscalar-resonance, events: 20000}}
          int: {generate: {process: pseudoscalar-interference, events: 20000}}
          background: {generate: {process: sm-ttbar, events: 20000, seed: 99}}
        features: [t_px, t_py, t_pz, t_E, tbar_px, tbar_py, tbar_pz, tbar_E, mtt, chel]
        steps:
          mix: {merge: [sm, res, int]}
          net: {train: {data: mix, layers: [32, 32], epochs: 3, batch_size: 1024, learning_rate: 0.003, folds: 3}}
          calibrated: {calibrate: {model: net, data: mix}}
          weights: {transform: {data: mix, model: calibrated}}
          dropped: {transform: {data: mix, mode: drop-negative}}
          closure: {compare: {reference: mix, candidate: weights, observables: [mtt, chel, m_ll], bins: 20}}
          classifier: {classify: {background: background, signal: weights, layers: [16], epochs: 2, compare_to: [raw, abs], bins: 10}}
          classifier_trees: {classify: {background: background, signal: weights, features: [mtt, chel], model: {kind: boosted-trees, iterations: 30}, bins: 10}}
          report: {report: {closure: closure, weights: weights, calibration: calibrated, training: net, classifier: classifier}}
        """, in: directory)
        for name in ["net", "calibrated", "weights", "dropped", "closure", "classifier", "report"] {
            XCTAssertNotNil(outcomes[name]?.record, "\(name): \(String(describing: outcomes[name]))")
        }
        let weights = try NPZ.read(workspace.store.objectPath(outcomes["weights"]!.record!.outputs["events"]!.digest))
        let original = weights["weight_original"]!, transformed = weights["weight"]!
        XCTAssertEqual(weights.rowCount, 60000)
        XCTAssertTrue(weights["p"]!.allSatisfy { $0 >= 0 && $0 <= 1 })
        // p recomputed here from the stored models, fold assignment and isotonic maps, not read from the
        // step's own p column: each event by the model of its fold, through that fold's map.
        let calibrated = try XCTUnwrap(outcomes["calibrated"]?.record)
        let models = try ModelFile.read(workspace.store.objectPath(try XCTUnwrap(calibrated.outputs["models"]).digest))
        let assignment = try FoldAssignment.read(workspace.store.objectPath(try XCTUnwrap(calibrated.outputs["folds"]).digest))
        let maps = try CalibrationSet.read(workspace.store.objectPath(try XCTUnwrap(calibrated.outputs["calibration"]).digest)).folds
            .map { IsotonicRegression(knotsX: $0.x, knotsY: $0.y) }
        let folds = Splits.folds(rows: weights.rowCount, k: assignment.folds, seed: UInt64(assignment.seed))
        XCTAssertFalse(assignment.fromColumn)
        let features = models[0].features
        for row in stride(from: 0, to: weights.rowCount, by: 97) {
            let x = features.map { weights[$0]![row] }
            let p = maps[folds[row]].predict(models[folds[row]].network.predict(x, threads: 1)[0])
            XCTAssertEqual(transformed[row], abs(original[row]) * (2 * p - 1), accuracy: 1e-9, "row \(row)")
        }
        let metrics = outcomes["closure"]!.record!.metrics
        XCTAssertLessThan(metrics["negative_fraction_after"]!.double!, 0.05)
        XCTAssertGreaterThan(metrics["kish_fraction_after"]!.double!, metrics["kish_fraction_before"]!.double!)
        XCTAssertLessThan(abs(metrics["sum_pull"]!.double!), 4)
        XCTAssertNotNil(metrics["two_sample_auc"]?.double)
        let classifier = outcomes["classifier"]!.record!.metrics
        print("chain classifier metrics:", classifier.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.canonicalJSON)" }.joined(separator: " "))
        let zHistogram = try XCTUnwrap(classifier["significance_mtt"]?.double)
        XCTAssertGreaterThan(zHistogram, 5 * (classifier["significance_mtt_error"]?.double ?? .infinity), "the m_tt histogram sees A")
        // A model that learnt nothing scores every event alike: AUC 0.5, and one bin whose Z is the total A
        // yield over √SM, σ_A·√L/√σ_SM = 0.1365 pb·√(138 fb⁻¹)/√(16.78 pb) ≈ 12.4. This small network
        // (16 units, 2 epochs) reaches about 22; the main workflow's reaches the histogram's.
        for strategy in ["transformed", "raw"] {
            let auc = try XCTUnwrap(classifier["auc_\(strategy)"]?.double)
            XCTAssertGreaterThan(auc, 0.502, "\(strategy): SM + A scores higher than SM")
            let z = try XCTUnwrap(classifier["significance_\(strategy)"]?.double)
            XCTAssertGreaterThan(z, 16, "\(strategy): Z \(z) is no better than a model that learnt nothing")
        }
        // The profile-likelihood results: weaker than √Σs²/b (the fit may pull the background's normalisation
        // and each bin's template), and the workspace the step wrote gives pyhf the same Z₀.
        let z0 = try XCTUnwrap(classifier["z0_mtt"]?.double), limit = try XCTUnwrap(classifier["mu_limit_mtt"]?.double)
        XCTAssertGreaterThan(z0, 0)
        XCTAssertLessThan(z0, zHistogram)
        XCTAssertTrue(limit > 0 && limit < 10, "μ limit \(limit)")
        let workspaceFile = try workspace.store.objectPath(XCTUnwrap(outcomes["classifier"]!.record!.outputs["workspace_mtt"]).digest)
        let pyhf = String(decoding: try runPython("""
            import json, sys, pyhf
            workspace = pyhf.Workspace(json.load(open(sys.argv[1])))
            model = workspace.model()
            init = model.config.suggested_init(); init[model.config.poi_index] = 1.0
            q0 = pyhf.infer.test_statistics.q0(0.0, model.expected_data(init), model, model.config.suggested_init(),
                                                model.config.suggested_bounds(), model.config.suggested_fixed())
            print(float(q0) ** 0.5)
            """, arguments: [workspaceFile]), as: UTF8.self)
        XCTAssertEqual(try XCTUnwrap(Double(pyhf.trimmingCharacters(in: .whitespacesAndNewlines))), z0, accuracy: 1e-3 * z0)
        let trees = try XCTUnwrap(outcomes["classifier_trees"]?.record?.metrics, "\(String(describing: outcomes["classifier_trees"]))")
        XCTAssertTrue((0.3...0.7).contains(try XCTUnwrap(trees["auc_transformed"]?.double)), "the trees classify too")
        try checkReport(workspace.store.objectPath(outcomes["report"]!.record!.outputs["report"]!.digest), directory: directory)
        let dropped = try NPZ.read(workspace.store.objectPath(outcomes["dropped"]!.record!.outputs["events"]!.digest))
        XCTAssertTrue(dropped["weight"]!.allSatisfy { $0 >= 0 })
        XCTAssertEqual(dropped["weight"]!.reduce(0, +), original.reduce(0, +), accuracy: 1e-9)
    }

    /// The report is well-formed XHTML with every plot, and headless Chromium renders it to a picture
    /// that is not blank.
    func checkReport(_ path: String, directory: String) throws {
        let html = directory + "/report.html"
        try FileManager.default.copyItem(atPath: path, toPath: html)
        let script = """
        import sys, xml.etree.ElementTree as ET
        root = ET.parse(sys.argv[1]).getroot()
        print(sorted(s.get("id") for s in root.iter("{http://www.w3.org/2000/svg}svg")))
        """
        let ids = String(decoding: try runPython(script, arguments: [html]), as: UTF8.self)
        for id in ["closure-mtt", "closure-mtt-ratio", "closure-chel", "closure-m_ll", "weights", "reliability-fold0",
                   "loss-weight-network", "roc", "loss-classifier"] {
            XCTAssertTrue(ids.contains("'\(id)'"), "plot \(id) missing from the report: \(ids)")
        }
        let browser = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let chromium = try XCTUnwrap(browser, "Chromium must be installed (make setup)")
        let png = directory + "/report.png"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,2000",
                             "--screenshot=\(png)", "file://\(html)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertTrue(FileManager.default.fileExists(atPath: png), "no screenshot")
        // Count the pixels drawn in the plots' two main colours: a page shown as source text, or with
        // its plots missing, has none.
        let counter = """
        import sys, zlib, struct
        data = open(sys.argv[1], "rb").read()
        assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
        pos, idat, width, height, kind = 8, b"", 0, 0, 0
        while pos < len(data):
            length, tag = struct.unpack(">I4s", data[pos:pos + 8]); body = data[pos + 8:pos + 8 + length]
            if tag == b"IHDR": width, height, depth, kind = struct.unpack(">IIBB", body[:10])
            if tag == b"IDAT": idat += body
            pos += 12 + length
        channels = {2: 3, 6: 4}[kind]; stride = width * channels; raw = zlib.decompress(idat)
        previous, blue, red, i = bytearray(stride), 0, 0, 0
        for _ in range(height):
            f, row = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
            for x in range(stride):
                a = row[x - channels] if x >= channels else 0; b = previous[x]; c = previous[x - channels] if x >= channels else 0
                if f == 1: row[x] = (row[x] + a) & 255
                elif f == 2: row[x] = (row[x] + b) & 255
                elif f == 3: row[x] = (row[x] + (a + b) // 2) & 255
                elif f == 4:
                    p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    row[x] = (row[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            for x in range(0, stride, channels):
                r, g, bl = row[x:x + 3]
                if abs(r - 31) < 40 and abs(g - 78) < 40 and abs(bl - 156) < 40: blue += 1
                if abs(r - 209) < 40 and abs(g - 73) < 40 and abs(bl - 91) < 40: red += 1
            previous = row
        print(blue, red)
        """
        let counts = String(decoding: try runPython(counter, arguments: [png]), as: UTF8.self)
            .split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(counts.count, 2)
        XCTAssertGreaterThan(counts.first ?? 0, 1000, "blue plot lines in the screenshot")
        XCTAssertGreaterThan(counts.last ?? 0, 1000, "red plot lines in the screenshot")
    }

    func zip3<A, B, C>(_ a: [A], _ b: [B], _ c: [C]) -> [(A, B, C)] { (0..<min(a.count, b.count, c.count)).map { (a[$0], b[$0], c[$0]) } }
}
