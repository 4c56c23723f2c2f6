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
    public let version = 5

    struct Settings: SettingGroup {
        @Setting(required: "reference", .reference, "Events with the original weights.") var reference: String
        @Setting(required: "candidate", .reference, "The same events with new weights (e.g. a transform step).") var candidate: String
        @Setting(required: "observables", .list(.string(), minItems: 1), "Columns (or derivable quantities) to histogram.") var observables: [String]
        @Setting("bins", .integer(minimum: 2, maximum: 10_000), "Bins per observable for the statistic, equally populated in the reference.") var bins = 40
        @Setting("plot_bins", .integer(minimum: 2, maximum: 10_000), "Bins of one round width over the central 99 % of each observable, for the plots.")
        var plotBins = 40
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
        // The exact E[w|x], where the events carry it: validation only, never a model's input.
        let truth = reference[TruthColumn.name]
        let weights = Self.weightComparison(w, wNew, truth: truth)
        context.log(String(format: "Σw′/Σw = %.6g (paired pull %.2f); f %.4f → %.4f; Kish N_eff/N %.4f → %.4f", weights.sumRatio, weights.sumPull,
                           weights.negativeFractionBefore, weights.negativeFractionAfter, weights.kishFractionBefore, weights.kishFractionAfter))
        let observables = s.observables.map { name in
            let closure = Self.closure(name, values: reference[name]!, w, wNew, truth: truth, bins: s.bins, plotBins: s.plotBins)
            context.log(String(format: "%-16@ paired χ²/ndf %6.3f (p %.3g)  max |pull| %5.2f   independent χ²/ndf %6.3f%@", name as NSString,
                               closure.paired.chi2PerDegree, closure.paired.pValue, closure.paired.maxAbsPull, closure.independentChi2PerDegree,
                               closure.truth.map { String(format: "   truth χ²/ndf %6.3f", $0.chi2PerDegree) } ?? ""))
            return closure
        }
        var auc: (auc: Double, error: Double)?
        if s.twoSample {
            let x = try featureMatrix(reference, features: s.observables, rows: Array(0..<reference.rowCount), dataset: referenceName)
            auc = TwoSampleTest(seed: UInt64(s.seed)).auc(x: x, inputs: s.observables.count, reference: w, candidate: wNew, threads: context.threads)
            context.log(String(format: "two-sample classifier AUC %.4f ± %.4f", auc!.auc, auc!.error))
        }
        let summary = ClosureSummary(weights: weights, observables: observables, twoSampleAuc: auc?.auc, twoSampleAucError: auc?.error)
        return StepResult(outputs: ["closure": try summary.write(in: context.scratch)], metrics: summary.metrics)
    }

    static func weightComparison(_ w: [Double], _ wNew: [Double], truth: [Double]?) -> WeightComparison {
        let before = WeightSummary(w), after = WeightSummary(wNew)
        let n = Double(max(1, before.events))
        return WeightComparison(negativeFractionBefore: before.negativeFraction, negativeFractionAfter: after.negativeFraction,
                                negativeWeightFractionBefore: before.negativeWeightFraction, negativeWeightFractionAfter: after.negativeWeightFraction,
                                kishFractionBefore: before.effectiveEvents / n, kishFractionAfter: after.effectiveEvents / n,
                                sumRatio: after.sum / before.sum, sumPull: PairedSum.pull(reference: w, candidate: wNew),
                                kishFractionTruth: truth.map { WeightSummary($0).effectiveEvents / n })
    }

    /// The paired statistic in bins equally populated in the reference (the lenient one beside it), the
    /// truth's own closure in the same bins, and round-width bins for the plots.
    static func closure(_ name: String, values: [Double], _ w: [Double], _ wNew: [Double], truth: [Double]?, bins: Int, plotBins: Int) -> ObservableClosure {
        let edges = Histogram.quantileEdges(values, bins: bins)
        let c = PairedClosure(values: values, reference: w, candidate: wNew, edges: edges)
        let variance = c.candidate.sumsOfSquares.reduce(0, +) / max(c.reference.sumsOfSquares.reduce(0, +), 1e-300)
        let displayEdges = Histogram.displayEdges(values, bins: plotBins)
        let display = HistogramPair(Histogram(clamping: values, weights: w, edges: displayEdges), Histogram(clamping: values, weights: wNew, edges: displayEdges))
        return ObservableClosure(name: name, histograms: HistogramPair(c.reference, c.candidate), paired: c.statistic,
                                 independentChi2PerDegree: c.independent.chi2PerDegree, independentMaxAbsPull: c.independent.maxAbsPull,
                                 varianceRatio: variance, display: display,
                                 truth: truth.map { PairedClosure(values: values, reference: w, candidate: $0, edges: edges).statistic })
    }
}

extension HistogramPair {
    init(_ reference: Histogram, _ candidate: Histogram) {
        self.init(edges: reference.edges, reference: reference.sums, referenceSumw2: reference.sumsOfSquares,
                  candidate: candidate.sums, candidateSumw2: candidate.sumsOfSquares)
    }
}

extension PairedClosure {
    var statistic: PairedStatistic {
        PairedStatistic(differenceVariance: differenceVariance, pulls: pulls, chi2: chi2, ndf: ndf, chi2PerDegree: chi2PerDegree,
                        pValue: pValue, maxAbsPull: maxAbsPull)
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
        if let truth = weights.kishFractionTruth { m["kish_fraction_truth"] = .double(TableIO.rounded(truth)) }
        for o in observables {
            m["chi2ndf_\(o.name)"] = .double(TableIO.rounded(o.paired.chi2PerDegree))
            m["p_value_\(o.name)"] = .double(TableIO.rounded(o.paired.pValue))
            m["max_pull_\(o.name)"] = .double(TableIO.rounded(o.paired.maxAbsPull))
            m["chi2ndf_independent_\(o.name)"] = .double(TableIO.rounded(o.independentChi2PerDegree))
            m["variance_ratio_\(o.name)"] = .double(TableIO.rounded(o.varianceRatio))
            if let truth = o.truth { m["chi2ndf_truth_\(o.name)"] = .double(TableIO.rounded(truth.chi2PerDegree)) }
        }
        if let twoSampleAuc { m["two_sample_auc"] = .double(TableIO.rounded(twoSampleAuc)) }
        if let twoSampleAucError { m["two_sample_auc_error"] = .double(TableIO.rounded(twoSampleAucError)) }
        return m
    }
}
