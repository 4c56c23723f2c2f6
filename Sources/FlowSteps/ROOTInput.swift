import EventData
import FlowConfig
import ROOTIO

/// A `load` of a ROOT file: the weight, flat columns (`name` or `name[k]` for element k of a vector), and
/// per-event objects picked out of collections, read branch by branch; `entry` keeps each event's entry
/// number in the tree, so results can be matched back to the file.
enum ROOTInput {
    static let objectSchema: Schema = .object([
        Property("collection", .string(), required: true, "Branch prefix: GenPart reads GenPart_pt, GenPart_pdgId …; a prefix ending in '.' or '_' is used as is."),
        Property("cut", .string(), "Which objects qualify, over the collection's fields: \"pdgId == 6 && bit(statusFlags, 13)\"."),
        Property("order_by", .string(), "Rank qualifying objects by this field, largest first (default: the collection's order)."),
        Property("rank", .integer(minimum: 0), "0 the first or leading object (default), 1 the second, …"),
        Property("fields", .list(.string(), minItems: 1), "Fields to keep, as columns <object>_<field> (default [pt, eta, phi, mass])."),
    ])

    static func read(_ path: String, as dataset: String, config c: Value) throws -> EventTable {
        let file = try ROOTFile(path: path)
        let treeName: String
        if let name = c["tree"]?.string {
            treeName = name
        } else if file.treeNames.count == 1 {
            treeName = file.treeNames[0]
        } else {
            throw DataError.format(file: dataset, message: "holds the trees \(file.treeNames.joined(separator: ", ")); say which with `tree:`")
        }
        let tree = try file.tree(treeName)
        var table = try EventTable([("entry", (0..<tree.entries).map(Double.init))])

        func column(_ spec: String) throws -> [Double] {
            // name[k]: element k of each entry of a jagged branch.
            if spec.hasSuffix("]"), let open = spec.lastIndex(of: "["), let k = Int(spec[spec.index(after: open)..<spec.index(before: spec.endIndex)]) {
                switch try tree.read(String(spec[..<open])) {
                case .jagged(let offsets, let values): return JaggedColumn(offsets: offsets, values: values).element(k)
                case .flat: throw DataError.shape("\(dataset): '\(spec[..<open])' holds one value per entry; write it without [\(k)]")
                }
            }
            switch try tree.read(spec) {
            case .flat(let values): return values
            case .jagged: throw DataError.shape("\(dataset): '\(spec)' holds several values per entry: pick one with \(spec)[0], or select objects with `objects:`")
            }
        }

        try table.add(EventTable.weightColumn, try column(c["weight"]?.string ?? EventTable.weightColumn))
        for spec in c["columns"]?.array?.compactMap(\.string) ?? [] { try table.add(spec, try column(spec)) }

        let systems = (c["systems"]?.object ?? []).map { ObjectSystem(name: $0.0, objects: $0.1.array?.compactMap(\.string) ?? []) }
        let usedBySystems = Set(systems.flatMap(\.objects))
        for (name, spec) in c["objects"]?.object ?? [] {
            var fields = spec["fields"]?.array?.compactMap(\.string) ?? ObjectSystem.fields
            if usedBySystems.contains(name) { fields += ObjectSystem.fields.filter { !fields.contains($0) } }
            let selection = ObjectSelection(name: name, collection: spec["collection"]!.string!,
                                            cut: try spec["cut"]?.string.map(CutExpression.init), orderBy: spec["order_by"]?.string,
                                            rank: spec["rank"]?.int ?? 0, fields: fields)
            var fieldColumns: [String: JaggedColumn] = [:]
            for field in selection.fieldsRead {
                switch try tree.read(selection.branch(field)) {
                case .jagged(let offsets, let values): fieldColumns[field] = JaggedColumn(offsets: offsets, values: values)
                case .flat: throw DataError.shape("\(dataset): '\(selection.branch(field))' holds one value per entry, not a collection")
                }
            }
            for (columnName, values) in try selection.apply(fieldColumns, dataset: dataset) { try table.add(columnName, values) }
        }
        for system in systems {
            for (columnName, values) in try system.apply(table, dataset: dataset) { try table.add(columnName, values) }
        }
        return table
    }
}
