import Foundation
import EventData
import FlowConfig
import LHEF
import ROOTIO

/// Where `load` reads named columns from, one value or a collection per event: a ROOT tree's branches, or
/// an LHE file's weights and particles.
protocol EventSource {
    var entries: Int { get }
    func read(_ name: String) throws -> BranchData
}

struct TreeSource: EventSource {
    let tree: TTree
    var entries: Int { tree.entries }
    func read(_ name: String) throws -> BranchData { try tree.read(name) }
}

/// An LHE file as columns: `weight` (XWGTUP), `process` (IDPRUP), each named weight by its id, and the
/// collection `particle` (`particle_pdgId`, `_status`, `_mother1`, `_mother2`, `_px`, `_py`, `_pz`, `_e`,
/// `_mass`, `_pt`, `_eta`, `_phi`).
struct LHESource: EventSource {
    let file: LHEFile
    var entries: Int { file.events.count }

    func read(_ name: String) throws -> BranchData {
        let events = file.events
        switch name {
        case "weight", "XWGTUP": return .flat(events.map(\.weight))
        case "process", "IDPRUP": return .flat(events.map { Double($0.processID) })
        default: break
        }
        if name.hasPrefix("particle_") {
            let p = file.particles
            let offsets = [0] + events.map(\.particles.upperBound)
            let values: [Double]
            switch name.dropFirst("particle_".count) {
            case "pdgId": values = p.pdgId
            case "status": values = p.status
            case "mother1": values = p.mother1
            case "mother2": values = p.mother2
            case "px": values = p.px
            case "py": values = p.py
            case "pz": values = p.pz
            case "e": values = p.e
            case "mass": values = p.mass
            case "pt": values = zip(p.px, p.py).map { ($0 * $0 + $1 * $1).squareRoot() }
            case "eta": values = p.px.indices.map { FourVector(p.e[$0], p.px[$0], p.py[$0], p.pz[$0]).eta }
            case "phi": values = zip(p.px, p.py).map { atan2($1, $0) }
            default: throw DataError.missingColumn(dataset: file.path, column: name, available: Self.particleFields.map { "particle_" + $0 })
            }
            return .jagged(offsets: offsets, values: values)
        }
        let ids = events.first?.namedWeights.map(\.0) ?? []
        guard let k = ids.firstIndex(of: name) else {
            throw DataError.missingColumn(dataset: file.path, column: name, available: ["weight", "process"] + ids + ["particle_…"])
        }
        return .flat(try events.enumerated().map { i, event in
            guard k < event.namedWeights.count, event.namedWeights[k].0 == name else {
                throw DataError.format(file: file.path, message: "event \(i) lacks the named weight '\(name)'")
            }
            return event.namedWeights[k].1
        })
    }

    static let particleFields = ["pdgId", "status", "mother1", "mother2", "px", "py", "pz", "e", "mass", "pt", "eta", "phi"]
}

/// A `load` of a ROOT or LHE file: the weight, flat columns (`name` or `name[k]` for element k of a
/// vector), and per-event objects picked out of collections, read column by column; `entry` keeps each
/// event's entry number in the file, so results can be matched back to it.
enum EventFileInput {
    static func isEventFile(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".root") || lower.hasSuffix(".lhe") || lower.hasSuffix(".lhe.gz")
    }

    static func source(_ path: String, as dataset: String, tree: String?) throws -> any EventSource {
        if !path.lowercased().hasSuffix(".root") { return LHESource(file: try LHEFile(path: path)) }
        let file = try ROOTFile(path: path)
        let treeName: String
        if let name = tree {
            treeName = name
        } else if file.treeNames.count == 1 {
            treeName = file.treeNames[0]
        } else {
            throw DataError.format(file: dataset, message: "holds the trees \(file.treeNames.joined(separator: ", ")); say which with `tree:`")
        }
        return TreeSource(tree: try file.tree(treeName))
    }

    static func read(_ path: String, as dataset: String, settings s: LoadStep.Settings) throws -> EventTable {
        let source = try source(path, as: dataset, tree: s.tree)
        // Objects of one collection (top and antitop from GenPart) share their fields: each is read once.
        var read: [String: BranchData] = [:]
        func branch(_ name: String) throws -> BranchData {
            if let data = read[name] { return data }
            let data = try source.read(name)
            read[name] = data
            return data
        }

        func column(_ spec: String) throws -> [Double] {
            // name[k]: element k of each entry of a jagged branch.
            if spec.hasSuffix("]"), let open = spec.lastIndex(of: "["), let k = Int(spec[spec.index(after: open)..<spec.index(before: spec.endIndex)]) {
                switch try branch(String(spec[..<open])) {
                case .jagged(let offsets, let values): return JaggedColumn(offsets: offsets, values: values).element(k)
                case .flat: throw DataError.shape("\(dataset): '\(spec[..<open])' holds one value per entry; write it without [\(k)]")
                }
            }
            switch try branch(spec) {
            case .flat(let values): return values
            case .jagged: throw DataError.shape("\(dataset): '\(spec)' holds several values per entry: pick one with \(spec)[0], or select objects with `objects:`")
            }
        }

        // Entry numbers follow the weights read, not the header's entry count, which a damaged file can inflate.
        let weights = try column(s.weight)
        var table = try EventTable([("entry", (0..<weights.count).map(Double.init)), (EventTable.weightColumn, weights)])
        for spec in s.columns ?? [] { try table.add(spec, try column(spec)) }

        let systems = s.systems.pairs.map { ObjectSystem(name: $0.key, objects: $0.value) }
        let usedBySystems = Set(systems.flatMap(\.objects))
        for (name, spec) in s.objects.pairs {
            var fields = spec.fields
            if usedBySystems.contains(name) { fields += ObjectSystem.fields.filter { !fields.contains($0) } }
            let selection = ObjectSelection(name: name, collection: spec.collection, cut: try spec.cut.map(CutExpression.init),
                                            orderBy: spec.orderBy, rank: spec.rank, fields: fields)
            var fieldColumns: [String: JaggedColumn] = [:]
            for field in selection.fieldsRead {
                switch try branch(selection.branch(field)) {
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
