/// A position in a source file: 1-based line and column, as editors show them.
public struct Mark: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form compilers print and editors jump to.
    public var description: String { "\(file):\(line):\(column)" }
}
