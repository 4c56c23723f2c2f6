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
        var table = EventTable()
        for (name, member) in try ZipReader.members(data, file: path) where name.hasSuffix(".npy") {
            let array = try NPY.decode(member, file: "\(path)[\(name)]")
            let base = String(name.dropLast(4))
            for (field, values) in zip(array.fields, array.columns) {
                do {
                    try table.add(field.isEmpty ? base : field, values)
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

enum ZipReader {
    static func members(_ data: Data, file: String) throws -> [(String, Data)] {
        try data.withUnsafeBytes { try members($0, file: file) }
    }

    static func members(_ bytes: UnsafeRawBufferPointer, file: String) throws -> [(String, Data)] {
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        func u64(_ i: Int) -> Int { u32(i) | u32(i + 4) << 32 }
        guard bytes.count >= 22, let end = stride(from: bytes.count - 22, through: max(0, bytes.count - 65_557), by: -1)
            .first(where: { u32($0) == 0x0605_4b50 }) else {
            throw DataError.format(file: file, message: "not an .npz (zip) file")
        }
        var entries = u16(end + 10)
        var position = u32(end + 16)
        // A zip64 end record, when present, holds the real counts and offsets.
        if end >= 20, u32(end - 20) == 0x0706_4b50 {
            let record = u64(end - 12)
            if record + 56 <= bytes.count, u32(record) == 0x0606_4b50 {
                entries = u64(record + 32)
                position = u64(record + 48)
            }
        }
        var result: [(String, Data)] = []
        for _ in 0..<entries {
            guard position + 46 <= bytes.count, u32(position) == 0x0201_4b50 else {
                throw DataError.format(file: file, message: "corrupt zip central directory")
            }
            let method = u16(position + 10)
            var compressed = u32(position + 20), size = u32(position + 24)
            let nameLength = u16(position + 28), extraLength = u16(position + 30), commentLength = u16(position + 32)
            var local = u32(position + 42)
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(position + 46)..<(position + 46 + nameLength)]), as: UTF8.self)
            var extra = position + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = u16(extra), length = u16(extra + 2)
                if id == 1 {
                    var field = extra + 4
                    if size == 0xFFFF_FFFF { size = u64(field); field += 8 }
                    if compressed == 0xFFFF_FFFF { compressed = u64(field); field += 8 }
                    if local == 0xFFFF_FFFF { local = u64(field) }
                }
                extra += 4 + length
            }
            position = extraEnd + commentLength
            guard local + 30 <= bytes.count, u32(local) == 0x0403_4b50 else {
                throw DataError.format(file: file, message: "corrupt zip entry '\(name)'")
            }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            guard start + compressed <= bytes.count else { throw DataError.format(file: file, message: "truncated zip entry '\(name)'") }
            let raw = Data(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + compressed)]))
            switch method {
            case 0: result.append((name, raw))
            case 8: result.append((name, try inflate(raw, size: size, file: file, member: name)))
            default: throw DataError.format(file: file, message: "member '\(name)' uses zip method \(method); flow reads stored and deflated members")
            }
        }
        return result
    }

    static func inflate(_ input: Data, size: Int, file: String, member: String) throws -> Data {
        var output = [UInt8](repeating: 0, count: max(size, 1))
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError.format(file: file, message: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var input = [UInt8](input)
        let status = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer -> Int32 in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == size else {
            throw DataError.format(file: file, message: "member '\(member)' is corrupt (zlib status \(status))")
        }
        return Data(output.prefix(size))
    }
}
