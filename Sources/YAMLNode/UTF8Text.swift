/// Decodes a file's bytes as UTF-8, refusing any other encoding.
///
/// Decoding with replacement would silently change a Latin-1 file's text (a `é` in a path or a
/// label would become `�`), so the first byte that is not UTF-8 is an error at its line and column.
enum UTF8Text {
    static func decode(_ bytes: [UInt8], file: String) throws -> String {
        guard let offset = firstInvalidByte(bytes) else { return String(decoding: bytes, as: UTF8.self) }
        let lineStart = bytes[..<offset].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let lineEnd = bytes[offset...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        let line = 1 + bytes[..<lineStart].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        // Columns count characters, as libyaml's marks do; the bytes before the bad one are valid.
        let column = 1 + String(decoding: bytes[lineStart..<offset], as: UTF8.self).unicodeScalars.count
        let hex = String(bytes[offset], radix: 16, uppercase: true)
        throw YAMLError(mark: Mark(file: file, line: line, column: column),
                        message: "the file is not UTF-8 (byte 0x\(hex)); save it as UTF-8",
                        sourceLine: String(decoding: bytes[lineStart..<lineEnd], as: UTF8.self))
    }

    /// The offset of the first byte that does not belong to a valid UTF-8 sequence, or nil.
    static func firstInvalidByte(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .error: return offset
            case .emptyInput: return nil
            }
        }
    }
}
