import YAMLNode

/// One problem in a workflow file, at the place a user must edit to fix it.
public struct Diagnostic: Sendable, CustomStringConvertible, Error {
    public var mark: Mark
    public var message: String

    public init(_ mark: Mark, _ message: String) {
        self.mark = mark
        self.message = message
    }

    public var description: String { "\(mark): error: \(message)" }
}

/// All problems found in one pass, so a user fixes them together instead of one per run.
public struct ValidationFailed: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    /// Pre-rendered text for diagnostics that carry more than one line (YAML syntax errors).
    public var rendered: String?

    public init(_ diagnostics: [Diagnostic], rendered: String? = nil) {
        self.diagnostics = diagnostics.sorted {
            ($0.mark.file, $0.mark.line, $0.mark.column) < ($1.mark.file, $1.mark.line, $1.mark.column)
        }
        self.rendered = rendered
    }

    public var description: String {
        rendered ?? diagnostics.map(\.description).joined(separator: "\n")
    }
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
