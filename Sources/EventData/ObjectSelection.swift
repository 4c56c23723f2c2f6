/// A column with a variable number of values per event (a collection's field, a std::vector):
/// event i holds values[offsets[i]..<offsets[i+1]].
public struct JaggedColumn: Sendable, Equatable {
    public var offsets: [Int]
    public var values: [Double]

    public init(offsets: [Int], values: [Double]) {
        self.offsets = offsets
        self.values = values
    }

    public var events: Int { offsets.count - 1 }

    /// Element `k` of each event; NaN where the event has fewer.
    public func element(_ k: Int) -> [Double] {
        (0..<events).map { i in offsets[i] + k < offsets[i + 1] ? values[offsets[i] + k] : .nan }
    }
}

/// One object per event out of a collection, as flat columns: the first object passing a cut
/// (GenPart with pdgId == 6 and the last-copy flag), or the leading one by a field (the hardest muon).
/// Events with no such object get NaN, which the `nonfinite:` policy then keeps, drops or reports.
public struct ObjectSelection: Sendable {
    public var name: String
    /// The branch prefix: `GenPart` reads `GenPart_pt`; a prefix ending in `.` or `_` is used as is
    /// (`AnalysisElectronsAuxDyn.` reads `AnalysisElectronsAuxDyn.pt`).
    public var collection: String
    public var cut: CutExpression?
    /// Rank the passing objects by this field, largest first; nil keeps the collection's order.
    public var orderBy: String?
    /// 0: the first (or leading) object, 1: the second, …
    public var rank = 0
    public var fields: [String]

    public init(name: String, collection: String, cut: CutExpression? = nil, orderBy: String? = nil, rank: Int = 0, fields: [String]) {
        self.name = name
        self.collection = collection
        self.cut = cut
        self.orderBy = orderBy
        self.rank = rank
        self.fields = fields
    }

    public func branch(_ field: String) -> String {
        collection.hasSuffix(".") || collection.hasSuffix("_") ? collection + field : collection + "_" + field
    }

    /// The collection's fields this selection reads.
    public var fieldsRead: [String] {
        var names = fields
        for extra in (cut?.columns ?? []) + (orderBy.map { [$0] } ?? []) where !names.contains(extra) { names.append(extra) }
        return names
    }

    /// Columns `<name>_<field>` from the collection's fields (keyed by field name).
    public func apply(_ fieldColumns: [String: JaggedColumn], dataset: String) throws -> [(String, [Double])] {
        let names = fieldsRead
        guard let first = names.first, let reference = fieldColumns[first] else {
            throw DataError.missingColumn(dataset: dataset, column: branch(names.first ?? "?"), available: fieldColumns.keys.map(branch).sorted())
        }
        for field in names {
            guard let column = fieldColumns[field] else {
                throw DataError.missingColumn(dataset: dataset, column: branch(field), available: fieldColumns.keys.map(branch).sorted())
            }
            guard column.offsets == reference.offsets else {
                throw DataError.shape("\(dataset): '\(branch(field))' and '\(branch(first))' have different numbers of objects per event; they are not one collection")
            }
        }
        // The cut is evaluated over every object of every event at once.
        let objects = try EventTable(names.map { ($0, fieldColumns[$0]!.values) })
        let passes = try cut?.mask(on: objects, dataset: "\(dataset) (\(collection))") ?? Array(repeating: true, count: objects.rowCount)
        let order = orderBy.map { fieldColumns[$0]!.values }
        var chosen = [Int](repeating: -1, count: reference.events)
        for event in 0..<reference.events {
            var candidates = (reference.offsets[event]..<reference.offsets[event + 1]).filter { passes[$0] }
            if let order { candidates.sort { order[$0] > order[$1] } }
            if rank < candidates.count { chosen[event] = candidates[rank] }
        }
        return fields.map { field in
            let values = fieldColumns[field]!.values
            return ("\(name)_\(field)", chosen.map { $0 >= 0 ? values[$0] : .nan })
        }
    }
}

/// The sum of selected objects' four-vectors (m_tt from the top and the antitop): `<name>_mass`,
/// `<name>_pt`, `<name>_y`, from each object's pt, eta, phi and mass columns.
public struct ObjectSystem: Sendable {
    public var name: String
    public var objects: [String]

    public init(name: String, objects: [String]) {
        self.name = name
        self.objects = objects
    }

    public static let fields = ["pt", "eta", "phi", "mass"]

    public func apply(_ table: EventTable, dataset: String) throws -> [(String, [Double])] {
        let columns = try objects.map { object in try Self.fields.map { try table.column("\(object)_\($0)", in: dataset) } }
        var mass = [Double](), pt = [Double](), y = [Double]()
        for i in 0..<table.rowCount {
            var sum = FourVector(0, 0, 0, 0)
            for c in columns { sum = sum + FourVector(pt: c[0][i], eta: c[1][i], phi: c[2][i], mass: c[3][i]) }
            mass.append(sum.e.isNaN ? .nan : sum.massOrZero)
            pt.append(sum.pt)
            y.append(sum.rapidity)
        }
        return [("\(name)_mass", mass), ("\(name)_pt", pt), ("\(name)_y", y)]
    }
}
