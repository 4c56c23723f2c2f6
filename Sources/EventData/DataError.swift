/// Problems with event data, each naming the file or dataset, the column and the row a user must look at.
public enum DataError: Error, CustomStringConvertible, Sendable, Equatable {
    case missingColumn(dataset: String, column: String, available: [String])
    /// `row` counts data rows from 1; `line` is the file's line.
    case notNumeric(file: String, column: String, row: Int, line: Int, text: String)
    case notFinite(dataset: String, column: String, row: Int, value: Double)
    case ragged(file: String, row: Int, line: Int, fields: Int, expected: Int)
    case empty(file: String)
    case format(file: String, message: String)
    case shape(String)
    case io(String)

    public var description: String {
        switch self {
        case .missingColumn(let dataset, let column, let available):
            let close = available.filter { $0.lowercased().contains(column.lowercased()) || column.lowercased().contains($0.lowercased()) }
            let hint = close.isEmpty ? "" : " (similar: \(close.prefix(3).joined(separator: ", ")))"
            return "\(dataset): no column '\(column)'\(hint); it has \(available.prefix(12).joined(separator: ", "))\(available.count > 12 ? ", …" : "")"
        case .notNumeric(let file, let column, let row, let line, let text):
            return "\(file): column '\(column)', row \(row) (line \(line)): '\(text)' is not a number"
        case .notFinite(let dataset, let column, let row, let value):
            return "\(dataset): column '\(column)', row \(row): \(value) is not a finite number (set `nonfinite: drop` to skip such rows)"
        case .ragged(let file, let row, let line, let fields, let expected):
            return "\(file): row \(row) (line \(line)) has \(fields) fields, the header has \(expected)"
        case .empty(let file):
            return "\(file): the file holds no events"
        case .format(let file, let message):
            return "\(file): \(message)"
        case .shape(let message), .io(let message):
            return message
        }
    }
}

/// What to do with NaN or infinite values in weights and features.
public enum NonFinitePolicy: String, Sendable, CaseIterable {
    /// Stop with an error naming the first bad value (the default: bad values are usually bugs).
    case error
    /// Leave out the rows that hold one.
    case drop
    /// Keep them as they are.
    case keep
}

extension EventTable {
    /// Applies `policy` to the given columns (all columns when nil); rows are counted from 1.
    public func checkingFinite(_ policy: NonFinitePolicy, columns checked: [String]? = nil, dataset: String) throws -> EventTable {
        if policy == .keep { return self }
        var mask = [Bool](repeating: true, count: rowCount)
        var dropped = false
        for name in checked ?? names {
            guard let values = self[name] else { continue }
            for (row, value) in values.enumerated() where !value.isFinite {
                if policy == .error { throw DataError.notFinite(dataset: dataset, column: name, row: row + 1, value: value) }
                mask[row] = false
                dropped = true
            }
        }
        return dropped ? filter(mask) : self
    }
}
