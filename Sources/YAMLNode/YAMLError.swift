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
        if let sourceLine {
            text += "\n  \(sourceLine)\n  " + String(repeating: " ", count: max(0, mark.column - 1)) + "^"
        }
        return text
    }
}
