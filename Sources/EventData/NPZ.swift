import CZlib
import Foundation

/// NumPy's `.npz`: a zip archive of `.npy` files. flow's native dataset file: one float64 array per
/// column, named after it, so `numpy.load(f)["weight"]` reads the weights.
///
/// Written uncompressed with fixed timestamps, so equal tables give byte-identical files (and equal
/// digests in the store). Reads stored and deflated members, with or without zip64 records.
public enum NPZ {
    public static func encode(_ table: EventTable) throws -> Data {
        var archive = ZipWriter()
        for (name, column) in zip(table.names, table.columns) {
            try archive.add(name + ".npy", NPY.encode(column))
        }
        return archive.finish()
    }

    public static func write(_ table: EventTable, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: try encode(table)) else { throw DataError.io("cannot write \(path)") }
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

struct ZipWriter {
    private var data = Data()
    private var central = Data()
    private var count = 0

    mutating func add(_ name: String, _ content: Data) throws {
        guard content.count < 0xFFFF_FFFF, data.count < 0xFFFF_FFFF else {
            throw DataError.shape("a column of more than 4 GB does not fit an .npz written by flow")
        }
        let crc = content.withUnsafeBytes { UInt32(crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count))) }
        let nameBytes = Array(name.utf8)
        let offset = UInt32(data.count)
        // Local file header: stored, DOS time 00:00 1980-01-01 for reproducible bytes.
        data.append(le32(0x0403_4b50)); data.append(le16(20)); data.append(le16(0)); data.append(le16(0))
        data.append(le16(0)); data.append(le16(0x21))
        data.append(le32(crc)); data.append(le32(UInt32(content.count))); data.append(le32(UInt32(content.count)))
        data.append(le16(UInt16(nameBytes.count))); data.append(le16(0))
        data.append(contentsOf: nameBytes)
        data.append(content)
        central.append(le32(0x0201_4b50)); central.append(le16(20)); central.append(le16(20)); central.append(le16(0))
        central.append(le16(0)); central.append(le16(0)); central.append(le16(0x21))
        central.append(le32(crc)); central.append(le32(UInt32(content.count))); central.append(le32(UInt32(content.count)))
        central.append(le16(UInt16(nameBytes.count))); central.append(le16(0)); central.append(le16(0))
        central.append(le16(0)); central.append(le16(0)); central.append(le32(0o644 << 16)); central.append(le32(offset))
        central.append(contentsOf: nameBytes)
        count += 1
    }

    mutating func finish() -> Data {
        let centralOffset = UInt32(data.count)
        data.append(central)
        data.append(le32(0x0605_4b50)); data.append(le16(0)); data.append(le16(0))
        data.append(le16(UInt16(count))); data.append(le16(UInt16(count)))
        data.append(le32(UInt32(central.count))); data.append(le32(centralOffset)); data.append(le16(0))
        return data
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
