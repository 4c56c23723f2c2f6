import Foundation

/// NumPy's `.npy` format (version 1.0/2.0/3.0 read, 1.0 written), the array file numpy, pandas and
/// uproot users exchange. A table is written as a structured array, one named `<f8` field per
/// column, so `numpy.load` gives named columns and `pandas.DataFrame(array)` a data frame.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// A 1-D float64 array.
    public static func encode(_ values: [Double]) -> Data {
        var data = header(descr: "'<f8'", shape: "(\(values.count),)")
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// The table as a structured array, one `<f8` field per column.
    public static func encode(_ table: EventTable) -> Data {
        var data = structuredHeader(table)
        interleave(table) { data.append(contentsOf: UnsafeRawBufferPointer($0)) }
        return data
    }

    static func structuredHeader(_ table: EventTable) -> Data {
        let fields = table.names.map { "('\($0.replacingOccurrences(of: "'", with: ""))', '<f8')" }.joined(separator: ", ")
        return header(descr: "[\(fields)]", shape: "(\(table.rowCount),)")
    }

    /// Hands out the table's rows, interleaved, in blocks small enough to stay in cache.
    static func interleave(_ table: EventTable, _ emit: (UnsafeBufferPointer<Double>) throws -> Void) rethrows {
        let columns = table.columnCount, rows = table.rowCount, block = 2048
        let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: block * max(columns, 1))
        defer { buffer.deallocate() }
        for first in stride(from: 0, to: rows, by: block) {
            let count = min(rows, first + block) - first
            for (c, column) in table.columns.enumerated() {
                column.withUnsafeBufferPointer { values in
                    for r in 0..<count { buffer[r * columns + c] = values[first + r] }
                }
            }
            try emit(UnsafeBufferPointer(rebasing: buffer[0..<count * columns]))
        }
    }

    static func header(descr: String, shape: String) -> Data {
        var dict = "{'descr': \(descr), 'fortran_order': False, 'shape': \(shape), }"
        // numpy pads the header with spaces so the data starts on a 64-byte boundary.
        let unpadded = magic.count + 4 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(magic)
        data.append(contentsOf: [1, 0, UInt8(dict.utf8.count & 0xff), UInt8(dict.utf8.count >> 8)])
        data.append(contentsOf: Swift.Array(dict.utf8))
        return data
    }

    /// A decoded array: column names (one `""` for a plain array), and values per column.
    public struct Array: Sendable {
        public var fields: [String]
        public var columns: [[Double]]
    }

    public static func decode(_ data: Data, file: String) throws -> Array {
        try data.withUnsafeBytes { try decode($0, file: file) }
    }

    static func decode(_ raw: UnsafeRawBufferPointer, file: String) throws -> Array {
        let (layout, offset) = try header(raw, file: file)
        let rows = layout.rows, perRow = layout.perRow, rowBytes = layout.itemSize
        var columns: [[Double]] = []
        var names: [String] = []
        if layout.fields.count == 1 && layout.fields[0].name.isEmpty {
            let type = layout.fields[0].type
            if perRow == 1 && layout.fields[0].isFloat64 {
                // The common case, a float64 column: one copy of the bytes.
                names.append("")
                columns.append([Double](unsafeUninitializedCapacity: rows) { buffer, count in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + rows * 8]))
                    count = rows
                })
            } else {
                for k in 0..<perRow {
                    names.append(perRow == 1 ? "" : String(k))
                    columns.append((0..<rows).map { type.read(raw, offset + ($0 * perRow + k) * type.size) })
                }
            }
        } else {
            var fieldOffset = 0
            for field in layout.fields {
                names.append(field.name)
                let start = fieldOffset
                columns.append((0..<rows).map { field.type.read(raw, offset + $0 * rowBytes + start) })
                fieldOffset += field.type.size
            }
        }
        return Array(fields: names, columns: columns)
    }

    /// The parsed header and where the data starts, checked against the bytes present.
    static func header(_ raw: UnsafeRawBufferPointer, file: String) throws -> (Layout, offset: Int) {
        func fail(_ message: String) -> DataError { .format(file: file, message: message) }
        func byte(_ i: Int) -> Int { Int(raw[i]) }
        guard raw.count >= 10, (0..<6).allSatisfy({ raw[$0] == magic[$0] }) else {
            throw fail("not a .npy file (no \\x93NUMPY magic)")
        }
        let headerLength: Int, headerStart: Int
        switch raw[6] {
        case 1:
            headerLength = byte(8) | byte(9) << 8
            headerStart = 10
        case 2, 3:
            guard raw.count >= 12 else { throw fail("truncated .npy header") }
            headerLength = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24
            headerStart = 12
        default:
            throw fail(".npy format version \(raw[6]).\(raw[7]) is not one flow reads (1.0, 2.0, 3.0)")
        }
        guard headerLength <= raw.count - headerStart else { throw fail("truncated .npy header") }
        let headerBytes = UnsafeRawBufferPointer(rebasing: raw[headerStart..<headerStart + headerLength])
        guard let header = String(validating: headerBytes, as: UTF8.self) else { throw fail("the .npy header is not text") }
        let layout = try Layout(header: header, file: file)
        let offset = headerStart + headerLength
        let needed = try layout.dataBytes(file: file)
        guard needed <= raw.count - offset else {
            throw fail("holds \(raw.count - offset) data bytes, fewer than the \(needed) its shape \(layout.shape) needs")
        }
        if layout.fortranOrder && layout.perRow > 1 {
            throw fail("Fortran-ordered 2-D arrays are not supported; save with numpy.ascontiguousarray")
        }
        return (layout, offset)
    }

    /// Streams the table to disk block by block, never holding the interleaved copy whole.
    public static func write(_ table: EventTable, to path: String) throws {
        let file = try OutputFile(path)
        try structuredHeader(table).withUnsafeBytes { try file.write($0) }
        try interleave(table) { try file.write(UnsafeRawBufferPointer($0)) }
    }

    /// Reads a structured array as a table; a plain 1-D array becomes one column named after the file.
    public static func read(_ path: String) throws -> EventTable {
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError.io("cannot read \(path)") }
        let array = try decode(data, file: path)
        if array.columns.isEmpty { throw DataError.empty(file: path) }
        let fallback = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let names = array.fields.map { $0.isEmpty ? fallback : $0 }
        return try EventTable(Swift.Array(zip(names, array.columns)))
    }
}

/// A numeric dtype: size and how to read one little-endian value as a Double.
struct ScalarType {
    var size: Int
    var read: (UnsafeRawBufferPointer, Int) -> Double
    var isFloat64 = false

    init?(_ descr: String) {
        let code = descr.hasPrefix("<") || descr.hasPrefix("|") || descr.hasPrefix("=") ? String(descr.dropFirst()) : descr
        if descr.hasPrefix(">") { return nil }
        switch code {
        case "f8": size = 8; read = { Double($0.loadUnaligned(fromByteOffset: $1, as: Double.self)) }; isFloat64 = true
        case "f4": size = 4; read = { Double($0.loadUnaligned(fromByteOffset: $1, as: Float.self)) }
        case "i8": size = 8; read = { Double($0.loadUnaligned(fromByteOffset: $1, as: Int64.self)) }
        case "i4": size = 4; read = { Double($0.loadUnaligned(fromByteOffset: $1, as: Int32.self)) }
        case "i2": size = 2; read = { Double($0.loadUnaligned(fromByteOffset: $1, as: Int16.self)) }
        case "i1": size = 1; read = { Double($0.loadUnaligned(fromByteOffset: $1, as: Int8.self)) }
        case "u8": size = 8; read = { Double($0.loadUnaligned(fromByteOffset: $1, as: UInt64.self)) }
        case "u4": size = 4; read = { Double($0.loadUnaligned(fromByteOffset: $1, as: UInt32.self)) }
        case "u2": size = 2; read = { Double($0.loadUnaligned(fromByteOffset: $1, as: UInt16.self)) }
        case "u1", "b1", "?": size = 1; read = { Double($0.load(fromByteOffset: $1, as: UInt8.self)) }
        default: return nil
        }
    }
}
