import Artefacts
import Foundation
import Metrics

/// The page a physicist reads to decide whether new weights can be trusted: closure, weights,
/// calibration, training and the downstream classifier, each from its step's typed artefact. With
/// several sources of a kind (one per model) they are shown side by side.
public struct AnalysisReport {
    public typealias Source<T> = (step: String, artefact: T)

    public var title: String
    public var closures: [Source<ClosureSummary>] = []
    /// A transform step's original and new weights.
    public var weights: [(step: String, original: [Double], new: [Double])] = []
    public var calibrations: [Source<CalibrationSet>] = []
    public var trainings: [Source<TrainingCurves>] = []
    public var classifier: ClassifierSummary?
    /// Axis units of the observables.
    public var units: [String: String] = [:]

    public init(title: String) { self.title = title }

    /// The HTML page and the number of plots in it.
    public func render() -> (html: String, plots: Int) {
        var page = HTMLReport(title: title)
        var plots = 0
        for section in [closureSections(), weightSection(), calibrationSection(), trainingSection(), classifierSection()] {
            for (heading, html, count) in section {
                page.section(heading, html)
                plots += count
            }
        }
        page.section("About these samples", HTMLReport.note(
            "Built-in generator: LO gg → tt̄ → ℓℓνν at 13 TeV, on-shell tops, no qq̄, ISR, K-factors, detector or toponium; "
            + "effective gluon luminosity. Shapes are realistic at the 10–20 % level."))
        return (page.render(), plots)
    }

    typealias Section = (heading: String, html: String, plots: Int)

    /// Ids of plots from several sources carry the source's name; a single source keeps the plain ids.
    static func suffix(_ step: String, among count: Int) -> String { count > 1 ? "-\(step)" : "" }

    static func number(_ x: Double?, _ format: String = "%.4f") -> String { x.map { String(format: format, $0) } ?? "–" }

    func closureSections() -> [Section] {
        guard let first = closures.first?.artefact else { return [] }
        let columns = closures.map(\.artefact)
        let n = Self.number
        var rows = [
            ["negative fraction f", n(first.weights.negativeFractionBefore, "%.4f")] + columns.map { n($0.weights.negativeFractionAfter, "%.5f") },
            ["r₋ = Σ|w₋|/Σ|w|", n(first.weights.negativeWeightFractionBefore, "%.4f")] + columns.map { n($0.weights.negativeWeightFractionAfter, "%.5f") },
            ["Kish N_eff/N" + (first.weights.kishFractionTruth.map { " (exact E[w|x]: " + n($0, "%.4f") + ")" } ?? ""),
             n(first.weights.kishFractionBefore, "%.4f")] + columns.map { n($0.weights.kishFractionAfter, "%.4f") },
            ["Σw′/Σw (paired pull)", "1"] + columns.map { n($0.weights.sumRatio, "%.5f") + " (" + n($0.weights.sumPull, "%+.2f") + " σ)" },
            ["two-sample classifier AUC", ""] + columns.map { n($0.twoSampleAuc, "%.4f") + ($0.twoSampleAucError.map { " ± " + n($0, "%.4f") } ?? "") },
        ]
        for (i, observable) in first.observables.enumerated() {
            let truth = observable.truth.map { " [exact E[w|x]: " + n($0.chi2PerDegree, "%.2f") + "]" } ?? ""
            rows.append(["paired χ²/ndf \(observable.name) (max |pull|; independent χ²/ndf)\(truth)", ""] + columns.map {
                guard $0.observables.indices.contains(i) else { return "–" }
                let o = $0.observables[i]
                return n(o.paired.chi2PerDegree, "%.2f") + " (" + n(o.paired.maxAbsPull, "%.1f") + "; " + n(o.independentChi2PerDegree, "%.2f") + ")"
            })
        }
        let header = ["quantity", "original w"] + (closures.count > 1 ? closures.map { "new w′: \($0.step)" } : ["new w′"])
        let explanation = HTMLReport.note("Paired χ²/ndf: per bin (Σw′ − Σw)² / Σ(w′ − w)², in bins equally populated in the reference; "
            + "≈ 1 when w′ reproduces w within statistics. The independent-samples value (σ² = Σw² + Σw′²) is shown for comparison only: "
            + "it ignores that w and w′ sit on the same events and is too small for a perfect reweighting.")
        var sections: [Section] = [(closures.count > 1 ? "Closure metrics, model by model" : "Closure metrics", HTMLReport.table(header, rows) + explanation, 0)]
        if closures.count > 2 { sections.append(rankingSection()) }
        for (step, closure) in closures {
            let plots = closure.observables.map { o in
                ClosurePlot.svg(id: "closure\(Self.suffix(step, among: closures.count))-\(o.name)", observable: o.name, unit: units[o.name] ?? "",
                                edges: o.display.edges, reference: o.display.reference, referenceSumW2: o.display.referenceSumw2,
                                candidate: o.display.candidate, candidateSumW2: o.display.candidateSumw2, bandVariance: o.display.referenceSumw2)
            }
            sections.append(("Distributions with the original and the new weights" + (closures.count > 1 ? " (\(step))" : ""),
                             HTMLReport.grid(plots) + HTMLReport.note("Bins of one width over the central 99 % of each observable; "
                                 + "the first and last bins hold the under- and overflow. The band is the original sample's statistical uncertainty √Σw²/Σw."),
                             plots.count))
        }
        return sections
    }

    /// With several weightings of the same events (input variants, forms, baselines): per observable, the
    /// weightings from the best paired χ²/ndf to the worst, so what each one keeps or loses reads off a row.
    func rankingSection() -> Section {
        let columns = closures.map { (step: $0.step, artefact: $0.artefact) }
        let names = columns.first?.artefact.observables.map(\.name) ?? []
        let rows: [[String]] = names.map { name in
            let ranked = columns.compactMap { c -> (String, Double)? in
                guard let o = c.artefact.observables.first(where: { $0.name == name }), o.paired.chi2PerDegree.isFinite else { return nil }
                return (c.step, o.paired.chi2PerDegree)
            }.sorted { $0.1 < $1.1 }
            let truth = columns.first?.artefact.observables.first { $0.name == name }?.truth.map { Self.number($0.chi2PerDegree, "%.2f") } ?? ""
            return [name, truth] + [ranked.map { "\($0.0) " + Self.number($0.1, "%.2f") }.joined(separator: " < ")]
        }
        return ("Which weighting keeps each observable", HTMLReport.table(["observable", "exact E[w|x]", "paired χ²/ndf, best first"], rows)
                    + HTMLReport.note("Each row ranks the weightings of this report by their paired χ²/ndf on one observable: a variant "
                        + "that lacks an input the observable depends on falls to the end of that row."), 0)
    }

    func weightSection() -> [Section] {
        guard let first = weights.first else { return [] }
        let original = first.original
        let limit = (original.map(abs).sorted().dropLast(original.count / 1000).last ?? 1) * 1.05
        let edges = (0...80).map { -limit + 2 * limit * Double($0) / 80 }
        func counts(_ values: [Double]) -> [Double] { Histogram(values: values, weights: Array(repeating: 1, count: values.count), edges: edges).sums }
        var plot = SVGPlot(title: "Event weights", xLabel: "weight [pb]", yLabel: "events",
                           x: edges.first!...edges.last!, y: 0.5...(Double(original.count) * 2), logY: true)
        plot.steps(edges, counts(original), color: SVGPlot.palette[0], label: "original w")
        for (k, source) in weights.enumerated() {
            plot.steps(edges, counts(source.new), color: SVGPlot.palette[(1 + k) % SVGPlot.palette.count],
                       label: weights.count > 1 ? "new w′: \(source.step)" : "new w′", dashed: true)
        }
        return [("Weights before and after", plot.svg(id: "weights"), 1)]
    }

    func calibrationSection() -> [Section] {
        guard !calibrations.isEmpty else { return [] }
        var items: [String] = []
        for (step, calibration) in calibrations {
            for (fold, map) in calibration.folds.enumerated() {
                var plot = SVGPlot(title: "Reliability, \(calibrations.count > 1 ? step + ", " : "")fold\(fold)", xLabel: "predicted p",
                                   yLabel: "observed fraction of w > 0 (|w|-weighted)", x: 0...1, y: 0...1)
                plot.line([(0, 0), (1, 1)], color: "#999", label: "", dashed: true)
                for (reliability, label, color) in [(map.before, "model output", SVGPlot.palette[0]), (map.after, "after isotonic (held out)", SVGPlot.palette[1])] {
                    plot.line(reliability.bins.filter { $0.count >= 2 }.map { ($0[0], $0[1]) }, color: color, label: label)
                }
                items.append(plot.svg(id: "reliability\(Self.suffix(step, among: calibrations.count))-fold\(fold)"))
            }
        }
        return [("Calibration", HTMLReport.grid(items), items.count)]
    }

    func trainingSection() -> [Section] {
        guard !trainings.isEmpty else { return [] }
        let items = trainings.map { step, history -> String in
            let curves = history.folds.enumerated().flatMap { fold, curve in
                [("fold\(fold) training", curve.trainingLoss, false), ("fold\(fold) validation", curve.validationLoss, true)]
            }
            let unit = history.folds.first?.unit ?? "epoch"
            let title = unit == "tree" ? "Boosted trees' loss (\(step))" : "Weight network loss" + (trainings.count > 1 ? " (\(step))" : "")
            return Self.lossPlot(title: title, curves, unit: unit).svg(id: "loss-weight-network\(Self.suffix(step, among: trainings.count))")
        }
        return [("Training", HTMLReport.grid(items), items.count)]
    }

    func classifierSection() -> [Section] {
        guard let classifier else { return [] }
        var roc = SVGPlot(title: "ROC, SM against SM + A (original weights)", xLabel: "background efficiency",
                          yLabel: "signal efficiency", x: 0...1, y: 0...1)
        roc.line([(0, 0), (1, 1)], color: "#999", label: "", dashed: true)
        var rows: [[String]] = [], curves: [(String, [Double], Bool)] = [], outputs: [String] = []
        for (i, s) in classifier.strategies.enumerated() {
            roc.line(s.roc.filter { $0.count == 2 }.map { ($0[0], $0[1]) }, color: SVGPlot.palette[i % SVGPlot.palette.count], label: s.name)
            rows.append([s.name, String(format: "%.4f", s.auc), String(format: "%.1f ± %.1f", s.significance, s.significanceError)] + Self.profileCells(s.profile))
            curves.append(("\(s.name) training", s.curve.trainingLoss, false))
            curves.append(("\(s.name) validation", s.curve.validationLoss, true))
            let h = s.output
            outputs.append(ClosurePlot.svg(id: "classifier-output-\(s.name)", observable: "classifier output (\(s.name) w)", unit: "",
                                           edges: h.edges, reference: h.background, referenceSumW2: h.backgroundSumw2,
                                           candidate: h.signal, candidateSumW2: h.signalSumw2,
                                           labels: ("SM", "SM + A", "(SM + A) / SM"), yLabel: "expected events / bin width"))
        }
        rows.append(["\(classifier.referenceObservable) histogram alone", "", String(format: "%.1f ± %.1f", classifier.referenceSignificance, classifier.referenceSignificanceError)]
                    + Self.profileCells(classifier.referenceProfile))
        let html = HTMLReport.table(["signal weights in training", "AUC", String(format: "expected √Σs²/b at %.0f fb⁻¹", classifier.luminosityFb),
                                     "profile-likelihood Z₀", "95 % CL limit on μ (−1σ, +1σ)"], rows)
            + HTMLReport.grid([roc.svg(id: "roc"), Self.lossPlot(title: "Classifier loss (own weights)", curves.filter { !$0.1.isEmpty }).svg(id: "loss-classifier")])
            + HTMLReport.note("Held-out events with their original weights, scaled to the luminosity"
                + (classifier.leakFree ? ", from a part of the signal sample that no weight model saw" : " (a share of the signal sample: the weight models may have seen them)")
                + "; ± is the Poisson-bootstrap error over those events. The loss curves use each strategy's own training weights. "
                + String(format: "Z₀ and the CLs limit come from a binned profile-likelihood fit of μ·s + b (asymptotic formulae, Asimov data) with a %.0f %% background normalisation uncertainty and the templates' Monte Carlo statistical uncertainty per bin; each fit's HistFactory workspace (pyhf's format) is among the classify step's outputs.", 100 * classifier.backgroundNormalisation))
            + HTMLReport.grid(outputs)
        return [("Classifier: SM tt̄ against SM + A", html, 2 + outputs.count)]
    }

    static func profileCells(_ p: ProfileResult) -> [String] {
        guard p.upperLimits.count == 5 else { return [String(format: "%.2f", p.significance), ""] }
        return [String(format: "%.2f", p.significance), String(format: "%.3g (%.3g, %.3g)", p.upperLimits[2], p.upperLimits[1], p.upperLimits[3])]
    }

    static func lossPlot(title: String, _ curves: [(String, [Double], Bool)], unit: String = "epoch") -> SVGPlot {
        let values = curves.flatMap(\.1).filter(\.isFinite)
        let epochs = max(1, curves.map(\.1.count).max() ?? 1)
        let lo = values.min() ?? 0, hi = values.max() ?? 1
        let pad = max((hi - lo) * 0.1, 1e-4)
        var plot = SVGPlot(title: title, xLabel: unit, yLabel: "loss", x: 1...Double(max(epochs, 2)), y: (lo - pad)...(hi + pad))
        for (i, (name, curve, dashed)) in curves.enumerated() {
            plot.line(curve.enumerated().map { (Double($0.offset + 1), $0.element) }, color: SVGPlot.palette[i % SVGPlot.palette.count],
                      label: name, dashed: dashed)
        }
        return plot
    }

    /// Every `<svg id="…">…</svg>` element of a page (plots hold no nested SVG), for standalone images.
    public static func svgElements(in html: String) -> [(id: String, svg: String)] {
        var found: [(String, String)] = []
        var rest = html[...]
        while let start = rest.range(of: "<svg "), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            let element = String(rest[start.lowerBound..<end.upperBound])
            if let idStart = element.range(of: " id=\""), let idEnd = element.range(of: "\"", range: idStart.upperBound..<element.endIndex) {
                found.append((String(element[idStart.upperBound..<idEnd.lowerBound]), element))
            }
            rest = rest[end.upperBound...]
        }
        return found
    }
}
