/// A column as a file holds it: one value per entry, or a variable number (jagged, with offsets into
/// the flat values: entry i holds values[offsets[i]..<offsets[i+1]]).
public enum ColumnData: Sendable, Equatable {
    case flat([Double])
    case jagged(offsets: [Int], values: [Double])

    public var entryCount: Int {
        switch self {
        case .flat(let v): return v.count
        case .jagged(let offsets, _): return offsets.count - 1
        }
    }
}

/// Where events are read from, named column by named column: a ROOT tree's branches (ROOTIO), an LHE
/// file's weights and particles (LHEF).
public protocol EventSource {
    var entries: Int { get }
    func read(_ name: String) throws -> ColumnData
}

/// What to read out of an event source into a table: the weight, flat columns (`name`, or `name[k]` for
/// element k of a vector), objects picked out of collections, and four-vector sums of objects.
public struct EventSourceRequest: Sendable {
    public var weight: String
    public var columns: [String]
    public var objects: [ObjectSelection]
    public var systems: [ObjectSystem]

    public init(weight: String, columns: [String] = [], objects: [ObjectSelection] = [], systems: [ObjectSystem] = []) {
        self.weight = weight
        self.columns = columns
        self.objects = objects
        self.systems = systems
    }
}

extension EventSource {
    /// The requested columns, read column by column; `entry` keeps each event's entry number in the
    /// file, so results can be matched back to it.
    public func table(_ request: EventSourceRequest, dataset: String) throws -> EventTable {
        var reader = ColumnReader(source: self, dataset: dataset)
        // Entry numbers follow the weights read, not the header's entry count, which a damaged file can inflate.
        let weights = try reader.column(request.weight)
        var table = try EventTable([("entry", (0..<weights.count).map(Double.init)), (EventTable.weightColumn, weights)])
        for spec in request.columns { try table.add(spec, try reader.column(spec)) }
        let usedBySystems = Set(request.systems.flatMap(\.objects))
        for object in request.objects {
            var selection = object
            if usedBySystems.contains(object.name) { selection.fields += ObjectSystem.fields.filter { !object.fields.contains($0) } }
            for (columnName, values) in try reader.objects(selection) { try table.add(columnName, values) }
        }
        for system in request.systems {
            for (columnName, values) in try system.apply(table, dataset: dataset) { try table.add(columnName, values) }
        }
        return table
    }
}

/// Reads a source's columns once each (objects of one collection, top and antitop from GenPart, share
/// their fields).
struct ColumnReader<Source: EventSource> {
    let source: Source
    let dataset: String
    var read: [String: ColumnData] = [:]

    init(source: Source, dataset: String) {
        self.source = source
        self.dataset = dataset
    }

    mutating func branch(_ name: String) throws -> ColumnData {
        if let data = read[name] { return data }
        let data = try source.read(name)
        read[name] = data
        return data
    }

    /// `name`, or `name[k]`: element k of each entry of a jagged column.
    mutating func column(_ spec: String) throws -> [Double] {
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

    mutating func objects(_ selection: ObjectSelection) throws -> [(String, [Double])] {
        var fieldColumns: [String: JaggedColumn] = [:]
        for field in selection.fieldsRead {
            switch try branch(selection.branch(field)) {
            case .jagged(let offsets, let values): fieldColumns[field] = JaggedColumn(offsets: offsets, values: values)
            case .flat: throw DataError.shape("\(dataset): '\(selection.branch(field))' holds one value per entry, not a collection")
            }
        }
        return try selection.apply(fieldColumns, dataset: dataset)
    }
}
