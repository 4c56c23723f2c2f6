import Artefacts
import EventData
import FlowConfig
import FlowEngine
import Foundation
import Metrics
import Reweighting

/// `compare`: how closely a new weighting reproduces the original one on the same events.
public struct CompareStep: StepKind {
    public init() {}
    public let version = 4

    struct Settings: SettingGroup {
        @Setting(required: "reference", .reference, "Events with the original weights.") var reference: String
        @Setting(required: "candidate", .reference, "The same events with new weights (e.g. a transform step).") var candidate: String
        @Setting(required: "observables", .list(.string(), minItems: 1), "Columns (or derivable quantities) to histogram.") var observables: [String]
        @Setting("bins", .integer(minimum: 2, maximum: 10_000), "Bins per observable, equally populated in the reference.") var bins = 40
        @Setting("two_sample", .boolean, "Train a classifier to tell the two weightings apart and report its AUC.") var twoSample = true
        @Setting("seed", .integer(minimum: 0, maximum: Limits.seed), "Seed of the two-sample classifier.") var seed = 1
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "compare", section: .steps, summary: "Closure metrics of a candidate weighting against a reference.", settings: Settings.self)
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        var (referenceName, reference) = try TableIO.input(context, at: "reference")
        let (candidateName, candidate) = try TableIO.input(context, at: "candidate")
        guard reference.rowCount == candidate.rowCount else {
            throw StepFailure(step: context.step.name, message: "\(referenceName) has \(reference.rowCount) events, \(candidateName) \(candidate.rowCount): compare needs the same events")
        }
        let w: [Double], wNew: [Double]
        do {
            w = try reference.weights(in: referenceName)
            wNew = try candidate.weights(in: candidateName)
            try DerivedColumns.add(s.observables, to: &reference, dataset: referenceName)
        } catch let error as DataError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }
        let weights = Self.weightComparison(w, wNew)
        context.log(String(format: "Σw′/Σw = %.6g (pull %.2f); f %.4f → %.4f; Kish N_eff/N %.4f → %.4f", weights.sumRatio, weights.sumPull,
                           weights.negativeFractionBefore, weights.negativeFractionAfter, weights.kishFractionBefore, weights.kishFractionAfter))
        let observables = s.observables.map { name in
            let closure = Self.closure(name, values: reference[name]!, w, wNew, bins: s.bins)
            context.log(String(format: "%-16@ χ²/ndf %6.3f  max |pull| %5.2f", name as NSString, closure.chi2PerDegree, closure.maxAbsPull))
            return closure
        }
        var auc: Double?
        if s.twoSample {
            let x = try featureMatrix(reference, features: s.observables, rows: Array(0..<reference.rowCount), dataset: referenceName)
            auc = TwoSampleTest(seed: UInt64(s.seed)).auc(x: x, inputs: s.observables.count, reference: w, candidate: wNew, threads: context.threads)
            context.log(String(format: "two-sample classifier AUC %.4f", auc!))
        }
        let summary = ClosureSummary(weights: weights, observables: observables, twoSampleAuc: auc)
        return StepResult(outputs: ["closure": try summary.write(in: context.scratch)], metrics: summary.metrics)
    }

    static func weightComparison(_ w: [Double], _ wNew: [Double]) -> WeightComparison {
        let before = WeightSummary(w), after = WeightSummary(wNew)
        let n = Double(max(1, before.events))
        return WeightComparison(negativeFractionBefore: before.negativeFraction, negativeFractionAfter: after.negativeFraction,
                                negativeWeightFractionBefore: before.negativeWeightFraction, negativeWeightFractionAfter: after.negativeWeightFraction,
                                kishFractionBefore: before.effectiveEvents / n, kishFractionAfter: after.effectiveEvents / n,
                                sumRatio: after.sum / before.sum, sumPull: (after.sum - before.sum) / before.sumError)
    }

    /// Both weightings histogrammed in bins equally populated in the reference.
    static func closure(_ name: String, values: [Double], _ w: [Double], _ wNew: [Double], bins: Int) -> ObservableClosure {
        let edges = Histogram.quantileEdges(values, bins: bins)
        let c = HistogramComparison(reference: Histogram(values: values, weights: w, edges: edges),
                                    candidate: Histogram(values: values, weights: wNew, edges: edges))
        let variance = c.candidate.sumsOfSquares.reduce(0, +) / max(c.reference.sumsOfSquares.reduce(0, +), 1e-300)
        return ObservableClosure(name: name, edges: edges, reference: c.reference.sums, referenceSumw2: c.reference.sumsOfSquares,
                                 candidate: c.candidate.sums, candidateSumw2: c.candidate.sumsOfSquares, pulls: c.pulls, chi2: c.chi2,
                                 ndf: c.ndf, chi2PerDegree: c.chi2PerDegree, maxAbsPull: c.maxAbsPull, varianceRatio: variance)
    }
}

extension ClosureSummary {
    /// The lock file's headline numbers (six significant digits, stable in diffs).
    var metrics: [String: Value] {
        var m: [String: Value] = [
            "negative_fraction_before": weights.negativeFractionBefore, "negative_fraction_after": weights.negativeFractionAfter,
            "negative_weight_fraction_before": weights.negativeWeightFractionBefore, "negative_weight_fraction_after": weights.negativeWeightFractionAfter,
            "kish_fraction_before": weights.kishFractionBefore, "kish_fraction_after": weights.kishFractionAfter,
            "sum_ratio": weights.sumRatio, "sum_pull": weights.sumPull,
        ].mapValues { .double(TableIO.rounded($0)) }
        for o in observables {
            m["chi2ndf_\(o.name)"] = .double(TableIO.rounded(o.chi2PerDegree))
            m["max_pull_\(o.name)"] = .double(TableIO.rounded(o.maxAbsPull))
            m["variance_ratio_\(o.name)"] = .double(TableIO.rounded(o.varianceRatio))
        }
        if let twoSampleAuc { m["two_sample_auc"] = .double(TableIO.rounded(twoSampleAuc)) }
        return m
    }
}
