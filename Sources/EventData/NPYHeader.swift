/// The `.npy` header: a Python dict literal with the keys `descr`, `fortran_order` and `shape`.
///
/// Parsed strictly, and checked against the bytes present before anything is allocated: a damaged or
/// hostile header gives an error naming the file, never a trap or an allocation the file cannot fill.
struct Layout {
    /// One named field of a structured array (one field named "" for a plain array).
    struct Field {
        var name: String
        var type: ScalarType
        var isFloat64: Bool
    }

    var fields: [Field] = []
    var fortranOrder = false
    var shape: [Int] = []
    /// Rows of the table: the first dimension (1 for a 0-d array).
    var rows: Int { shape.first ?? 1 }
    /// Values per row of a plain 2-D array; 1 otherwise.
    var perRow: Int { shape.count == 2 ? shape[1] : 1 }
    /// Bytes of one row of a plain array's elements, or of one record of a structured array.
    var itemSize: Int { fields.reduce(0) { $0 + $1.type.size } }

    /// The most columns a 2-D array may become (a wider one is not an event table).
    static let maximumColumns = 100_000

    init(header: String, file: String) throws {
        func fail(_ message: String) -> DataError { .format(file: file, message: message) }
        var parser = PythonLiteral.Parser(text: header)
        guard case .dict(let entries)? = try? parser.parseWhole() else { throw fail("the header is not a Python dict literal") }
        var seen = Set<String>()
        for (key, value) in entries {
            guard seen.insert(key).inserted else { throw fail("the header names '\(key)' twice") }
            switch (key, value) {
            case ("descr", _): fields = try Self.fields(value, fail)
            case ("fortran_order", .bool(let flag)): fortranOrder = flag
            case ("shape", .tuple(let items)): shape = try Self.shape(items, fail)
            case ("fortran_order", _), ("shape", _): throw fail("the header's '\(key)' is not a \(key == "shape" ? "tuple of integers" : "boolean")")
            default: throw fail("the header has an unknown key '\(key)'")
            }
        }
        for key in ["descr", "fortran_order", "shape"] where !seen.contains(key) { throw fail("the header has no '\(key)'") }
        if shape.count > 2 { throw fail("arrays of \(shape.count) dimensions are not tables") }
        if shape.count == 2 && !(fields.count == 1 && fields[0].name.isEmpty) {
            throw fail("a structured array of 2 dimensions is not a table")
        }
        if perRow > Self.maximumColumns { throw fail("\(perRow) columns are more than a table's \(Self.maximumColumns)") }
    }

    /// The bytes the data needs, or an error when the shape's product overflows.
    func dataBytes(file: String) throws -> Int {
        var total = itemSize
        for extent in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw DataError.format(file: file, message: "the shape \(shape) is too large for any file") }
            total = product
        }
        return total
    }

    private static func shape(_ items: [PythonLiteral], _ fail: (String) -> DataError) throws -> [Int] {
        try items.map { item in
            guard case .int(let extent) = item, extent >= 0 else { throw fail("the shape holds \(item), not a non-negative integer") }
            return extent
        }
    }

    private static func fields(_ descr: PythonLiteral, _ fail: (String) -> DataError) throws -> [Field] {
        switch descr {
        case .string(let code):
            guard let type = ScalarType(code) else {
                throw fail("dtype \(code) is not supported; flow reads little-endian ints, floats and bools")
            }
            return [Field(name: "", type: type, isFloat64: type.isFloat64)]
        case .list(let items):
            guard !items.isEmpty else { throw fail("the structured dtype has no fields") }
            var names = Set<String>()
            return try items.map { item in
                let field = try Self.field(item, fail)
                guard names.insert(field.name).inserted else { throw fail("field '\(field.name)' appears twice") }
                return field
            }
        default:
            throw fail("the descr \(descr) is neither a dtype string nor a list of fields")
        }
    }

    /// One `('name', '<f8')` entry of a structured dtype.
    private static func field(_ item: PythonLiteral, _ fail: (String) -> DataError) throws -> Field {
        guard case .tuple(let parts) = item, parts.count >= 2, case .string(let name) = parts[0], !name.isEmpty else {
            throw fail("the structured dtype has an entry \(item), not a ('name', 'type') pair")
        }
        if parts.count > 2 {
            throw fail("field '\(name)' is a sub-array of shape \(parts[2]); flow reads one number per field")
        }
        guard case .string(let code) = parts[1] else { throw fail("field '\(name)' is itself structured; flow reads one number per field") }
        guard let type = ScalarType(code) else {
            throw fail("field '\(name)' has type \(code); flow reads little-endian ints, floats and bools")
        }
        return Field(name: name, type: type, isFloat64: type.isFloat64)
    }
}

/// The few Python literals a `.npy` header uses: strings, integers, booleans, tuples, lists and dicts.
indirect enum PythonLiteral: Equatable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case bool(Bool)
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([(String, PythonLiteral)])

    static func == (a: PythonLiteral, b: PythonLiteral) -> Bool { a.description == b.description }

    var description: String {
        switch self {
        case .string(let s): return "'\(s)'"
        case .int(let i): return String(i)
        case .bool(let b): return b ? "True" : "False"
        case .tuple(let items): return "(" + items.map(\.description).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .dict(let entries): return "{" + entries.map { "'\($0.0)': \($0.1)" }.joined(separator: ", ") + "}"
        }
    }

    struct Failure: Error {}

    /// A recursive-descent parser over the header's bytes; nesting is limited so a hostile header
    /// cannot exhaust the stack.
    struct Parser {
        let bytes: [UInt8]
        var index = 0
        static let maximumDepth = 16

        init(text: String) { bytes = Array(text.utf8) }

        mutating func parseWhole() throws -> PythonLiteral {
            let value = try parse(depth: 0)
            skipSpace()
            guard index == bytes.count else { throw Failure() }
            return value
        }

        mutating func skipSpace() {
            while index < bytes.count, [32, 9, 10, 13].contains(bytes[index]) { index += 1 }
        }

        mutating func parse(depth: Int) throws -> PythonLiteral {
            guard depth < Self.maximumDepth else { throw Failure() }
            skipSpace()
            guard index < bytes.count else { throw Failure() }
            switch bytes[index] {
            case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "("): return .tuple(try items(closing: UInt8(ascii: ")"), depth: depth))
            case UInt8(ascii: "["): return .list(try items(closing: UInt8(ascii: "]"), depth: depth))
            case UInt8(ascii: "{"): return .dict(try entries(depth: depth))
            default: return try word()
            }
        }

        /// A quoted string without escapes (numpy's headers never need them).
        mutating func string() throws -> String {
            let quote = bytes[index]
            let start = index + 1
            guard let end = bytes[start...].firstIndex(of: quote) else { throw Failure() }
            guard !bytes[start..<end].contains(UInt8(ascii: "\\")) else { throw Failure() }
            index = end + 1
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }

        /// `True`, `False` or a decimal integer (numpy writes `3L` for longs in old Python 2 files).
        mutating func word() throws -> PythonLiteral {
            let start = index
            while index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "_")
                    || (bytes[index] >= 48 && bytes[index] <= 57) || (bytes[index] | 0x20 >= 97 && bytes[index] | 0x20 <= 122) {
                index += 1
            }
            var text = String(decoding: bytes[start..<index], as: UTF8.self)
            if text == "True" { return .bool(true) }
            if text == "False" { return .bool(false) }
            if text.hasSuffix("L") { text.removeLast() }
            guard !text.contains("_"), let value = Int(text) else { throw Failure() }
            return .int(value)
        }

        mutating func items(closing: UInt8, depth: Int) throws -> [PythonLiteral] {
            index += 1
            var result: [PythonLiteral] = []
            while true {
                skipSpace()
                guard index < bytes.count else { throw Failure() }
                if bytes[index] == closing { index += 1; return result }
                result.append(try parse(depth: depth + 1))
                try separator(closing)
            }
        }

        mutating func entries(depth: Int) throws -> [(String, PythonLiteral)] {
            index += 1
            var result: [(String, PythonLiteral)] = []
            while true {
                skipSpace()
                guard index < bytes.count else { throw Failure() }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return result }
                guard case .string(let key) = try parse(depth: depth + 1) else { throw Failure() }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Failure() }
                index += 1
                result.append((key, try parse(depth: depth + 1)))
                try separator(UInt8(ascii: "}"))
            }
        }

        /// After an item: a comma, or the closing bracket (left for the caller).
        mutating func separator(_ closing: UInt8) throws {
            skipSpace()
            guard index < bytes.count else { throw Failure() }
            if bytes[index] == UInt8(ascii: ",") { index += 1; return }
            guard bytes[index] == closing else { throw Failure() }
        }
    }
}
