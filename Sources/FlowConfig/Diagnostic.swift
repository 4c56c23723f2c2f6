import Foundation
import YAMLNode

/// One finding in a workflow file, at the place a user must edit to act on it.
public struct Diagnostic: Sendable, CustomStringConvertible, Error {
    public enum Severity: String, Sendable {
        /// The workflow cannot run.
        case error
        /// It runs, but probably not as meant; `--strict` makes it an error.
        case warning
        /// Context for another diagnostic.
        case note
    }

    public var mark: Mark
    public var message: String
    public var severity: Severity
    /// The line the mark points into, when the file cannot be read again (a YAML syntax error in text).
    public var sourceLine: String?
    /// Other places that explain this one (the declaration of a step a reference names), shown after it.
    public var notes: [Diagnostic] = []

    public init(_ mark: Mark, _ message: String, severity: Severity = .error, sourceLine: String? = nil) {
        self.mark = mark
        self.message = message
        self.severity = severity
        self.sourceLine = sourceLine
    }

    public init(_ error: YAMLError) {
        self.init(error.mark, error.message, sourceLine: error.sourceLine)
    }

    /// One line: `file:line:column: severity: message`.
    public var description: String { "\(mark): \(severity.rawValue): \(message)" }
}

/// Renders diagnostics the one way flow shows them: the position line, then the source line with a
/// caret under the column.
public enum DiagnosticRenderer {
    public static func render(_ diagnostics: [Diagnostic]) -> String {
        var files: [String: [Substring]] = [:]
        return diagnostics.flatMap { [$0] + $0.notes }.map { diagnostic in
            var text = diagnostic.description
            let line = diagnostic.sourceLine ?? sourceLine(diagnostic.mark, &files)
            if let line, diagnostic.mark.line > 0 { text += "\n" + YAMLError.snippet(line, column: diagnostic.mark.column) }
            return text
        }.joined(separator: "\n")
    }

    private static func sourceLine(_ mark: Mark, _ files: inout [String: [Substring]]) -> String? {
        if files[mark.file] == nil {
            guard let data = FileManager.default.contents(atPath: mark.file) else { return nil }
            files[mark.file] = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        }
        guard let lines = files[mark.file], mark.line >= 1, mark.line <= lines.count else { return nil }
        return String(lines[mark.line - 1])
    }
}

/// All problems found in one pass, so a user fixes them together instead of one per run.
public struct ValidationFailed: Error, Sendable, CustomStringConvertible {
    /// Errors, and the warnings found with them.
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics.sorted {
            ($0.mark.file, $0.mark.line, $0.mark.column) < ($1.mark.file, $1.mark.line, $1.mark.column)
        }
    }

    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }

    public var description: String { DiagnosticRenderer.render(diagnostics) }
}

/// The closest candidates to a misspelt name, for "did you mean …?" hints.
public func suggestion(for word: String, among candidates: [String]) -> String {
    let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
    let limit = max(2, word.count / 3)
    let best = scored.filter { $0.1 <= limit }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.first
    return best.map { " (did you mean '\($0.0)'?)" } ?? ""
}

/// Edit distance counting a swap of neighbours as one edit (`rnu` → `run`), as typos go.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[a.count][b.count]
}
