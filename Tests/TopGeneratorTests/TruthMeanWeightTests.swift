import XCTest
import EventData
import Metrics
@testable import TopGenerator

/// The exact E[w|x] (`physics-generator.md` §7a) against its definition, on the samples of
/// `PhysicsOutcomeTests` (2·10⁵ events each).
final class TruthMeanWeightTests: XCTestCase {
    var settings: [GeneratorSettings] { ProcessKind.allCases.map { GeneratorSettings(process: $0, events: PhysicsOutcomeTests.events, threads: 2) } }

    func truth(_ table: EventTable, _ samples: [GeneratorSettings]) -> [Double] {
        TruthMeanWeight(samples: samples).values(mtt: table["mtt"]!, ytt: table["ytt"]!, cosThetaStar: table["cos_theta_star"]!, chel: table["chel"]!)
    }

    var sum: EventTable { try! EventTable.concatenate(ProcessKind.allCases.map { PhysicsOutcomeTests.samples[$0]! }, sampleIDs: nil) }

    /// Σ E[w|x] over the events equals Σw within its statistical error, for every sample alone and the merge.
    func testItsSumIsTheSamplesSum() {
        for (process, sample) in zip(ProcessKind.allCases, settings) {
            let table = PhysicsOutcomeTests.samples[process]!
            let w = table["weight"]!, t = truth(table, [sample])
            let error = w.map { $0 * $0 }.reduce(0, +).squareRoot()
            XCTAssertEqual(t.reduce(0, +), w.reduce(0, +), accuracy: 3 * error, "\(process)")
        }
        let merged = sum, w = merged["weight"]!, t = truth(merged, settings)
        XCTAssertEqual(t.reduce(0, +), w.reduce(0, +), accuracy: 3 * w.map { $0 * $0 }.reduce(0, +).squareRoot(), "SM + RES + INT")
    }

    /// On the SUM sample the mean weight is positive everywhere, and its effective sample size is what
    /// the specification quotes (0.48 of N, against 0.075 for w).
    func testOnTheSumItIsPositiveWithTheQuotedEffectiveSize() {
        let merged = sum, t = truth(merged, settings), w = merged["weight"]!
        XCTAssertTrue(t.allSatisfy { $0 > 0 }, "E[w|x] > 0 for every SUM event")
        let kish = { (x: [Double]) in pow(x.reduce(0, +), 2) / x.map { $0 * $0 }.reduce(0, +) / Double(x.count) }
        XCTAssertEqual(kish(t), 0.48, accuracy: 0.04)
        XCTAssertEqual(kish(w), 0.075, accuracy: 0.02)
    }

    /// As a reweighting, the truth closes every function of x (paired χ²/ndf near 1, within the scatter
    /// of heavy-tailed weights), but not Δφ_ℓℓ, which depends on the lepton directions beyond c_hel.
    func testItClosesFunctionsOfXButNotTheLeptonAngle() throws {
        var merged = sum
        let t = truth(merged, settings), w = merged["weight"]!
        for name in ["mtt", "chel"] {
            let values = merged[name]!
            let closure = PairedClosure(values: values, reference: w, candidate: t, edges: Histogram.quantileEdges(values, bins: 20))
            XCTAssertLessThan(closure.chi2PerDegree, 2.5, "\(name): the truth closes a function of x")
        }
        try DerivedColumns.add(["dphi_ll"], to: &merged, dataset: "sum")
        let dphi = merged["dphi_ll"]!
        let closure = PairedClosure(values: dphi, reference: w, candidate: t, edges: Histogram.quantileEdges(dphi, bins: 20))
        XCTAssertGreaterThan(closure.chi2PerDegree, 1.5, "Δφ_ℓℓ is outside x: the truth does not close it")
    }
}
