import Artefacts
import EventData
import FlowConfig
import FlowEngine
import Foundation
import Report

/// `report`: one self-contained HTML page with the plots and tables a physicist reads to decide
/// whether the new weights can be trusted.
public struct ReportStep: StepKind {
    public init() {}
    public let version = 6

    struct Settings: SettingGroup {
        @Setting("title", .string(), "The page title (default: flow report: <workflow>).") var title: String? = nil
        @Setting("closure", References.schema, "A compare step (or several, one per model): closure histograms with ratio panels, closure metrics side by side.")
        var closure = References()
        @Setting("weights", References.schema, "A transform step (or several): the weight distributions before and after.") var weights = References()
        @Setting("calibration", References.schema, "A calibrate step (or several): reliability diagrams before and after isotonic.")
        var calibration = References()
        @Setting("training", References.schema, "A train step (or several): loss curves.") var training = References()
        @Setting("classifier", .reference, "A classify step: ROC curves, loss curves, AUCs and significances.") var classifier: String? = nil
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "report", section: .steps, summary: "An HTML report: closure plots, weights, calibration, losses, ROC curves, metrics.",
                        settings: Settings.self)
    }

    static let units = ["mtt": "GeV", "t_pt": "GeV", "tbar_pt": "GeV", "m_ll": "GeV", "lead_lepton_pt": "GeV", "lp_pt": "GeV",
                        "lm_pt": "GeV", "dphi_ll": "rad", "chel": "", "ytt": "", "cos_theta_star": ""]

    public func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        var report = AnalysisReport(title: s.title ?? "flow report: \(context.workflow.name)")
        report.units = Self.units
        do {
            report.closures = try Self.artefacts(ClosureSummary.self, "closure", "closure", context)
            report.calibrations = try Self.artefacts(CalibrationSet.self, "calibration", "calibration", context)
            report.trainings = try Self.artefacts(TrainingCurves.self, "training", "history", context)
            report.classifier = try Self.artefacts(ClassifierSummary.self, "classifier", "classifier", context).first?.artefact
            for file in Self.files("weights", "events", context) {
                let table = try NPZ.read(file.path)
                guard let original = table["weight_original"], let new = table[EventTable.weightColumn] else { continue }
                report.weights.append((file.step, original, new))
            }
        } catch {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }
        let (html, plots) = report.render()
        let path = context.scratch + "/report.html"
        try html.write(toFile: path, atomically: false, encoding: .utf8)
        var outputs = ["report": path]
        // PNG copies of every plot, for slides, when librsvg's converter is installed.
        if let converter = ChildProcess.executable("rsvg-convert") {
            for (id, file) in try Self.png(from: html, into: context.scratch, converter: converter, step: context.step.name) { outputs["png/\(id)"] = file }
            context.log("report with \(plots) plots, \(outputs.count - 1) PNG images")
        } else {
            context.log("report with \(plots) plots (no PNG copies: rsvg-convert is not installed)")
        }
        return StepResult(outputs: outputs, metrics: ["plots": .int(plots)])
    }

    /// The `output` file of each step a key names (one step, or a list: `closure: [closure, closure_trees]`).
    static func files(_ key: String, _ output: String, _ context: StepContext) -> [InputFile] {
        let paths = context.inputs[key] != nil ? [key] : (0...).lazy.map { "\(key)[\($0)]" }.prefix { context.inputs[$0] != nil }.map { $0 }
        return paths.compactMap { context.inputs[$0]?.first { $0.output == output } }
    }

    static func artefacts<T: Artefact>(_ type: T.Type, _ key: String, _ output: String, _ context: StepContext) throws -> [(step: String, artefact: T)] {
        try files(key, output, context).map { ($0.step, try T.read($0.path)) }
    }

    /// Converts each plot at twice its size (sharp on slides); returns id → PNG path.
    static func png(from html: String, into directory: String, converter: String, step: String) throws -> [(String, String)] {
        try AnalysisReport.svgElements(in: html).map { id, svg in
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
