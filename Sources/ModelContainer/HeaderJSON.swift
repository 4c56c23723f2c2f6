/// A value of a model file's JSON header. Numbers are integers only: every real number of a model is
/// stored in a binary section, so it reads back bit for bit.
public indirect enum HeaderValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([HeaderValue])
    case object([String: HeaderValue])

    /// The canonical text: no whitespace, object keys in UTF-8 byte order, strings escaping only `"`, `\`
    /// and control characters (`\n`, `\r`, `\t`, others `\u00XX`). Equal values give equal bytes.
    public var canonicalJSON: [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }

    func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: Array("null".utf8))
        case .bool(let b): out.append(contentsOf: Array((b ? "true" : "false").utf8))
        case .int(let i): out.append(contentsOf: Array(String(i).utf8))
        case .string(let s): Self.write(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (i, key) in fields.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.write(key, to: &out)
                out.append(UInt8(ascii: ":"))
                fields[key]!.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func write(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(byte)
            case 0x0A: out.append(contentsOf: Array("\\n".utf8))
            case 0x0D: out.append(contentsOf: Array("\\r".utf8))
            case 0x09: out.append(contentsOf: Array("\\t".utf8))
            case 0..<0x20: out.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// The header's parser: strict JSON (integers only, unique keys, valid UTF-8, nesting ≤ 64). Problems
/// carry the offset of the offending byte in the file.
struct HeaderParser {
    let bytes: [UInt8]
    var position: Int
    let end: Int
    let fail: (String, Int?) -> ModelContainerError
    static let maxDepth = 64

    mutating func parseDocument() throws -> HeaderValue {
        let value = try parse(depth: 0)
        skipSpace()
        guard position == end else { throw fail("header: unexpected text after the JSON value", position) }
        return value
    }

    mutating func skipSpace() {
        while position < end, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
    }

    mutating func parse(depth: Int) throws -> HeaderValue {
        guard depth < Self.maxDepth else { throw fail("header: nested more than \(Self.maxDepth) deep", position) }
        skipSpace()
        guard position < end else { throw fail("header: ends inside a JSON value", position) }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var fields: [String: HeaderValue] = [:]
            skipSpace()
            if position < end, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(fields) }
            while true {
                skipSpace()
                let keyOffset = position
                guard position < end, bytes[position] == UInt8(ascii: "\"") else { throw fail("header: expected a quoted key", position) }
                let key = try parseString()
                guard fields[key] == nil else { throw fail("header: duplicate key \"\(key)\"", keyOffset) }
                try expect(UInt8(ascii: ":"), "':' after a key")
                fields[key] = try parse(depth: depth + 1)
                skipSpace()
                if try separator(closing: UInt8(ascii: "}")) { return .object(fields) }
            }
        case UInt8(ascii: "["):
            position += 1
            var items: [HeaderValue] = []
            skipSpace()
            if position < end, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                items.append(try parse(depth: depth + 1))
                skipSpace()
                if try separator(closing: UInt8(ascii: "]")) { return .array(items) }
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .int(try parseInteger())
        default:
            for (word, value) in [("true", HeaderValue.bool(true)), ("false", .bool(false)), ("null", .null)] {
                let w = Array(word.utf8)
                if end - position >= w.count, Array(bytes[position..<position + w.count]) == w { position += w.count; return value }
            }
            throw fail("header: unexpected byte 0x\(String(bytes[position], radix: 16)) where a JSON value should start", position)
        }
    }

    /// After an item: `,` (false) or the closing bracket (true).
    mutating func separator(closing: UInt8) throws -> Bool {
        guard position < end else { throw fail("header: ends inside an array or object", position) }
        if bytes[position] == UInt8(ascii: ",") { position += 1; return false }
        if bytes[position] == closing { position += 1; return true }
        throw fail("header: expected ',' or '\(Character(Unicode.Scalar(closing)))'", position)
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws {
        skipSpace()
        guard position < end, bytes[position] == byte else { throw fail("header: expected \(what)", position) }
        position += 1
    }

    mutating func parseInteger() throws -> Int {
        let start = position
        var negative = false
        if bytes[position] == UInt8(ascii: "-") { negative = true; position += 1 }
        let digitsStart = position
        var value = 0
        while position < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            let digit = Int(bytes[position] - UInt8(ascii: "0"))
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !o1, !o2 else { throw fail("header: integer out of range", start) }
            value = next
            position += 1
        }
        guard position > digitsStart else { throw fail("header: '-' without digits", start) }
        if position < end, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) {
            throw fail("header: only integers are allowed (real numbers are stored in sections)", start)
        }
        guard bytes[digitsStart] != UInt8(ascii: "0") || position - digitsStart == 1 else { throw fail("header: integer with a leading zero", start) }
        return value
    }

    mutating func parseString() throws -> String {
        let start = position
        position += 1
        var out: [UInt8] = []
        while true {
            guard position < end else { throw fail("header: string without its closing quote", start) }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                let s = String(decoding: out, as: UTF8.self)
                guard s.utf8.elementsEqual(out) else { throw fail("header: string is not valid UTF-8", start) }
                return s
            case UInt8(ascii: "\\"):
                guard position + 1 < end else { throw fail("header: string without its closing quote", start) }
                let escape = bytes[position + 1]
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape); position += 2
                case UInt8(ascii: "n"): out.append(0x0A); position += 2
                case UInt8(ascii: "r"): out.append(0x0D); position += 2
                case UInt8(ascii: "t"): out.append(0x09); position += 2
                case UInt8(ascii: "b"): out.append(0x08); position += 2
                case UInt8(ascii: "f"): out.append(0x0C); position += 2
                case UInt8(ascii: "u"):
                    guard end - position >= 6, let code = UInt16(String(decoding: bytes[position + 2..<position + 6], as: UTF8.self), radix: 16),
                          bytes[position + 2..<position + 6].allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") }) else {
                        throw fail("header: \\u needs four hex digits", position)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("header: \\u escape of a surrogate", position) }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    position += 6
                default: throw fail("header: unknown escape \\\(Character(Unicode.Scalar(escape)))", position)
                }
            case 0..<0x20: throw fail("header: control character 0x\(String(byte, radix: 16)) inside a string", position)
            default: out.append(byte); position += 1
            }
        }
    }
}
