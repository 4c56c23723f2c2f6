/// Weighted events as named Float64 columns: one row per event, the event weight in `weight`.
///
/// Columnar because every consumer (histograms, standardisation, network batches) reads a few
/// columns over all events, never one event's every column.
public struct EventTable: Sendable, Equatable {
    public private(set) var names: [String]
    public private(set) var columns: [[Double]]

    /// The column that holds the event weights.
    public static let weightColumn = "weight"
    /// The column that records which input a row came from after `merge`.
    public static let sampleColumn = "sample_id"

    public init() {
        names = []
        columns = []
    }

    /// A table from named columns of equal length.
    public init(_ named: [(String, [Double])]) throws {
        self.init()
        for (name, values) in named { try add(name, values) }
    }

    public var rowCount: Int { columns.first?.count ?? 0 }
    public var columnCount: Int { names.count }

    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    public subscript(name: String) -> [Double]? {
        index(of: name).map { columns[$0] }
    }

    /// The named column, or an error that lists what the table has.
    public func column(_ name: String, in dataset: String = "table") throws -> [Double] {
        guard let i = index(of: name) else { throw DataError.missingColumn(dataset: dataset, column: name, available: names) }
        return columns[i]
    }

    public func weights(in dataset: String = "table") throws -> [Double] {
        try column(Self.weightColumn, in: dataset)
    }

    /// Adds a column, or replaces one of the same name.
    public mutating func add(_ name: String, _ values: [Double]) throws {
        if !columns.isEmpty && values.count != rowCount {
            throw DataError.shape("column '\(name)' has \(values.count) rows, the table \(rowCount)")
        }
        if let i = index(of: name) {
            columns[i] = values
        } else {
            names.append(name)
            columns.append(values)
        }
    }

    public mutating func remove(_ name: String) {
        guard let i = index(of: name) else { return }
        names.remove(at: i)
        columns.remove(at: i)
    }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: [Int]) -> EventTable {
        var table = self
        table.columns = columns.map { column in indices.map { column[$0] } }
        return table
    }

    /// The rows where `mask` is true.
    public func filter(_ mask: [Bool]) -> EventTable {
        var indices: [Int] = []
        indices.reserveCapacity(mask.count)
        for (i, keep) in mask.enumerated() where keep { indices.append(i) }
        return rows(indices)
    }

    /// Only the named columns, in the order given.
    public func selecting(_ wanted: [String], dataset: String = "table") throws -> EventTable {
        try EventTable(wanted.map { ($0, try column($0, in: dataset)) })
    }

    /// Tables stacked row-wise; columns are those common to all, in the first table's order.
    /// With `sampleIDs`, a `sample_id` column records each row's source (replacing an existing one).
    public static func concatenate(_ tables: [EventTable], sampleIDs: [Double]? = nil) throws -> EventTable {
        guard let first = tables.first else { return EventTable() }
        let common = first.names.filter { name in tables.allSatisfy { $0.index(of: name) != nil } && name != sampleColumn }
        var result = EventTable()
        for name in common {
            var values: [Double] = []
            values.reserveCapacity(tables.reduce(0) { $0 + $1.rowCount })
            for table in tables { values += table[name]! }
            try result.add(name, values)
        }
        if let sampleIDs {
            var ids: [Double] = []
            for (table, id) in zip(tables, sampleIDs) { ids += Array(repeating: id, count: table.rowCount) }
            try result.add(sampleColumn, ids)
        } else if tables.allSatisfy({ $0.index(of: sampleColumn) != nil }) {
            try result.add(sampleColumn, tables.flatMap { $0[sampleColumn]! })
        }
        return result
    }
}
