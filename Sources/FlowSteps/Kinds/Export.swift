import Artefacts
import EventData
import FlowConfig
import FlowEngine
import Foundation
import LHEF
import ONNX
import Reweighting

extension LHEFile.NamedWeights: SettingEnum {}

/// `export`: a dataset's weights (or chosen columns) in the form an analysis framework reads: CSV, `.npy`
/// (a structured array), `.npz`, or a copy of the original LHE file with each event's XWGTUP replaced.
/// Rows are ordered by `entry`, the event's number in the file it was loaded from. Or a weight model as ONNX,
/// for the frameworks that apply models with ONNX Runtime.
public struct ExportStep: StepKind {
    public init() {}
    public let version = 4

    enum Format: String, SettingEnum {
        case csv, npy, npz, lhe, onnx
    }

    struct Settings: SettingGroup {
        @Setting("data", .reference, "The dataset (a transform step's output); every format but onnx.") var data: String? = nil
        @Setting(required: "format", Format.schema, "What to write.") var format: Format
        @Setting("model", .reference,
                 "onnx: a calibrate (or train) step with weight-sign networks or trees; the ONNX model gives the fold-averaged calibrated p and 2p − 1.")
        var model: String? = nil
        @Setting("columns", .list(.string(), minItems: 1), "csv/npy/npz: the columns (default entry, weight_original, weight — those present).")
        var columns: [String]? = nil
        @Setting("source", .file, "lhe: the LHE file the dataset was loaded from; the copy is gzipped if it is.") var source: String? = nil
        @Setting("named_weights", LHEFile.NamedWeights.schema,
                 "lhe: the events' named weights (<rwgt><wgt>, <weights>): kept as the generator wrote them, or rescaled by each event's new over old weight.")
        var namedWeights = LHEFile.NamedWeights.keep
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "export", section: .steps, summary: "Write a dataset's weights as CSV, .npy, .npz, or into a copy of its LHE file; a weight model as ONNX.",
                        settings: Settings.self, check: Self.check)
    }

    /// An LHE copy needs the file the events came from; ONNX takes a model, the other formats a dataset.
    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let s = c.settings(Settings.self) else { return [] }
        var found: [Diagnostic] = []
        if s.format == .lhe, s.source == nil {
            found.append(Diagnostic(c.mark("format"), "format lhe needs `source:`, the LHE file the dataset was loaded from"))
        }
        switch (s.format, s.data, s.model) {
        case (.onnx, _, nil): found.append(Diagnostic(c.mark("format"), "format onnx needs `model:`, a calibrate or train step"))
        case (.onnx, _?, _): found.append(Diagnostic(c.mark("data"), "format onnx writes a model: `data` is for the other formats"))
        case (_, nil, _) where s.format != .onnx: found.append(Diagnostic(c.mark("format"), "format \(s.format.rawValue) needs `data:`, the dataset to write"))
        case (_, _, _?) where s.format != .onnx: found.append(Diagnostic(c.mark("model"), "`model` is for format onnx"))
        default: break
        }
        return found
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        if s.format == .onnx { return try exportONNX(context) }
        let (name, table) = try TableIO.input(context, at: "data")
        let format = s.format.rawValue
        let order = table["entry"].map { entries in entries.indices.sorted { entries[$0] < entries[$1] } } ?? Array(0..<table.rowCount)
        if s.format == .lhe { return try exportLHE(context, name, table, source: s.source, namedWeights: s.namedWeights) }
        let wanted = s.columns ?? ["entry", "weight_original", EventTable.weightColumn].filter { table[$0] != nil }
        let selected = try table.selecting(wanted, dataset: name).rows(order)
        let path = context.scratch + "/weights.\(format)"
        do {
            try DataFiles.write(selected, to: path)
        } catch let error as DataError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }
        context.log("wrote \(selected.rowCount) rows × \(selected.columnCount) columns (\(wanted.joined(separator: ", "))) as \(format)")
        return StepResult(outputs: ["weights": path], metrics: ["rows": .int(selected.rowCount)])
    }

    /// The weight-sign models of every fold, networks or trees (with their calibration, when `model` is a calibrate step).
    func exportONNX(_ context: StepContext) throws -> StepResult {
        let step = context.step.name
        let (models, assignment, trainedBy) = try TrainedModels.stored(context, models: "model")
        guard models.allSatisfy({ ($0.notes["target"] ?? WeightTarget.weightSign.rawValue) == WeightTarget.weightSign.rawValue }) else {
            throw StepFailure(step: step, message: "'\(trainedBy)' was not trained with target weight-sign: its output is not p")
        }
        let members: [WeightModelExport.Member] = models.map {
            switch $0 {
            case .network(let m): return .network(m.network, features: m.features)
            case .trees(let m): return .trees(m.model, features: m.features)
            }
        }
        let maps = try context.inputs["model"]?.first { $0.output == "calibration" }.flatMap { try CalibrationSet.read($0.path).maps }
        let folds = (0..<assignment.folds).map { Array(members[($0 * assignment.ensemble)..<(($0 + 1) * assignment.ensemble)]) }
        let data: Data
        do {
            data = try WeightModelExport.model(folds: folds, maps: maps,
                                           doc: "flow weight model: p = P(w > 0 | x)\(maps == nil ? "" : ", calibrated"), averaged over \(assignment.folds) folds; w′ = |w|(2p − 1)",
                                           metadata: ["flow_step": trainedBy, "folds": "\(assignment.folds)", "ensemble": "\(assignment.ensemble)",
                                                      "calibrated": maps == nil ? "false" : "true"])
        } catch {
            throw StepFailure(step: step, message: "\(error)")
        }
        let path = context.scratch + "/model.onnx"
        try AtomicFile.write(data, to: path)
        context.log("wrote \(models.count) models (\(assignment.folds) folds × \(assignment.ensemble))\(maps == nil ? "" : " with their calibration") as ONNX, \(data.count) bytes")
        return StepResult(outputs: ["model": path], metrics: ["models": .int(models.count)])
    }

    /// A copy of the source file with the new weights: `<init>` follows the changed processes, named
    /// weights are kept or rescaled, every other byte is the source's.
    func exportLHE(_ context: StepContext, _ name: String, _ table: EventTable, source written: String?,
                   namedWeights: LHEFile.NamedWeights) throws -> StepResult {
        guard let written else {
            throw StepFailure(step: context.step.name, message: "format lhe needs `source:`, the LHE file '\(name)' was loaded from")
        }
        let source = context.files[written] ?? written
        let file: LHEFile
        do {
            file = try LHEFile(path: source, reading: [])
        } catch let error as LHEFError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }
        guard let entries = table["entry"], let weights = table[EventTable.weightColumn] else {
            throw StepFailure(step: context.step.name, message: "'\(name)' has no entry column: load the LHE file with `load` so events keep their number")
        }
        var new = [Double?](repeating: nil, count: file.events.count)
        for (entry, w) in zip(entries, weights) {
            let i = Int(entry)
            guard i >= 0, i < new.count else {
                throw StepFailure(step: context.step.name, message: "'\(name)' has entry \(i), \(written) has \(new.count) events: is it the file the events came from?")
            }
            new[i] = w
        }
        let missing = new.indices.filter { new[$0] == nil }
        guard missing.isEmpty else {
            throw StepFailure(step: context.step.name, message: "\(missing.count) of \(new.count) events of \(written) have no new weight (the first is event \(missing[0])); "
                              + "an LHE copy needs every event: do not drop events before exporting")
        }
        let path = context.scratch + "/" + (file.gzipped ? "events.lhe.gz" : "events.lhe")
        do {
            try file.write(weights: new.map { $0! }, to: path, namedWeights: namedWeights)
        } catch let error as LHEFError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }
        context.log("rewrote the weights of \(new.count) events of \(written); named weights: \(namedWeights.rawValue)")
        return StepResult(outputs: ["lhe": path], metrics: ["events": .int(new.count)])
    }
}
