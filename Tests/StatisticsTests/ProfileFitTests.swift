import Foundation
import Statistics
import TestSupport
import XCTest

final class ProfileFitTests: XCTestCase {
    /// Without nuisance parameters the Asimov results have closed forms: Z₀² = 2Σ[(s+b)ln(1+s/b) − s], and
    /// q_μ,A = 2Σ[μs − b ln(1 + μs/b)], whose median CLs 2(1 − Φ(√q_μ,A)) is 0.05 at the expected limit.
    func testClosedFormsWithoutNuisanceParameters() {
        let s = [3.0, 8, 15, 6, 1], b = [100.0, 80, 60, 40, 20]
        let model = BinnedModel(signal: s, signalSumw2: s, background: b, backgroundSumw2: b, statisticalUncertainty: false)
        let z2 = zip(s, b).reduce(0) { $0 + 2 * (($1.0 + $1.1) * log(1 + $1.0 / $1.1) - $1.0) }
        XCTAssertEqual(Asymptotics.discoverySignificance(model), z2.squareRoot(), accuracy: 1e-7 * z2.squareRoot())

        let limits = Asymptotics.expectedUpperLimits(model)
        XCTAssertEqual(limits.count, 5)
        XCTAssertEqual(limits, limits.sorted(), "the band is ascending")
        let median = limits[2]
        let qA = zip(s, b).reduce(0) { $0 + 2 * (median * $1.0 - $1.1 * log(1 + median * $1.0 / $1.1)) }
        XCTAssertEqual(2 * (1 - Asymptotics.normalCDF(qA.squareRoot())), 0.05, accuracy: 1e-5)
    }

    /// Uncertainties only weaken the result: a normalisation uncertainty and the templates' statistical
    /// uncertainty each lower Z₀ and raise the limit.
    func testNuisanceParametersWeakenTheResult() {
        let s = [3.0, 8, 15, 6, 1], b = [100.0, 80, 60, 40, 20]
        let bare = BinnedModel(signal: s, signalSumw2: s.map { $0 * 0.5 }, background: b, backgroundSumw2: b.map { $0 * 0.2 },
                               statisticalUncertainty: false)
        var normalised = bare
        normalised.backgroundNormalisation = 0.1
        var full = normalised
        full.statisticalUncertainty = true
        let z = [bare, normalised, full].map(Asymptotics.discoverySignificance)
        XCTAssertGreaterThan(z[0], z[1])
        XCTAssertGreaterThan(z[1], z[2])
        let limits = [bare, normalised, full].map { Asymptotics.expectedUpperLimits($0)[2] }
        XCTAssertLessThan(limits[0], limits[1])
        XCTAssertLessThan(limits[1], limits[2])
    }

    /// The exported workspace, read by pyhf (PyPI), gives the same Z₀ and the same expected limits within
    /// 10⁻³ relative: a signed signal (an interference's peak and dip), MC statistical uncertainties and a
    /// background normalisation uncertainty, in several shapes.
    func testAgreesWithPyhfOnItsOwnWorkspace() throws {
        let directory = try temporaryDirectory("profile-fit")
        var models: [BinnedModel] = []
        var state: UInt64 = 7
        func uniform() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        for (bins, normalisation) in [(4, 0.0), (10, 0.1)] {
            let b = (0..<bins).map { _ in 200 + 2000 * uniform() }
            let s = b.enumerated().map { i, b in b * 0.04 * sin(Double(i) * 1.3 + 0.4) + b * 0.01 }
            models.append(BinnedModel(signal: s, signalSumw2: s.map { 0.3 * abs($0) + 1 }, background: b,
                                      backgroundSumw2: b.map { $0 * 0.05 * (1 + uniform()) }, backgroundNormalisation: normalisation))
        }
        var paths: [String] = []
        for (index, model) in models.enumerated() {
            let path = "\(directory)/workspace-\(index).json"
            try HistFactoryWorkspace.data(model, channel: "classifier").write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let script = """
        import json, sys, pyhf
        for path in sys.argv[1:]:
            workspace = pyhf.Workspace(json.load(open(path)))
            model = workspace.model()
            init = model.config.suggested_init()
            poi = model.config.poi_index
            signal = list(init); signal[poi] = 1.0
            q0 = pyhf.infer.test_statistics.q0(0.0, model.expected_data(signal), model, init,
                                                model.config.suggested_bounds(), model.config.suggested_fixed())
            _, expected = pyhf.infer.intervals.upper_limits.upper_limit(workspace.data(model), model)
            print(json.dumps([float(q0) ** 0.5] + [float(x) for x in expected]))
        """
        let lines = String(decoding: try runPython(script, arguments: paths), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.count, models.count)
        for (model, line) in zip(models, lines) {
            let reference = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Double])
            let ours = [Asymptotics.discoverySignificance(model)] + Asymptotics.expectedUpperLimits(model)
            for (a, b) in zip(ours, reference) {
                XCTAssertEqual(a, b, accuracy: 1e-3 * abs(b), "flow \(ours) against pyhf \(reference)")
            }
        }
    }

    /// Bins without background are left out of the model (and so of the workspace) rather than divided by.
    func testBinsWithoutBackgroundAreLeftOut() {
        let model = BinnedModel(signal: [1, 2, 3], signalSumw2: [1, 1, 1], background: [10, 0, 10], backgroundSumw2: [1, 0, 1])
        XCTAssertEqual(model.bins, 2)
        XCTAssertEqual(model.signal, [1, 3])
        XCTAssertGreaterThan(Asymptotics.discoverySignificance(model), 0)
    }
}
