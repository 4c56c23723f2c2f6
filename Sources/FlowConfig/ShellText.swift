import Foundation

/// Substitutes `${name}` references into a shell command so that no value can ever be read as shell
/// syntax: each value is quoted for the context its reference stands in.
///
/// - unquoted: one shell word, single-quoted when it holds anything but safe characters;
/// - inside '…': a quote in the value closes, escapes and reopens (`'\''`);
/// - inside "…": `\`, `"`, `$` and backquote are backslash-escaped;
/// - in a comment: line breaks become spaces, so a value cannot end the comment.
/// A reference inside backquotes or a here-document cannot be quoted safely and is an error
/// (pass such values through `env:`).
public enum ShellText {
    public struct Unquotable: Error, Equatable {
        public var reference: String
        public var context: String
    }

    /// Replaces each `${name}` for which `value(name)` returns words; other references stay as written.
    public static func splice(_ script: String, _ value: (String) -> [String]?) throws -> String {
        let scalars = Array(script.unicodeScalars)
        var lexer = Lexer(scalars)
        var out = String.UnicodeScalarView()
        while let scalar = lexer.peek() {
            if scalar == "$", lexer.peek(1) == "{", let (name, length) = lexer.reference(), let words = value(name) {
                let context = lexer.context
                switch context {
                case .backquote, .heredoc:
                    throw Unquotable(reference: name, context: context == .backquote ? "backquotes" : "a here-document")
                case .unquoted: out.append(contentsOf: words.map(quoteWord).joined(separator: " ").unicodeScalars)
                case .single: out.append(contentsOf: words.joined(separator: " ").replacingOccurrences(of: "'", with: "'\\''").unicodeScalars)
                case .double: out.append(contentsOf: escapeDouble(words.joined(separator: " ")).unicodeScalars)
                case .comment: out.append(contentsOf: words.joined(separator: " ").map { $0.isNewline ? " " : $0 }.map(String.init).joined().unicodeScalars)
                }
                lexer.index += length
                continue
            }
            // advance() may consume more than one scalar (an escape, `$(`, a here-document operator).
            let start = lexer.index
            lexer.advance()
            out.append(contentsOf: scalars[start..<lexer.index])
        }
        return String(out)
    }

    /// One shell word standing for `s` exactly.
    public static func quoteWord(_ s: String) -> String {
        if !s.isEmpty && s.utf8.allSatisfy(isSafe) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Bytes that mean nothing to the shell in a word.
    private static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        default: return "/._-=,+:@%".utf8.contains(byte)
        }
    }

    static func escapeDouble(_ s: String) -> String {
        var out = ""
        for c in s {
            if c == "\\" || c == "\"" || c == "$" || c == "`" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    enum Context { case unquoted, single, double, backquote, comment, heredoc }

    /// Just enough of the POSIX shell grammar to know what quoting is in force at each position.
    struct Lexer {
        let text: [Unicode.Scalar]
        var index = 0
        var stack: [Context] = [.unquoted]
        /// Here-document delimiters whose bodies start at the next line.
        var pendingHeredocs: [String] = []
        var heredocDelimiter: String?
        var atWordStart = true
        var atLineStart = true

        init(_ text: [Unicode.Scalar]) { self.text = text }

        var context: Context { heredocDelimiter != nil ? .heredoc : stack.last! }

        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            index + offset < text.count ? text[index + offset] : nil
        }

        /// The name and length of a `${name}` at the current position.
        func reference() -> (String, Int)? {
            var end = index + 2
            while end < text.count && text[end] != "}" { end += 1 }
            guard end < text.count else { return nil }
            var first = index + 2, last = end
            while first < last && (text[first] == " " || text[first] == "\t") { first += 1 }
            while last > first && (text[last - 1] == " " || text[last - 1] == "\t") { last -= 1 }
            return (String(String.UnicodeScalarView(text[first..<last])), end + 1 - index)
        }

        /// Moves past the scalar at `index`, updating the quoting context.
        mutating func advance() {
            let c = text[index]
            let wasWordStart = atWordStart, wasLineStart = atLineStart
            atWordStart = false
            atLineStart = false
            index += 1
            if let delimiter = heredocDelimiter {
                if c == "\n" { atLineStart = true }
                if wasLineStart, lineMatches(delimiter, from: index - 1) {
                    index += delimiter.unicodeScalars.count - 1
                    heredocDelimiter = nil
                    startHeredocIfPending()
                }
                return
            }
            switch stack.last! {
            case .single:
                if c == "'" { stack.removeLast() }
            case .double:
                if c == "\\" { index = min(index + 1, text.count) } else if c == "\"" { stack.removeLast() } else { openSubstitution(c) }
            case .backquote:
                if c == "\\" { index = min(index + 1, text.count) } else if c == "`" { stack.removeLast() }
            case .comment:
                if c == "\n" { stack.removeLast(); newline() }
            case .unquoted, .heredoc:
                switch c {
                case "\\": index = min(index + 1, text.count)
                case "'": stack.append(.single)
                case "\"": stack.append(.double)
                case "`": stack.append(.backquote)
                case "#" where wasWordStart: stack.append(.comment)
                case "\n": newline()
                case ")" where stack.count > 1: stack.removeLast(); atWordStart = true
                case "<" where peek() == "<" && peek(1) != "<": readHeredocOperator()
                case " ", "\t", ";", "&", "|", "(", "<", ">": atWordStart = true
                default: openSubstitution(c)
                }
            }
            _ = wasLineStart
        }

        /// `$(` opens a nested unquoted context, even inside double quotes.
        mutating func openSubstitution(_ c: Unicode.Scalar) {
            if c == "$", peek() == "(" {
                index += 1
                stack.append(.unquoted)
                atWordStart = true
            }
        }

        mutating func newline() {
            atWordStart = true
            atLineStart = true
            startHeredocIfPending()
        }

        mutating func startHeredocIfPending() {
            if heredocDelimiter == nil, !pendingHeredocs.isEmpty { heredocDelimiter = pendingHeredocs.removeFirst() }
        }

        /// After `<<` (or `<<-`): the delimiter word, with its quotes removed.
        mutating func readHeredocOperator() {
            index += 1
            if peek() == "-" { index += 1 }
            while peek() == " " || peek() == "\t" { index += 1 }
            var word = ""
            while let c = peek(), !" \t\n;&|<>()".unicodeScalars.contains(c) {
                if c != "'" && c != "\"" && c != "\\" { word.unicodeScalars.append(c) }
                index += 1
            }
            if !word.isEmpty { pendingHeredocs.append(word) }
            atWordStart = true
        }

        func lineMatches(_ delimiter: String, from start: Int) -> Bool {
            var i = start
            while i < text.count && text[i] == "\t" { i += 1 }
            let scalars = Array(delimiter.unicodeScalars)
            guard i + scalars.count <= text.count, Array(text[i..<(i + scalars.count)]) == scalars else { return false }
            return i + scalars.count == text.count || text[i + scalars.count] == "\n"
        }
    }
}
