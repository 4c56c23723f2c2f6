import EventData
import FlowConfig
import FlowEngine
import Metrics
import Foundation
import Report

/// `report`: one self-contained HTML page with the plots and tables a physicist reads to decide
/// whether the new weights can be trusted.
public struct ReportStep: StepKind {
    public init() {}
    public let version = 3

    public var description: KindDescription {
        KindDescription(name: "report", section: .steps, summary: "An HTML report: closure plots, weights, calibration, losses, ROC curves, metrics.", schema: .object([
            Property("title", .string(), "The page title."),
            Property("closure", .either([.reference, .list(.reference, minItems: 1)]), "A compare step (or several, one per model): closure histograms with ratio panels, closure metrics side by side."),
            Property("weights", .either([.reference, .list(.reference, minItems: 1)]), "A transform step (or several): the weight distributions before and after."),
            Property("calibration", .either([.reference, .list(.reference, minItems: 1)]), "A calibrate step (or several): reliability diagrams before and after isotonic."),
            Property("training", .either([.reference, .list(.reference, minItems: 1)]), "A train step (or several): loss curves."),
            Property("classifier", .reference, "A classify step: ROC curves, loss curves, AUCs and significances."),
        ]))
    }

    static let units = ["mtt": "GeV", "t_pt": "GeV", "tbar_pt": "GeV", "m_ll": "GeV", "lead_lepton_pt": "GeV", "lp_pt": "GeV",
                        "lm_pt": "GeV", "dphi_ll": "rad", "chel": "", "ytt": "", "cos_theta_star": ""]

    public func run(_ context: StepContext) async throws -> StepResult {
        let c = context.step.config
        var page = HTMLReport(title: c["title"]?.string ?? "flow report: \(context.workflow.name)")
        var plots = 0
        func json(_ path: String, _ output: String) throws -> Value? {
            guard let file = context.inputs[path]?.first(where: { $0.output == output }),
                  let data = FileManager.default.contents(atPath: file.path) else { return nil }
            return try Value(json: data)
        }
        /// The input paths of a key naming one step or a list of them (`closure: [closure, closure_trees]`).
        func paths(_ key: String) -> [String] {
            context.inputs[key] != nil ? [key] : (0...).lazy.map { "\(key)[\($0)]" }.prefix { context.inputs[$0] != nil }.map { $0 }
        }
        /// Each named step's JSON output: (step name, its output).
        func sources(_ key: String, _ output: String) throws -> [(String, Value)] {
            try paths(key).compactMap { path in
                guard let step = context.inputs[path]?.first?.step, let value = try json(path, output) else { return nil }
                return (step, value)
            }
        }
        // Ids of plots from several sources carry the source's name; a single source keeps the plain ids.
        func suffix(_ step: String, among count: Int) -> String { count > 1 ? "-\(step)" : "" }

        let closures = try sources("closure", "closure")
        if !closures.isEmpty {
            let first = closures[0].1["metrics"]
            func number(_ m: Value?, _ key: String, _ format: String = "%.4f") -> String { m?[key]?.double.map { String(format: format, $0) } ?? "–" }
            let columns = closures.map { $0.1["metrics"] }
            var rows = [
                ["negative fraction f", number(first, "negative_fraction_before")] + columns.map { number($0, "negative_fraction_after", "%.5f") },
                ["r₋ = Σ|w₋|/Σ|w|", number(first, "negative_weight_fraction_before")] + columns.map { number($0, "negative_weight_fraction_after", "%.5f") },
                ["Kish N_eff/N", number(first, "kish_fraction_before")] + columns.map { number($0, "kish_fraction_after") },
                ["Σw′/Σw (pull)", "1"] + columns.map { number($0, "sum_ratio", "%.5f") + " (" + number($0, "sum_pull", "%+.2f") + " σ)" },
                ["two-sample classifier AUC", ""] + columns.map { number($0, "two_sample_auc") },
            ]
            for (name, _) in closures[0].1["histograms"]?.object ?? [] {
                rows.append(["χ²/ndf \(name) (max |pull|)", ""] + columns.map {
                    number($0, "chi2ndf_\(name)", "%.3f") + " (" + number($0, "max_pull_\(name)", "%.2f") + ")"
                })
            }
            let header = ["quantity", "original w"] + (closures.count > 1 ? closures.map { "new w′: \($0.0)" } : ["new w′"])
            page.section(closures.count > 1 ? "Closure metrics, model by model" : "Closure metrics", HTMLReport.table(header, rows))
            for (step, closure) in closures {
                var plotsHTML: [String] = []
                for (name, h) in closure["histograms"]?.object ?? [] {
                    let array = { (key: String) in h[key]?.array?.compactMap(\.double) ?? [] }
                    plotsHTML.append(ClosurePlot.svg(id: "closure\(suffix(step, among: closures.count))-\(name)", observable: name,
                                                     unit: Self.units[name] ?? "", edges: array("edges"),
                                                     reference: array("reference"), referenceSumW2: array("reference_sumw2"),
                                                     candidate: array("candidate"), candidateSumW2: array("candidate_sumw2")))
                    plots += 1
                }
                page.section("Distributions with the original and the new weights" + (closures.count > 1 ? " (\(step))" : ""),
                             HTMLReport.grid(plotsHTML) + HTMLReport.note("Bins hold equal numbers of events; the band is ±√(Σw² + Σw′²)/Σw."))
            }
        }

        let weightPaths = paths("weights")
        var weightPlot: SVGPlot?
        for (k, path) in weightPaths.enumerated() {
            guard let file = context.inputs[path]?.first(where: { $0.output == "events" }) else { continue }
            let table = try NPZ.read(file.path)
            guard let original = table["weight_original"], let new = table[EventTable.weightColumn] else { continue }
            let limit = (original.map(abs).sorted().dropLast(original.count / 1000).last ?? 1) * 1.05
            let edges = (0...80).map { -limit + 2 * limit * Double($0) / 80 }
            if weightPlot == nil {
                var plot = SVGPlot(title: "Event weights", xLabel: "weight [pb]", yLabel: "events",
                                   x: edges.first!...edges.last!, y: 0.5...(Double(original.count) * 2), logY: true)
                plot.steps(edges, Histogram(values: original, weights: Array(repeating: 1, count: original.count), edges: edges).sums,
                           color: SVGPlot.palette[0], label: "original w")
                weightPlot = plot
            }
            let after = Histogram(values: new, weights: Array(repeating: 1, count: new.count), edges: edges)
            weightPlot!.steps(edges, after.sums, color: SVGPlot.palette[(1 + k) % SVGPlot.palette.count],
                              label: weightPaths.count > 1 ? "new w′: \(file.step)" : "new w′", dashed: true)
        }
        if let weightPlot {
            page.section("Weights before and after", weightPlot.svg(id: "weights"))
            plots += 1
        }

        let calibrations = try sources("calibration", "calibration")
        if !calibrations.isEmpty {
            var items: [String] = []
            for (step, calibration) in calibrations {
                for (fold, map) in calibration["folds"]?.object ?? [] {
                    var plot = SVGPlot(title: "Reliability, \(calibrations.count > 1 ? step + ", " : "")\(fold)", xLabel: "predicted p",
                                       yLabel: "observed fraction of w > 0 (|w|-weighted)", x: 0...1, y: 0...1)
                    plot.line([(0, 0), (1, 1)], color: "#999", label: "", dashed: true)
                    for (key, label, color) in [("reliability_before", "model output", SVGPlot.palette[0]),
                                                ("reliability_after", "after isotonic", SVGPlot.palette[1])] {
                        let bins = map[key]?["bins"]?.array ?? []
                        plot.line(bins.compactMap { b in b.array.flatMap { $0.count >= 2 ? ($0[0].double ?? 0, $0[1].double ?? 0) : nil } },
                                  color: color, label: label)
                    }
                    items.append(plot.svg(id: "reliability\(suffix(step, among: calibrations.count))-\(fold)"))
                    plots += 1
                }
            }
            page.section("Calibration", HTMLReport.grid(items))
        }

        let trainings = try sources("training", "history")
        if !trainings.isEmpty {
            var items: [String] = []
            for (step, history) in trainings {
                var curves: [(String, [Double], Bool)] = []
                var unit = "epoch"
                for (fold, h) in history.object ?? [] {
                    curves.append(("\(fold) training", h["training_loss"]?.array?.compactMap(\.double) ?? [], false))
                    curves.append(("\(fold) validation", h["validation_loss"]?.array?.compactMap(\.double) ?? [], true))
                    unit = h["unit"]?.string ?? unit
                }
                let title = unit == "tree" ? "Boosted trees' loss (\(step))" : "Weight network loss" + (trainings.count > 1 ? " (\(step))" : "")
                items.append(lossPlot(title: title, curves, unit: unit).svg(id: "loss-weight-network\(suffix(step, among: trainings.count))"))
                plots += 1
            }
            page.section("Training", HTMLReport.grid(items))
        }

        if let classifier = try json("classifier", "classifier") {
            var roc = SVGPlot(title: "ROC, SM against SM + A (original weights)", xLabel: "background efficiency",
                              yLabel: "signal efficiency", x: 0...1, y: 0...1)
            roc.line([(0, 0), (1, 1)], color: "#999", label: "", dashed: true)
            var rows: [[String]] = []
            var curves: [(String, [Double], Bool)] = []
            var outputs: [String] = []
            for (i, (name, s)) in (classifier["strategies"]?.object ?? []).enumerated() {
                let points = (s["roc"]?.array ?? []).compactMap { p in p.array.flatMap { $0.count == 2 ? ($0[0].double ?? 0, $0[1].double ?? 0) : nil } }
                roc.line(points, color: SVGPlot.palette[i % SVGPlot.palette.count], label: name)
                rows.append([name, String(format: "%.4f", s["auc"]?.double ?? 0), String(format: "%.2f", s["significance"]?.double ?? 0)])
                curves.append(("\(name) training", s["training_loss"]?.array?.compactMap(\.double) ?? [], false))
                curves.append(("\(name) validation", s["validation_loss"]?.array?.compactMap(\.double) ?? [], true))
                if let h = s["output"] {
                    let array = { (key: String) in h[key]?.array?.compactMap(\.double) ?? [] }
                    outputs.append(ClosurePlot.svg(id: "classifier-output-\(name)", observable: "classifier output (\(name) w)", unit: "",
                                                   edges: array("edges"), reference: array("background"), referenceSumW2: array("background_sumw2"),
                                                   candidate: array("signal"), candidateSumW2: array("signal_sumw2"),
                                                   labels: ("SM", "SM + A", "(SM + A) / SM"), yLabel: "expected events / bin width"))
                    plots += 1
                }
            }
            rows.append(["m_tt histogram alone", "", String(format: "%.2f", classifier["significance_mtt"]?.double ?? 0)])
            let luminosity = classifier["luminosity_fb"]?.double ?? 138
            page.section("Classifier: SM tt̄ against SM + A",
                         HTMLReport.table(["signal weights in training", "AUC", String(format: "expected Z at %.0f fb⁻¹", luminosity)], rows)
                         + HTMLReport.grid([roc.svg(id: "roc"), lossPlot(title: "Classifier loss (own weights)", curves.filter { !$0.1.isEmpty }).svg(id: "loss-classifier")])
                         + HTMLReport.note("Held-out events with their original weights, scaled to the luminosity; the loss curves use each strategy's own training weights.")
                         + HTMLReport.grid(outputs))
            plots += 2
        }

        page.section("About these samples", HTMLReport.note(
            "Built-in generator: LO gg → tt̄ → ℓℓνν at 13 TeV, on-shell tops, no qq̄, ISR, K-factors, detector or toponium; "
            + "effective gluon luminosity. Shapes are realistic at the 10–20 % level."))
        let path = context.scratch + "/report.html"
        let html = page.render()
        try html.write(toFile: path, atomically: false, encoding: .utf8)
        var outputs = ["report": path]
        // PNG copies of every plot, for slides, when librsvg's converter is installed.
        if let converter = PlotImages.converter {
            for (id, file) in try PlotImages.png(from: html, into: context.scratch, converter: converter, step: context.step.name) { outputs["png/\(id)"] = file }
            context.log("report with \(plots) plots, \(outputs.count - 1) PNG images")
        } else {
            context.log("report with \(plots) plots (no PNG copies: rsvg-convert is not installed)")
        }
        return StepResult(outputs: outputs, metrics: ["plots": .int(plots)])
    }

    func lossPlot(title: String, _ curves: [(String, [Double], Bool)], unit: String = "epoch") -> SVGPlot {
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
}

/// Standalone SVG and PNG files of a report's plots.
enum PlotImages {
    static var converter: String? { ChildProcess.executable("rsvg-convert") }

    /// Every `<svg id="…">…</svg>` element of the page (plots hold no nested SVG).
    static func svgElements(in html: String) -> [(id: String, svg: String)] {
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

    /// Converts each plot at twice its size (sharp on slides); returns id → PNG path.
    static func png(from html: String, into directory: String, converter: String, step: String) throws -> [(String, String)] {
        try svgElements(in: html).map { id, svg in
            let source = directory + "/\(id).svg", image = directory + "/\(id).png"
            try ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg).write(toFile: source, atomically: false, encoding: .utf8)
            let result = try ChildProcess.capture(converter, ["--zoom", "2", "--background-color", "white", "--output", image, source])
            try? FileManager.default.removeItem(atPath: source)
            guard result.status == 0 else {
                throw StepFailure(step: step, message: "rsvg-convert failed on plot \(id): \(result.errors)")
            }
            return (id, image)
        }
    }
}
