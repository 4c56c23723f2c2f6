import CZlib
import Foundation

/// The one file format of every trained model (`.flownet` networks, `.flowgbt` boosted trees): a fixed
/// prefix, a JSON header, length-prefixed binary sections and a checksum. Format version 1, every
/// integer little-endian:
///
///     offset  size   field
///     0       8      magic 89 46 4C 4F 57 0D 0A 1A ("\x89FLOW\r\n\x1A": a binary file; text-mode mangling shows)
///     8       4      format version, u32 = 1
///     12      8      kind tag, ASCII padded with NULs: "network" or "trees"
///     20      4      header length H, u32
///     24      4      section count S, u32
///     28      H      header: canonical JSON (UTF-8, no whitespace, keys in UTF-8 byte order, integers only)
///                      {"metadata":{…the kind's: features, notes, architecture, shapes…},
///                       "sections":[{"count":N,"name":"0/parameters","type":"f32"},…]}   (S entries)
///     28+H    S × …  section i: its byte length L (u64), then L bytes: `count` elements of `type`, packed
///                      u8 | i32 (two's complement) | f32 | f64 (IEEE 754 bit patterns); L = count × size
///     end−4   4      CRC-32 (ISO-HDLC, zlib's `crc32`) of every byte before it
///
/// Real numbers live only in sections, so a model reads back bit for bit, and the header's canonical
/// form makes equal models equal bytes (a reader refuses a header in any other form). Reading checks, in
/// this order, and names the file, the problem and its byte offset: the magic (a file of the earlier
/// text-headed formats is named as such), the version, the kind tag (a trees file where a network is
/// expected is refused before anything else), every length against the bytes that remain (before
/// anything is allocated from it), nothing after the checksum, the checksum, the header's JSON and its
/// section table against the section lengths. The kind's reader then checks the sections' names,
/// types and counts against its metadata, and the values themselves (finite parameters, tree indices
/// in range).
public struct ModelContainer: Equatable, Sendable {
    /// What the file holds; the tag is the 8 bytes at offset 12.
    public enum Kind: String, Sendable, CaseIterable {
        case network
        case trees

        var description: String { self == .network ? "a network model (.flownet)" : "a boosted-trees model (.flowgbt)" }
    }

    /// The element type of a section.
    public enum ElementType: String, Sendable, CaseIterable {
        case u8, i32, f32, f64

        public var size: Int {
            switch self {
            case .u8: return 1
            case .i32, .f32: return 4
            case .f64: return 8
            }
        }
    }

    /// One binary section: a name, an element type and the elements' little-endian bytes.
    public struct Section: Equatable, Sendable {
        public var name: String
        public var type: ElementType
        public var count: Int
        public var bytes: [UInt8]
        /// Where the section's elements start in the file it was read from (nil: not read from a file).
        public var offset: Int?

        public init<T: SectionElement>(name: String, values: [T]) {
            self.name = name
            type = T.elementType
            count = values.count
            var bytes: [UInt8] = []
            bytes.reserveCapacity(values.count * T.elementType.size)
            for v in values { v.store(&bytes) }
            self.bytes = bytes
            offset = nil
        }

        init(name: String, type: ElementType, count: Int, bytes: [UInt8], offset: Int) {
            self.name = name
            self.type = type
            self.count = count
            self.bytes = bytes
            self.offset = offset
        }

        /// The elements, if the section holds `T`.
        public func values<T: SectionElement>(_: T.Type = T.self) -> [T]? {
            guard type == T.elementType else { return nil }
            return bytes.withUnsafeBytes { raw in (0..<count).map { T.load(raw, $0) } }
        }

        /// The same name, type and bytes (where it was read from does not count).
        public static func == (a: Section, b: Section) -> Bool {
            a.name == b.name && a.type == b.type && a.count == b.count && a.bytes == b.bytes
        }
    }

    public static let magic: [UInt8] = [0x89, 0x46, 0x4C, 0x4F, 0x57, 0x0D, 0x0A, 0x1A]
    public static let version: UInt32 = 1
    /// Bytes before the header: magic, version, kind tag, header length, section count.
    public static let prefixSize = 28

    public var kind: Kind
    /// The kind's own header object.
    public var metadata: HeaderValue
    public var sections: [Section]
    /// The file it was read from, for messages ("" when built in memory).
    public var path: String = ""
    /// Where the header starts in the file.
    public var headerOffset: Int { Self.prefixSize }

    public init(kind: Kind, metadata: HeaderValue, sections: [Section] = []) {
        self.kind = kind
        self.metadata = metadata
        self.sections = sections
    }

    public static func == (a: ModelContainer, b: ModelContainer) -> Bool {
        a.kind == b.kind && a.metadata == b.metadata && a.sections == b.sections
    }

    public mutating func append<T: SectionElement>(_ name: String, _ values: [T]) {
        sections.append(Section(name: name, values: values))
    }

    // MARK: Writing

    /// The file's bytes; equal containers give equal bytes.
    public func encoded() -> [UInt8] {
        let table = HeaderValue.array(sections.map {
            .object(["name": .string($0.name), "type": .string($0.type.rawValue), "count": .int($0.count)])
        })
        let header = HeaderValue.object(["metadata": metadata, "sections": table]).canonicalJSON
        var out: [UInt8] = []
        out.reserveCapacity(Self.prefixSize + header.count + sections.reduce(4) { $0 + 8 + $1.bytes.count })
        out.append(contentsOf: Self.magic)
        Self.put(Self.version, &out)
        out.append(contentsOf: Self.tag(kind))
        Self.put(UInt32(header.count), &out)
        Self.put(UInt32(sections.count), &out)
        out.append(contentsOf: header)
        for section in sections {
            Self.put(UInt64(section.bytes.count), &out)
            out.append(contentsOf: section.bytes)
        }
        Self.put(Self.crc32(out[...]), &out)
        return out
    }

    static func tag(_ kind: Kind) -> [UInt8] {
        Array(kind.rawValue.utf8) + [UInt8](repeating: 0, count: 8 - kind.rawValue.utf8.count)
    }

    static func put<T: FixedWidthInteger>(_ x: T, _ out: inout [UInt8]) {
        withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) }
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            var crc = CZlib.crc32(0, nil, 0)
            var start = 0
            while start < buffer.count {
                let n = min(buffer.count - start, 1 << 30)
                crc = CZlib.crc32(crc, buffer.baseAddress! + start, uInt(n))
                start += n
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }

    // MARK: Reading

    /// The kind tag of the file at `path`, if it is a model container at all (any version).
    public static func kind(ofFileAt path: String) -> Kind? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 20), head.count == 20 else { return nil }
        let bytes = [UInt8](head)
        guard Array(bytes[0..<8]) == magic else { return nil }
        return Kind.allCases.first { tag($0) == Array(bytes[12..<20]) }
    }

    /// Reads and checks the file at `path`; `expecting` refuses any other kind.
    public static func read(_ path: String, expecting kind: Kind) throws -> ModelContainer {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelContainerError(path: path, offset: nil, message: "cannot read the file")
        }
        return try decode([UInt8](data), path: path, expecting: kind)
    }

    /// Checks and splits the bytes of a model file (see the type's description for the order of checks).
    public static func decode(_ bytes: [UInt8], path: String, expecting expected: Kind) throws -> ModelContainer {
        func fail(_ message: String, _ offset: Int?) -> ModelContainerError { ModelContainerError(path: path, offset: offset, message: message) }
        func u32(_ at: Int) -> UInt32 { bytes[at..<at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        func u64(_ at: Int) -> UInt64 { bytes[at..<at + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) } }

        // The fixed prefix.
        let head = Array(bytes.prefix(magic.count))
        guard head == Array(magic.prefix(head.count)) else {
            for old in ["flownet 1\n", "flowgbt 1\n"] where bytes.starts(with: Array(old.utf8)) {
                throw fail("a model in flow's earlier text-headed format (\"\(old.dropLast())\"), which is no longer read: train the model again", 0)
            }
            throw fail("not a flow model file: its first bytes are \(head.map { String(format: "%02x", $0) }.joined(separator: " ")), "
                       + "a model file starts with \(magic.map { String(format: "%02x", $0) }.joined(separator: " "))", 0)
        }
        guard bytes.count >= prefixSize else {
            throw fail("truncated: the file has \(bytes.count) bytes, a model file's fixed prefix alone has \(prefixSize)", bytes.count)
        }
        let version = u32(8)
        guard version == Self.version else {
            throw fail("format version \(version); this flow reads version \(Self.version)", 8)
        }
        let tagBytes = Array(bytes[12..<20])
        guard let kind = Kind.allCases.first(where: { tag($0) == tagBytes }) else {
            let shown = String(decoding: tagBytes.prefix { $0 != 0 }.map { (0x20..<0x7F).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
            throw fail("unknown kind tag \"\(shown)\"; known: \(Kind.allCases.map(\.rawValue).joined(separator: ", "))", 12)
        }
        guard kind == expected else { throw fail("\(kind.description) where \(expected.description) is expected", 12) }

        // Framing: every length against the bytes that remain, before anything is allocated from it.
        let checksumSize = 4
        let headerLength = Int(u32(20)), sectionCount = Int(u32(24))
        var position = prefixSize
        guard headerLength <= bytes.count - position - checksumSize else {
            throw fail("truncated: the header's \(headerLength) bytes at byte \(position) run past the end of the file (\(bytes.count) bytes)", bytes.count)
        }
        let headerRange = position..<position + headerLength
        position += headerLength
        guard sectionCount <= (bytes.count - position - checksumSize) / 8 else {
            throw fail("truncated: \(sectionCount) sections need at least \(sectionCount * 8) bytes after the header, "
                       + "\(bytes.count - position - checksumSize) remain before the checksum", bytes.count)
        }
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(sectionCount)
        for i in 0..<sectionCount {
            guard bytes.count - position - checksumSize >= 8 else {
                throw fail("truncated: section \(i + 1) of \(sectionCount) has no length (byte \(position))", bytes.count)
            }
            let length = u64(position), remaining = bytes.count - position - 8 - checksumSize
            guard length <= UInt64(remaining) else {
                throw fail("truncated: section \(i + 1) of \(sectionCount) declares \(length) bytes at byte \(position), \(max(remaining, 0)) remain before the checksum", position)
            }
            ranges.append(position + 8..<position + 8 + Int(length))
            position += 8 + Int(length)
        }
        guard bytes.count - position == checksumSize else {
            let extra = bytes.count - position - checksumSize
            throw fail("\(extra) byte\(extra == 1 ? "" : "s") after the checksum, which ends the model at byte \(position + checksumSize)", position + checksumSize)
        }
        let stored = u32(position), computed = crc32(bytes[0..<position])
        guard stored == computed else {
            throw fail(String(format: "checksum mismatch: the file records CRC-32 %08x, its bytes give %08x; the file is damaged", stored, computed), position)
        }

        // The header: canonical JSON, and its section table against the sections.
        var parser = HeaderParser(bytes: bytes, position: headerRange.lowerBound, end: headerRange.upperBound, fail: fail)
        let header = try parser.parseDocument()
        guard header.canonicalJSON.elementsEqual(bytes[headerRange]) else {
            throw fail("header: not in canonical form (no whitespace, keys sorted, integers only)", headerRange.lowerBound)
        }
        guard case .object(let top) = header, top.count == 2, let metadata = top["metadata"], case .array(let table)? = top["sections"] else {
            throw fail("header: expected an object with exactly \"metadata\" and \"sections\"", headerRange.lowerBound)
        }
        guard table.count == sectionCount else {
            throw fail("header: lists \(table.count) sections, the file has \(sectionCount)", headerRange.lowerBound)
        }
        var sections: [Section] = [], names = Set<String>()
        for (i, (entry, range)) in zip(table, ranges).enumerated() {
            guard case .object(let e) = entry, e.count == 3, case .string(let name)? = e["name"], case .int(let count)? = e["count"], count >= 0,
                  case .string(let typeName)? = e["type"] else {
                throw fail("header: section \(i + 1) needs exactly a name, a type and a count ≥ 0", headerRange.lowerBound)
            }
            guard let type = ElementType(rawValue: typeName) else {
                throw fail("header: section \"\(name)\" has unknown type \"\(typeName)\"; known: \(ElementType.allCases.map(\.rawValue).joined(separator: ", "))", headerRange.lowerBound)
            }
            guard names.insert(name).inserted else { throw fail("header: two sections are named \"\(name)\"", headerRange.lowerBound) }
            let (expected, overflow) = count.multipliedReportingOverflow(by: type.size)
            guard !overflow, expected == range.count else {
                throw fail("section \"\(name)\" has \(range.count) bytes, the header's \(count) × \(type.rawValue) need \(overflow ? "more than \(Int.max)" : String(expected))", range.lowerBound - 8)
            }
            sections.append(Section(name: name, type: type, count: count, bytes: Array(bytes[range]), offset: range.lowerBound))
        }
        var container = ModelContainer(kind: kind, metadata: metadata, sections: sections)
        container.path = path
        return container
    }

    // MARK: Helpers for the kinds' readers

    /// An error about this file.
    public func failure(_ message: String, at offset: Int?) -> ModelContainerError {
        ModelContainerError(path: path, offset: offset, message: message)
    }

    /// The header's metadata, for typed access with messages that name the field.
    public var header: HeaderField { HeaderField(value: metadata, name: "metadata", container: self) }

    /// The sections in order, each checked for its expected name, type and count.
    public func sectionCursor() -> SectionCursor { SectionCursor(container: self) }
}

/// A model file that cannot be read or written: the file, the problem, and where it is.
public struct ModelContainerError: Error, CustomStringConvertible, Equatable {
    public var path: String
    /// The byte the problem is at (nil: not about one place, such as a file that cannot be opened).
    public var offset: Int?
    public var message: String

    public init(path: String, offset: Int? = nil, message: String) {
        self.path = path
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(path): \(message)" + (offset.map { " (byte \($0))" } ?? "") }
}

/// A field of the header with its path (`metadata.models[1].hidden`) for messages.
public struct HeaderField {
    public let value: HeaderValue
    public let name: String
    let container: ModelContainer

    func fail(_ expected: String) -> ModelContainerError {
        container.failure("header: \(name) must be \(expected)", at: container.headerOffset)
    }

    public func field(_ key: String) throws -> HeaderField {
        guard case .object(let fields) = value else { throw fail("an object") }
        guard let v = fields[key] else { throw container.failure("header: \(name) lacks \"\(key)\"", at: container.headerOffset) }
        return HeaderField(value: v, name: name + "." + key, container: container)
    }

    public func array() throws -> [HeaderField] {
        guard case .array(let items) = value else { throw fail("an array") }
        return items.enumerated().map { HeaderField(value: $1, name: "\(name)[\($0)]", container: container) }
    }

    public func int(atLeast minimum: Int = 0) throws -> Int {
        guard case .int(let i) = value, i >= minimum else { throw fail("an integer ≥ \(minimum)") }
        return i
    }

    public func ints(atLeast minimum: Int = 0) throws -> [Int] { try array().map { try $0.int(atLeast: minimum) } }

    public func string() throws -> String {
        guard case .string(let s) = value else { throw fail("a string") }
        return s
    }

    public func strings() throws -> [String] { try array().map { try $0.string() } }

    public func stringMap() throws -> [String: String] {
        guard case .object(let fields) = value else { throw fail("an object of strings") }
        return try fields.mapValues { v in
            guard case .string(let s) = v else { throw fail("an object of strings") }
            return s
        }
    }

    public func oneOf<E: RawRepresentable & CaseIterable>(_: E.Type) throws -> E where E.RawValue == String {
        guard case .string(let s) = value, let e = E(rawValue: s) else {
            throw fail("one of " + E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
        }
        return e
    }
}

/// Takes a container's sections in order, checking each against what the kind's header says it holds.
public struct SectionCursor {
    let container: ModelContainer
    var index = 0

    /// The next section's elements; it must be named `name`, hold `T` and `count` of them.
    public mutating func next<T: SectionElement>(_ name: String, _: T.Type, count: Int) throws -> (values: [T], offset: Int) {
        let sections = container.sections
        guard index < sections.count else {
            throw container.failure("section \"\(name)\" is missing: the file has \(sections.count) sections", at: container.headerOffset)
        }
        let s = sections[index]
        let offset = s.offset ?? 0
        guard s.name == name else {
            throw container.failure("section \(index + 1) is \"\(s.name)\", expected \"\(name)\"", at: offset)
        }
        guard s.type == T.elementType, let values = s.values(T.self) else {
            throw container.failure("section \"\(name)\" holds \(s.type.rawValue), expected \(T.elementType.rawValue)", at: offset)
        }
        guard s.count == count else {
            throw container.failure("section \"\(name)\" holds \(s.count) elements, the header's shapes need \(count)", at: offset)
        }
        index += 1
        return (values, offset)
    }

    /// Fails if sections are left over.
    public func finish() throws {
        guard index == container.sections.count else {
            let s = container.sections[index]
            throw container.failure("unexpected section \"\(s.name)\" (\(container.sections.count - index) left over)", at: s.offset)
        }
    }
}

/// A type a section can hold, stored little-endian.
public protocol SectionElement: Sendable {
    static var elementType: ModelContainer.ElementType { get }
    static func load(_ raw: UnsafeRawBufferPointer, _ index: Int) -> Self
    func store(_ out: inout [UInt8])
}

extension UInt8: SectionElement {
    public static var elementType: ModelContainer.ElementType { .u8 }
    public static func load(_ raw: UnsafeRawBufferPointer, _ index: Int) -> UInt8 { raw[index] }
    public func store(_ out: inout [UInt8]) { out.append(self) }
}

extension Int32: SectionElement {
    public static var elementType: ModelContainer.ElementType { .i32 }
    public static func load(_ raw: UnsafeRawBufferPointer, _ index: Int) -> Int32 {
        Int32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: Int32.self))
    }
    public func store(_ out: inout [UInt8]) { withUnsafeBytes(of: littleEndian) { out.append(contentsOf: $0) } }
}

extension Float: SectionElement {
    public static var elementType: ModelContainer.ElementType { .f32 }
    public static func load(_ raw: UnsafeRawBufferPointer, _ index: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
    }
    public func store(_ out: inout [UInt8]) { withUnsafeBytes(of: bitPattern.littleEndian) { out.append(contentsOf: $0) } }
}

extension Double: SectionElement {
    public static var elementType: ModelContainer.ElementType { .f64 }
    public static func load(_ raw: UnsafeRawBufferPointer, _ index: Int) -> Double {
        Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)))
    }
    public func store(_ out: inout [UInt8]) { withUnsafeBytes(of: bitPattern.littleEndian) { out.append(contentsOf: $0) } }
}

extension ModelContainer {
    /// Writes the container atomically, after `verify` has read the very bytes back: a model the reader
    /// would refuse (a non-finite parameter, shapes that disagree) is never written.
    public func write(to path: String, verify: ([UInt8]) throws -> Void) throws {
        let bytes = encoded()
        do {
            try verify(bytes)
        } catch let error as ModelContainerError {
            throw ModelContainerError(path: path, message: "refusing to write a model that would not read back: \(error.message)")
        }
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ModelContainerError(path: path, message: "cannot write: \(error.localizedDescription)")
        }
    }
}
