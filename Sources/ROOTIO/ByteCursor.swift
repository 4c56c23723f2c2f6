/// Reads ROOT's big-endian serialisation: numbers, TStrings, object version headers.
///
/// `origin` is where the buffer sits in ROOT's own numbering: object references count from the start of
/// the key, so a buffer that begins after a key header of `keylen` bytes has origin −keylen.
struct ByteCursor {
    let bytes: [UInt8]
    var index: Int
    let origin: Int

    init(_ bytes: [UInt8], at index: Int = 0, origin: Int = 0) {
        self.bytes = bytes
        self.index = index
        self.origin = origin
    }

    /// The position ROOT's references use.
    var displacement: Int { index - origin }

    mutating func need(_ count: Int) throws {
        guard count >= 0, index >= 0, index <= bytes.count - count else {
            throw ROOTError.corrupt("a record ends early (needs \(count) bytes at \(index) of \(bytes.count))")
        }
    }

    /// Room for `count` records of at least `size` bytes each.
    mutating func need(count: Int, of size: Int) throws {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
        guard count >= 0, !overflow else { throw ROOTError.corrupt("a record claims \(count) items") }
        try need(bytes)
    }

    mutating func skip(_ count: Int) throws {
        try need(count)
        index += count
    }

    mutating func u8() throws -> UInt8 {
        try need(1)
        defer { index += 1 }
        return bytes[index]
    }

    mutating func u16() throws -> UInt16 {
        try need(2)
        defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    mutating func u32() throws -> UInt32 {
        try need(4)
        defer { index += 4 }
        return UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
    }

    mutating func u64() throws -> UInt64 { UInt64(try u32()) << 32 | UInt64(try u32()) }
    mutating func i16() throws -> Int { Int(Int16(bitPattern: try u16())) }
    mutating func i32() throws -> Int { Int(Int32(bitPattern: try u32())) }
    mutating func i64() throws -> Int { Int(Int64(bitPattern: try u64())) }
    mutating func f64() throws -> Double { Double(bitPattern: try u64()) }

    /// A TString: one length byte, or 255 and a 4-byte length.
    mutating func string() throws -> String {
        var count = Int(try u8())
        if count == 255 { count = try i32() }
        try need(count)
        defer { index += count }
        return String(decoding: bytes[index..<index + count], as: UTF8.self)
    }

    /// A NUL-terminated class name (after a new-class tag).
    mutating func cString() throws -> String {
        guard index >= 0, index <= bytes.count, let end = bytes[index...].firstIndex(of: 0) else { throw ROOTError.corrupt("unterminated class name") }
        defer { index = end + 1 }
        return String(decoding: bytes[index..<end], as: UTF8.self)
    }

    /// A streamed object's header: byte count (flagged with 0x40000000) and class version. Returns the
    /// version and where the object ends, so readers can skip members they do not need.
    mutating func versionHeader() throws -> (version: Int, end: Int?) {
        let start = index
        let count = try u32()
        if count & 0x4000_0000 != 0 {
            let version = try i16()
            return (version, start + 4 + Int(count & ~0x4000_0000))
        }
        index = start
        return (try i16(), nil)
    }

    /// TObject's members: version, unique id, bits (and a process id if the object is referenced).
    mutating func skipTObject() throws {
        _ = try i16()
        _ = try u32()
        let bits = try u32()
        if bits & (1 << 4) != 0 { try skip(2) }
    }

    /// A TNamed: returns name and title.
    mutating func named() throws -> (name: String, title: String) {
        let header = try versionHeader()
        try skipTObject()
        let name = try string(), title = try string()
        if let end = header.end { index = end }
        return (name, title)
    }

    /// Skips a whole streamed object that carries a byte count.
    mutating func skipVersioned() throws {
        let header = try versionHeader()
        guard let end = header.end else { throw ROOTError.corrupt("an object without a byte count cannot be skipped") }
        try need(end - index)
        index = end
    }

    /// `count` big-endian 64-bit integers after a one-byte "speed bump".
    mutating func speedBumpedInt64s(_ count: Int) throws -> [Int] {
        try skip(1)
        try need(count: count, of: 8)
        return try (0..<count).map { _ in try i64() }
    }

    mutating func speedBumpedInt32s(_ count: Int) throws -> [Int] {
        try skip(1)
        try need(count: count, of: 4)
        return try (0..<count).map { _ in try i32() }
    }
}
