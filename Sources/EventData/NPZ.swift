import CZlib
import Foundation

/// NumPy's `.npz`: a zip archive of `.npy` files. flow's native dataset file: one float64 array per
/// column, named after it, so `numpy.load(f)["weight"]` reads the weights.
///
/// Written uncompressed with fixed timestamps, so equal tables give byte-identical files (and equal
/// digests in the store). Reads stored and deflated members, with or without zip64 records.
public enum NPZ {
    public static func encode(_ table: EventTable) throws -> Data {
        var data = Data()
        try write(table) { data.append(contentsOf: $0) }
        return data
    }

    /// Streams the archive to disk, each column's bytes written straight from the table.
    public static func write(_ table: EventTable, to path: String) throws {
        let file = try OutputFile(path)
        try write(table) { try file.write($0) }
    }

    static func write(_ table: EventTable, _ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        var archive = ZipWriter()
        for (name, column) in zip(table.names, table.columns) {
            let header = NPY.header(descr: "'<f8'", shape: "(\(column.count),)")
            try column.withUnsafeBytes { values in
                try header.withUnsafeBytes { head in
                    try archive.localHeader(name + ".npy", parts: [head, values]).withUnsafeBytes { try emit($0) }
                    try emit(head)
                    try emit(values)
                }
            }
        }
        try archive.centralDirectory().withUnsafeBytes { try emit($0) }
    }

    public static func read(_ path: String) throws -> EventTable {
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError.io("cannot read \(path)") }
        return try decode(data, file: path)
    }

    /// The table an archive's bytes hold; `path` names the archive in messages.
    public static func decode(_ data: Data, file path: String) throws -> EventTable {
        var table = EventTable()
        for (name, member) in try ZipReader.members(data, file: path) where name.hasSuffix(".npy") {
            let array = try NPY.decode(member, file: "\(path)[\(name)]")
            let base = String(name.dropLast(4))
            for (field, values) in zip(array.fields, array.columns) {
                let column = field.isEmpty ? base : field
                // Adding would replace the earlier column silently.
                guard table.index(of: column) == nil else {
                    throw DataError.format(file: path, message: "column '\(column)' appears twice (member '\(name)')")
                }
                do {
                    try table.add(column, values)
                } catch {
                    throw DataError.format(file: path, message: "array '\(base)' has \(values.count) rows, earlier ones \(table.rowCount)")
                }
            }
        }
        if table.columnCount == 0 { throw DataError.empty(file: path) }
        return table
    }
}

/// Writes a zip archive of stored (uncompressed) members as a stream: a local header before
/// each member's bytes, the central directory at the end.
struct ZipWriter {
    private var offset = 0
    private var central = Data()
    private var count = 0

    /// The local header of a member made of `parts`; the caller writes the parts after it.
    mutating func localHeader(_ name: String, parts: [UnsafeRawBufferPointer]) throws -> Data {
        let size = parts.reduce(0) { $0 + $1.count }
        guard size < 0xFFFF_FFFF, offset < 0xFFFF_FFFF else {
            throw DataError.shape("a column of more than 4 GB does not fit an .npz written by flow")
        }
        var crc: UInt = 0
        for part in parts { crc = crc32(crc, part.bindMemory(to: Bytef.self).baseAddress, uInt(part.count)) }
        let nameBytes = Array(name.utf8)
        var local = Data()
        // Stored, DOS time 00:00 1980-01-01 for reproducible bytes.
        local.append(le32(0x0403_4b50)); local.append(le16(20)); local.append(le16(0)); local.append(le16(0))
        local.append(le16(0)); local.append(le16(0x21))
        local.append(le32(UInt32(crc))); local.append(le32(UInt32(size))); local.append(le32(UInt32(size)))
        local.append(le16(UInt16(nameBytes.count))); local.append(le16(0))
        local.append(contentsOf: nameBytes)
        central.append(le32(0x0201_4b50)); central.append(le16(20)); central.append(le16(20)); central.append(le16(0))
        central.append(le16(0)); central.append(le16(0)); central.append(le16(0x21))
        central.append(le32(UInt32(crc))); central.append(le32(UInt32(size))); central.append(le32(UInt32(size)))
        central.append(le16(UInt16(nameBytes.count))); central.append(le16(0)); central.append(le16(0))
        central.append(le16(0)); central.append(le16(0)); central.append(le32(0o644 << 16)); central.append(le32(UInt32(offset)))
        central.append(contentsOf: nameBytes)
        offset += local.count + size
        count += 1
        return local
    }

    func centralDirectory() -> Data {
        var end = central
        end.append(le32(0x0605_4b50)); end.append(le16(0)); end.append(le16(0))
        end.append(le16(UInt16(count))); end.append(le16(UInt16(count)))
        end.append(le32(UInt32(central.count))); end.append(le32(UInt32(offset))); end.append(le16(0))
        return end
    }

    private func le16(_ v: UInt16) -> Data { Data([UInt8(v & 0xff), UInt8(v >> 8)]) }
    private func le32(_ v: UInt32) -> Data { Data((0..<4).map { UInt8((v >> (8 * $0)) & 0xff) }) }
}
