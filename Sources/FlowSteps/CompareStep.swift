import EventData
import FlowConfig
import FlowEngine
import Foundation
import Metrics
import Network
import Random
import Reweighting

/// `compare`: how closely a new weighting reproduces the original one on the same events.
public struct CompareStep: StepKind {
    public init() {}
    public let version = 3

    public var description: KindDescription {
        KindDescription(name: "compare", section: .steps, summary: "Closure metrics of a candidate weighting against a reference.", schema: .object([
            Property("reference", .reference, required: true, "Events with the original weights."),
            Property("candidate", .reference, required: true, "The same events with new weights (e.g. a transform step)."),
            Property("observables", .list(.string(), minItems: 1), required: true, "Columns (or derivable quantities) to histogram."),
            Property("bins", .integer(minimum: 2, maximum: 10_000), "Bins per observable, equally populated in the reference (default 40)."),
            Property("two_sample", .boolean, "Train a classifier to tell the two weightings apart and report its AUC (default true)."),
            Property("seed", .integer(minimum: 0, maximum: Limits.seed), "Seed of the two-sample classifier (default 1)."),
        ]))
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let c = context.step.config
        var (referenceName, reference) = try TableIO.input(context, at: "reference")
        let (candidateName, candidate) = try TableIO.input(context, at: "candidate")
        guard reference.rowCount == candidate.rowCount else {
            throw StepFailure(step: context.step.name, message: "\(referenceName) has \(reference.rowCount) events, \(candidateName) \(candidate.rowCount): compare needs the same events")
        }
        let observables = c["observables"]!.array!.compactMap(\.string)
        let bins = c["bins"]?.int ?? 40
        let w: [Double], wNew: [Double]
        do {
            w = try reference.weights(in: referenceName)
            wNew = try candidate.weights(in: candidateName)
            try DerivedColumns.add(observables, to: &reference, dataset: referenceName)
        } catch let error as DataError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }

        var metrics: [String: Value] = [:]
        var report: [(String, Value)] = []
        let before = WeightSummary(w), after = WeightSummary(wNew)
        let n = Double(max(1, before.events))
        let sumPull = (after.sum - before.sum) / before.sumError
        metrics["negative_fraction_before"] = .double(TableIO.rounded(before.negativeFraction))
        metrics["negative_fraction_after"] = .double(TableIO.rounded(after.negativeFraction))
        metrics["negative_weight_fraction_before"] = .double(TableIO.rounded(before.negativeWeightFraction))
        metrics["negative_weight_fraction_after"] = .double(TableIO.rounded(after.negativeWeightFraction))
        metrics["kish_fraction_before"] = .double(TableIO.rounded(before.effectiveEvents / n))
        metrics["kish_fraction_after"] = .double(TableIO.rounded(after.effectiveEvents / n))
        metrics["sum_ratio"] = .double(TableIO.rounded(after.sum / before.sum))
        metrics["sum_pull"] = .double(TableIO.rounded(sumPull))
        context.log(String(format: "Σw = %.6g ± %.3g, Σw′ = %.6g (pull %.2f); f %.4f → %.4f; Kish N_eff/N %.4f → %.4f",
                           before.sum, before.sumError, after.sum, sumPull, before.negativeFraction, after.negativeFraction,
                           before.effectiveEvents / n, after.effectiveEvents / n))

        for name in observables {
            let values = reference[name]!
            let edges = Histogram.quantileEdges(values, bins: bins)
            let comparison = HistogramComparison(reference: Histogram(values: values, weights: w, edges: edges),
                                                 candidate: Histogram(values: values, weights: wNew, edges: edges))
            metrics["chi2ndf_\(name)"] = .double(TableIO.rounded(comparison.chi2PerDegree))
            metrics["max_pull_\(name)"] = .double(TableIO.rounded(comparison.maxAbsPull))
            let variance = comparison.candidate.sumsOfSquares.reduce(0, +) / max(comparison.reference.sumsOfSquares.reduce(0, +), 1e-300)
            metrics["variance_ratio_\(name)"] = .double(TableIO.rounded(variance))
            context.log(String(format: "%-16@ χ²/ndf %6.3f  max |pull| %5.2f", name as NSString, comparison.chi2PerDegree, comparison.maxAbsPull))
            report.append((name, .object([
                ("edges", .array(edges.map(Value.double))),
                ("reference", .array(comparison.reference.sums.map(Value.double))),
                ("reference_sumw2", .array(comparison.reference.sumsOfSquares.map(Value.double))),
                ("candidate", .array(comparison.candidate.sums.map(Value.double))),
                ("candidate_sumw2", .array(comparison.candidate.sumsOfSquares.map(Value.double))),
                ("pulls", .array(comparison.pulls.map(Value.double))),
                ("ratios", .array(comparison.ratios.map { $0.isFinite ? Value.double($0) : .null })),
                ("variance_ratios", .array(comparison.varianceRatios.map { $0.isFinite ? Value.double($0) : .null })),
                ("chi2", .double(comparison.chi2)), ("ndf", .int(comparison.ndf)),
            ])))
        }
        if c["two_sample"]?.bool ?? true {
            let auc = try twoSampleAUC(reference, w, wNew, observables, seed: UInt64(c["seed"]?.int ?? 1), threads: context.threads)
            metrics["two_sample_auc"] = .double(TableIO.rounded(auc))
            context.log(String(format: "two-sample classifier AUC %.4f", auc))
        }
        let path = context.scratch + "/closure.json"
        try Value.object([("metrics", .object(metrics.sorted { $0.key < $1.key })), ("histograms", .object(report))]).prettyJSON
            .write(toFile: path, atomically: false, encoding: .utf8)
        return StepResult(outputs: ["closure": path], metrics: metrics)
    }

    /// A fresh network learns to tell the w-weighted events from the w′-weighted copy on half the events;
    /// its weighted AUC on the other half is 0.5 when the two weightings agree.
    func twoSampleAUC(_ table: EventTable, _ w: [Double], _ wNew: [Double], _ observables: [String], seed: UInt64, threads: Int) throws -> Double {
        let halves = Splits.parts(rows: table.rowCount, fractions: [0.5, 0.5], seed: seed &+ 0x5453)
        let train = halves.indices.filter { halves[$0] == 0 }, test = halves.indices.filter { halves[$0] == 1 }
        func data(_ rows: [Int]) throws -> ([Double], [Double], [Double]) {
            let x = try featureMatrix(table, features: observables, rows: rows, dataset: "compare")
            return (x + x, rows.map { _ in 0.0 } + rows.map { _ in 1.0 }, rows.map { w[$0] } + rows.map { wNew[$0] })
        }
        let (x, y, weights) = try data(train)
        var settings = TrainingSettings()
        settings.epochs = 5
        settings.batchSize = 2048
        settings.learningRate = 2e-3
        settings.seed = seed
        settings.threads = 2
        let architecture = Architecture(inputs: observables.count, hidden: [64, 64])
        // Signed weights: the loss is bounded here because both classes share the same events.
        let (network, _) = Trainer<Float>(architecture: architecture, settings: settings)
            .train(TrainingData(features: x, targets: y, weights: weights))
        let (xt, yt, wt) = try data(test)
        let scores = network.predict(xt, threads: threads)
        return ROC(scores: scores, signal: yt.map { $0 == 1 }, weights: wt).area
    }
}
