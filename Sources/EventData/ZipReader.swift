import CZlib
import Foundation

/// Reads the members of a zip archive (stored or deflated, with or without zip64 records).
///
/// Every offset and length comes from the file, so each is checked against the bytes present before
/// it is used, a deflated member may claim no more than deflate can produce from its bytes, and
/// each member's CRC-32 must match the directory's: a damaged archive is an error, never a wrong table.
enum ZipReader {
    static func members(_ data: Data, file: String) throws -> [(String, Data)] {
        try data.withUnsafeBytes { try members(Archive(bytes: $0, file: file)) }
    }

    /// Deflate never expands more than 1032:1, so a larger claimed size is damage, not data.
    static let maximumDeflateRatio = 1032

    /// Bytes with bounds-checked little-endian reads.
    struct Archive {
        let bytes: UnsafeRawBufferPointer
        let file: String

        func corrupt(_ message: String) -> DataError { .format(file: file, message: message) }

        func range(_ start: Int, _ count: Int, _ what: String) throws -> Range<Int> {
            guard start >= 0, count >= 0, start <= bytes.count, count <= bytes.count - start else {
                throw corrupt("\(what) lies outside the file")
            }
            return start..<start + count
        }

        func u16(_ i: Int) throws -> Int {
            let r = try range(i, 2, "a zip record")
            return Int(bytes[r.lowerBound]) | Int(bytes[r.lowerBound + 1]) << 8
        }

        func u32(_ i: Int) throws -> Int { try u16(i) | u16(i + 2) << 16 }

        /// A zip64 value; one beyond Int's range is damage.
        func u64(_ i: Int) throws -> Int {
            let high = try u32(i + 4)
            guard high < 0x8000_0000 else { throw corrupt("a zip64 value is out of range") }
            return try u32(i) | high << 32
        }
    }

    /// One central-directory entry.
    struct Entry {
        var name: String
        var method: Int
        var crc: Int
        var compressed: Int
        var size: Int
        var localHeader: Int
    }

    static func members(_ archive: Archive) throws -> [(String, Data)] {
        var (entries, position) = try directory(archive)
        var result: [(String, Data)] = []
        while entries > 0 {
            let entry = try self.entry(archive, at: &position)
            result.append((entry.name, try contents(archive, entry)))
            entries -= 1
        }
        return result
    }

    /// The number of entries and where the central directory starts, from the end record.
    static func directory(_ archive: Archive) throws -> (entries: Int, start: Int) {
        let bytes = archive.bytes
        guard bytes.count >= 22, let end = try stride(from: bytes.count - 22, through: max(0, bytes.count - 65_557), by: -1)
            .first(where: { try archive.u32($0) == 0x0605_4b50 }) else {
            throw archive.corrupt("not an .npz (zip) file")
        }
        var entries = try archive.u16(end + 10)
        var start = try archive.u32(end + 16)
        // A zip64 end record, when present, holds the real counts and offsets.
        if end >= 20, try archive.u32(end - 20) == 0x0706_4b50 {
            let record = try archive.u64(end - 12)
            if record <= bytes.count - 56, try archive.u32(record) == 0x0606_4b50 {
                entries = try archive.u64(record + 32)
                start = try archive.u64(record + 48)
            }
        }
        return (entries, start)
    }

    static func entry(_ archive: Archive, at position: inout Int) throws -> Entry {
        guard try archive.u32(position) == 0x0201_4b50 else { throw archive.corrupt("corrupt zip central directory") }
        var entry = Entry(name: "", method: try archive.u16(position + 10), crc: try archive.u32(position + 16),
                          compressed: try archive.u32(position + 20), size: try archive.u32(position + 24),
                          localHeader: try archive.u32(position + 42))
        let nameLength = try archive.u16(position + 28), extraLength = try archive.u16(position + 30)
        let commentLength = try archive.u16(position + 32)
        let name = try archive.range(position + 46, nameLength, "a member's name")
        entry.name = String(decoding: UnsafeRawBufferPointer(rebasing: archive.bytes[name]), as: UTF8.self)
        let extra = try archive.range(name.upperBound, extraLength, "member '\(entry.name)''s extra fields")
        try applyZip64(archive, extra, to: &entry)
        position = extra.upperBound + commentLength
        return entry
    }

    /// Sizes and offsets too large for 32 bits are in the zip64 extra field.
    static func applyZip64(_ archive: Archive, _ extra: Range<Int>, to entry: inout Entry) throws {
        var field = extra.lowerBound
        while field + 4 <= extra.upperBound {
            let id = try archive.u16(field), length = try archive.u16(field + 2)
            if id == 1 {
                var value = field + 4
                func next() throws -> Int {
                    guard value + 8 <= min(extra.upperBound, field + 4 + length) else {
                        throw archive.corrupt("member '\(entry.name)' has a short zip64 field")
                    }
                    defer { value += 8 }
                    return try archive.u64(value)
                }
                if entry.size == 0xFFFF_FFFF { entry.size = try next() }
                if entry.compressed == 0xFFFF_FFFF { entry.compressed = try next() }
                if entry.localHeader == 0xFFFF_FFFF { entry.localHeader = try next() }
            }
            field += 4 + length
        }
    }

    /// A member's bytes, inflated if need be and checked against its CRC-32.
    static func contents(_ archive: Archive, _ entry: Entry) throws -> Data {
        let local = entry.localHeader
        guard try archive.u32(local) == 0x0403_4b50 else { throw archive.corrupt("corrupt zip entry '\(entry.name)'") }
        let start = local + 30 + (try archive.u16(local + 26)) + (try archive.u16(local + 28))
        guard start >= 0, start <= archive.bytes.count, entry.compressed <= archive.bytes.count - start else {
            throw archive.corrupt("truncated zip entry '\(entry.name)'")
        }
        let raw = UnsafeRawBufferPointer(rebasing: archive.bytes[start..<start + entry.compressed])
        let data: Data
        switch entry.method {
        case 0:
            guard entry.size == entry.compressed else {
                throw archive.corrupt("stored member '\(entry.name)' has size \(entry.size) but \(entry.compressed) bytes")
            }
            data = Data(raw)
        case 8:
            guard entry.size <= entry.compressed * maximumDeflateRatio + 1024 else {
                throw archive.corrupt("member '\(entry.name)' claims \(entry.size) bytes from \(entry.compressed) compressed ones")
            }
            data = try inflate(raw, size: entry.size, archive: archive, member: entry.name)
        default:
            throw archive.corrupt("member '\(entry.name)' uses zip method \(entry.method); flow reads stored and deflated members")
        }
        guard crc32(data) == entry.crc else { throw archive.corrupt("member '\(entry.name)' fails its CRC check") }
        return data
    }

    static func crc32(_ data: Data) -> Int {
        data.withUnsafeBytes { raw in
            var crc: uLong = 0
            var offset = 0
            // zlib takes 32-bit lengths: large members go in pieces.
            while offset < raw.count {
                let count = min(raw.count - offset, 1 << 30)
                crc = CZlib.crc32(crc, raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(count))
                offset += count
            }
            return Int(crc)
        }
    }

    static func inflate(_ input: UnsafeRawBufferPointer, size: Int, archive: Archive, member: String) throws -> Data {
        var output = Data(count: max(size, 1))
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw archive.corrupt("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var status: Int32 = Z_OK
        var written = 0
        output.withUnsafeMutableBytes { out in
            // zlib counts in 32 bits: input and room go in pieces.
            var read = 0
            while status == Z_OK {
                let inCount = min(input.count - read, 1 << 30), outCount = min(out.count - written, 1 << 30)
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.advanced(by: read).assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(inCount)
                stream.next_out = out.baseAddress!.advanced(by: written).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outCount)
                status = CZlib.inflate(&stream, Z_NO_FLUSH)
                let consumed = inCount - Int(stream.avail_in), produced = outCount - Int(stream.avail_out)
                read += consumed
                written += produced
                if status == Z_OK && consumed == 0 && produced == 0 { status = Z_BUF_ERROR }
            }
        }
        guard status == Z_STREAM_END, written == size else {
            throw archive.corrupt("member '\(member)' is corrupt (zlib status \(status))")
        }
        return output.prefix(size)
    }
}
