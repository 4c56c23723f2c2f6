import EventData
import Foundation
import LHEF
import ROOTIO

/// A `load` of a ROOT or LHE file: opens it as an event source and reads what the settings ask for.
enum EventFileInput {
    static func isEventFile(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".root") || lower.hasSuffix(".lhe") || lower.hasSuffix(".lhe.gz")
    }

    static func source(_ path: String, as dataset: String, tree: String?, lhe contents: LHEFile.Contents = .all) throws -> any EventSource {
        if !path.lowercased().hasSuffix(".root") { return LHEColumns(try LHEFile(path: path, reading: contents)) }
        let file = try ROOTFile(path: path)
        let treeName: String
        if let name = tree {
            treeName = name
        } else if file.treeNames.count == 1 {
            treeName = file.treeNames[0]
        } else {
            throw DataError.format(file: dataset, message: "holds the trees \(file.treeNames.joined(separator: ", ")); say which with `tree:`")
        }
        return try file.tree(treeName)
    }

    static func read(_ path: String, as dataset: String, settings s: LoadStep.Settings) throws -> EventTable {
        let request = EventSourceRequest(
            weight: s.weight, columns: s.columns ?? [],
            objects: try s.objects.pairs.map { name, o in
                ObjectSelection(name: name, collection: o.collection, cut: try o.cut.map(CutExpression.init), orderBy: o.orderBy, rank: o.rank, fields: o.fields)
            },
            systems: s.systems.pairs.map { ObjectSystem(name: $0.key, objects: $0.value) })
        return try source(path, as: dataset, tree: s.tree, lhe: LHEColumns.contents(request)).table(request, dataset: dataset)
    }
}
