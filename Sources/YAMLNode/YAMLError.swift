/// A YAML syntax error at a source position, rendered with the offending line and a caret.
public struct YAMLError: Error, Sendable, CustomStringConvertible {
    public var mark: Mark
    public var message: String
    /// The source line the error points at, when it is known.
    public var sourceLine: String?

    public init(mark: Mark, message: String, sourceLine: String? = nil) {
        self.mark = mark
        self.message = message
        self.sourceLine = sourceLine
    }

    public var description: String {
        var text = "\(mark): error: \(message)"
        if let sourceLine { text += "\n" + Self.snippet(sourceLine, column: mark.column) }
        return text
    }

    /// The source line (or the part of it around the column) and a caret under the column, indented.
    public static func snippet(_ line: String, column: Int) -> String {
        let (shown, caret) = window(line, column: column)
        return "  \(shown)\n  " + String(repeating: " ", count: caret) + "^"
    }

    /// At most `width` characters of `line` around `column`, with '…' where it was cut, and the caret's
    /// offset in what is shown: a 200 000-character line must not become a 200 000-character message.
    static func window(_ line: String, column: Int, width: Int = 100) -> (String, Int) {
        let characters = Array(line)
        let position = min(max(0, column - 1), characters.count)
        guard characters.count > width else { return (line, position) }
        let start = max(0, min(position - width / 2, characters.count - width))
        let end = min(characters.count, start + width)
        let prefix = start > 0 ? "…" : "", suffix = end < characters.count ? "…" : ""
        return (prefix + String(characters[start..<end]) + suffix, position - start + prefix.count)
    }
}
