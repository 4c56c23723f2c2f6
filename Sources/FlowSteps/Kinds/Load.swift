import EventData
import FlowConfig
import FlowEngine
import Foundation
import LHEF
import ROOTIO

extension NonFinitePolicy: SettingEnum {}

/// `load`: events from a CSV, `.npy`, `.npz`, ROOT or LHE file of the workspace.
public struct LoadStep: StepKind {
    public init() {}
    public let version = 3

    /// One object per event out of a collection (`objects: {top: {collection: GenPart, cut: …}}`).
    struct ObjectSettings: SettingGroup {
        @Setting(required: "collection", .string(),
                 "Branch prefix: GenPart reads GenPart_pt, GenPart_pdgId …; a prefix ending in '.' or '_' is used as is.")
        var collection: String
        @Setting("cut", .string(), "Which objects qualify, over the collection's fields: \"pdgId == 6 && bit(statusFlags, 13)\".") var cut: String? = nil
        @Setting("order_by", .string(), "Rank qualifying objects by this field, largest first (default: the collection's order).") var orderBy: String? = nil
        @Setting("rank", .integer(minimum: 0, maximum: 1_000), "0 the first or leading object, 1 the second, …") var rank = 0
        @Setting("fields", .list(.string(), minItems: 1), "Fields to keep, as columns <object>_<field>.") var fields = ObjectSystem.fields
        init() {}
    }

    struct Settings: SettingGroup {
        @Setting(required: "path", .file, "The file, relative to the workflow.") var path: String
        @Setting("weight", .string(),
                 "The column or branch holding the event weights (renamed to 'weight'; ROOT: name[k] picks element k of a vector, e.g. mcEventWeights[0]; LHE: XWGTUP or a named weight's id; 'weight' is XWGTUP).")
        var weight = EventTable.weightColumn
        @Setting("columns", .list(.string()),
                 "Keep only these columns (and the weight); ROOT: the flat branches to read, name[k] for one element of a vector; LHE: process and named weights.")
        var columns: [String]? = nil
        @Setting("tree", .string(), "ROOT: the TTree (default: the file's only tree).") var tree: String? = nil
        @Setting("objects", .dictionary(ObjectSettings.schema),
                 "ROOT, LHE (collection 'particle'): one object per event out of a collection, as columns <name>_<field>; NaN where an event has none.")
        var objects = Entries<ObjectSettings>()
        @Setting("systems", .dictionary(.list(.string(), minItems: 1)),
                 "ROOT, LHE: four-vector sums of objects, e.g. {tt: [top, antitop]} → tt_mass, tt_pt, tt_y.")
        var systems = Entries<[String]>()
        @Setting("nonfinite", NonFinitePolicy.schema, "NaN or ±inf in a weight or column: error, drop the row, or keep.") var nonfinite = NonFinitePolicy.error
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "load", section: .datasets, summary: "Events from a CSV, .npy, .npz, ROOT (TTree) or Les Houches (.lhe, .lhe.gz) file.",
                        settings: Settings.self, check: Self.check)
    }

    /// Object cuts are parsed by `validate`, like `select`'s.
    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let s = c.settings(Settings.self) else { return [] }
        return s.objects.pairs.compactMap { name, object in
            object.cut.flatMap { CutCheck.diagnostic($0, c, at: "objects", name, "cut") }
        }
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        let path = context.files[s.path] ?? s.path
        do {
            var table: EventTable
            if EventFileInput.isEventFile(s.path) {
                table = try EventFileInput.read(path, as: s.path, settings: s)
            } else {
                table = try DataFiles.read(path)
                if s.weight != EventTable.weightColumn {
                    let values = try table.column(s.weight, in: s.path)
                    table.remove(s.weight)
                    try table.add(EventTable.weightColumn, values)
                } else {
                    _ = try table.weights(in: s.path)
                }
                if let columns = s.columns {
                    table = try table.selecting(columns + [EventTable.weightColumn], dataset: s.path)
                }
            }
            table = try table.checkingFinite(s.nonfinite, dataset: s.path)
            if table.rowCount == 0 { throw DataError.empty(file: s.path) }
            return try TableIO.output(table, context)
        } catch let error as DataError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        } catch let error as ROOTError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        } catch let error as LHEFError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }
    }
}
