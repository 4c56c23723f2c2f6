import Foundation

/// Comma-separated text with a header row of column names; every other field a number.
public enum CSV {
    public static func read(_ path: String) throws -> EventTable {
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError.io("cannot read \(path)") }
        return try parse(data, file: path)
    }

    public static func parse(_ data: Data, file: String) throws -> EventTable {
        let bytes = [UInt8](data)
        var lines: [(start: Int, end: Int, number: Int)] = []
        var start = 0
        var lineNumber = 1
        for i in 0...bytes.count {
            if i == bytes.count || bytes[i] == UInt8(ascii: "\n") {
                var end = i
                if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                if end > start { lines.append((start, end, lineNumber)) }
                start = i + 1
                lineNumber += 1
            }
        }
        guard let header = lines.first else { throw DataError.empty(file: file) }
        let names = fields(bytes, header.start, header.end).map { String(decoding: bytes[$0.0..<$0.1], as: UTF8.self) }
        try checkUnique(names, file: file)
        guard lines.count > 1 else { throw DataError.empty(file: file) }

        var columns = [[Double]](repeating: [], count: names.count)
        for c in columns.indices { columns[c].reserveCapacity(lines.count - 1) }
        var buffer = [CChar](repeating: 0, count: 64)
        for (row, line) in lines.dropFirst().enumerated() {
            let parts = fields(bytes, line.start, line.end)
            guard parts.count == names.count else {
                throw DataError.ragged(file: file, row: row + 1, line: line.number, fields: parts.count, expected: names.count)
            }
            for (c, (a, b)) in parts.enumerated() {
                guard let value = number(bytes, a, b, &buffer) else {
                    throw DataError.notNumeric(file: file, column: names[c], row: row + 1, line: line.number,
                                               text: String(decoding: bytes[a..<b], as: UTF8.self))
                }
                columns[c].append(value)
            }
        }
        return try EventTable(Array(zip(names, columns)))
    }

    /// Two columns of one name would make every later lookup ambiguous.
    private static func checkUnique(_ names: [String], file: String) throws {
        var first: [String: Int] = [:]
        for (c, name) in names.enumerated() {
            if let earlier = first[name] {
                throw DataError.format(file: file, message: "column '\(name)' appears twice in the header (columns \(earlier + 1) and \(c + 1))")
            }
            first[name] = c
        }
    }

    /// Field ranges of one line, trimmed of spaces and surrounding double quotes.
    private static func fields(_ bytes: [UInt8], _ start: Int, _ end: Int) -> [(Int, Int)] {
        var result: [(Int, Int)] = []
        var a = start
        for i in start...end where i == end || bytes[i] == UInt8(ascii: ",") {
            var s = a, e = i
            while s < e && (bytes[s] == 32 || bytes[s] == 9) { s += 1 }
            while e > s && (bytes[e - 1] == 32 || bytes[e - 1] == 9) { e -= 1 }
            if e - s >= 2 && bytes[s] == 34 && bytes[e - 1] == 34 { s += 1; e -= 1 }
            result.append((s, e))
            a = i + 1
        }
        return result
    }

    private static func number(_ bytes: [UInt8], _ a: Int, _ b: Int, _ buffer: inout [CChar]) -> Double? {
        let count = b - a
        guard isDecimal(bytes[a..<b]) else { return nil }
        if count >= buffer.count { buffer = [CChar](repeating: 0, count: count * 2) }
        for k in 0..<count { buffer[k] = CChar(bitPattern: bytes[a + k]) }
        buffer[count] = 0
        return buffer.withUnsafeBufferPointer { pointer -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(pointer.baseAddress!, &end)
            let consumed = end.map { pointer.baseAddress!.distance(to: UnsafePointer($0)) } ?? 0
            return consumed == count ? value : nil
        }
    }

    /// What Python's `float()` reads as decimal text: a sign, digits with at most one point, an exponent;
    /// or `nan`, `inf`, `infinity` in any case. strtod alone would also take hex (`0x10`).
    static func isDecimal(_ text: ArraySlice<UInt8>) -> Bool {
        var i = text.startIndex
        if i < text.endIndex, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") { i += 1 }
        let word = String(decoding: text[i...], as: UTF8.self).lowercased()
        if word == "nan" || word == "inf" || word == "infinity" { return true }
        func digits() -> Int {
            let start = i
            while i < text.endIndex, text[i] >= UInt8(ascii: "0"), text[i] <= UInt8(ascii: "9") { i += 1 }
            return i - start
        }
        var mantissa = digits()
        if i < text.endIndex, text[i] == UInt8(ascii: ".") {
            i += 1
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if i < text.endIndex, text[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < text.endIndex, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == text.endIndex
    }

    /// Writes the table with a header row; numbers in their shortest exact form.
    public static func write(_ table: EventTable, to path: String) throws {
        var text = table.names.joined(separator: ",") + "\n"
        text.reserveCapacity(table.rowCount * table.columnCount * 12)
        for row in 0..<table.rowCount {
            for c in 0..<table.columnCount {
                if c > 0 { text += "," }
                let value = table.columns[c][row]
                text += value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
            }
            text += "\n"
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw DataError.io("cannot write \(path)")
        }
    }
}
