import Foundation

/// A selection written as text over column names: `mtt > 350 && abs(ytt) < 2`.
///
/// Arithmetic (`+ - * / **`), comparisons (`< <= > >= == !=`), `&&`/`and`, `||`/`or`, `!`/`not`,
/// parentheses, numbers, and the functions abs, sqrt, exp, log, sin, cos, tan, sinh, cosh, tanh,
/// atan2, min, max, and bit(x, n) (bit n of an integer flag word, e.g. `bit(statusFlags, 13)`).
/// True is any non-zero value.
public struct CutExpression: Sendable, CustomStringConvertible {
    public let text: String
    let root: Expr

    indirect enum Expr: Sendable {
        case number(Double)
        case column(String)
        case unary(String, Expr)
        case binary(String, Expr, Expr)
        case call(String, [Expr])
    }

    public init(_ text: String) throws {
        self.text = text
        var parser = Parser(text: text)
        root = try parser.parseAll()
    }

    public var description: String { text }

    /// The column names the expression reads.
    public var columns: [String] {
        var names: [String] = []
        func walk(_ e: Expr) {
            switch e {
            case .number: break
            case .column(let n): if !names.contains(n) { names.append(n) }
            case .unary(_, let a): walk(a)
            case .binary(_, let a, let b): walk(a); walk(b)
            case .call(_, let args): args.forEach(walk)
            }
        }
        walk(root)
        return names
    }

    /// The value for every row of `table`.
    public func evaluate(on table: EventTable, dataset: String) throws -> [Double] {
        var columns: [String: [Double]] = [:]
        for name in self.columns { columns[name] = try table.column(name, in: dataset) }
        return evaluate(root, columns, rows: table.rowCount)
    }

    /// Which rows pass.
    public func mask(on table: EventTable, dataset: String) throws -> [Bool] {
        try evaluate(on: table, dataset: dataset).map { $0 != 0 && !$0.isNaN }
    }

    private func evaluate(_ e: Expr, _ columns: [String: [Double]], rows: Int) -> [Double] {
        switch e {
        case .number(let v): return Array(repeating: v, count: rows)
        case .column(let name): return columns[name]!
        case .unary(let op, let a):
            let x = evaluate(a, columns, rows: rows)
            return op == "-" ? x.map { -$0 } : x.map { $0 == 0 ? 1 : 0 }
        case .binary(let op, let a, let b):
            let x = evaluate(a, columns, rows: rows), y = evaluate(b, columns, rows: rows)
            let f: (Double, Double) -> Double
            switch op {
            case "+": f = (+)
            case "-": f = (-)
            case "*": f = (*)
            case "/": f = (/)
            case "**": f = { pow($0, $1) }
            case "<": f = { $0 < $1 ? 1 : 0 }
            case "<=": f = { $0 <= $1 ? 1 : 0 }
            case ">": f = { $0 > $1 ? 1 : 0 }
            case ">=": f = { $0 >= $1 ? 1 : 0 }
            case "==": f = { $0 == $1 ? 1 : 0 }
            case "!=": f = { $0 != $1 ? 1 : 0 }
            case "&&": f = { $0 != 0 && $1 != 0 ? 1 : 0 }
            default: f = { $0 != 0 || $1 != 0 ? 1 : 0 }
            }
            return zip(x, y).map(f)
        case .call(let name, let args):
            let values = args.map { evaluate($0, columns, rows: rows) }
            let unary: ((Double) -> Double)? = Self.unaryFunctions[name]
            if let unary { return values[0].map(unary) }
            switch name {
            case "atan2": return zip(values[0], values[1]).map { atan2($0, $1) }
            case "min": return zip(values[0], values[1]).map { Swift.min($0, $1) }
            case "bit": return zip(values[0], values[1]).map { x, n in x.isFinite && n >= 0 && n < 63 ? Double((Int64(x) >> Int64(n)) & 1) : 0 }
            default: return zip(values[0], values[1]).map { Swift.max($0, $1) }
            }
        }
    }

    static let unaryFunctions: [String: (Double) -> Double] = [
        "abs": { Swift.abs($0) }, "sqrt": { $0.squareRoot() }, "exp": { Foundation.exp($0) }, "log": { Foundation.log($0) },
        "sin": { Foundation.sin($0) }, "cos": { Foundation.cos($0) }, "tan": { Foundation.tan($0) },
        "sinh": { Foundation.sinh($0) }, "cosh": { Foundation.cosh($0) }, "tanh": { Foundation.tanh($0) },
    ]
    static let binaryFunctions = ["atan2", "min", "max", "bit"]

    struct Parser {
        let chars: [Character]
        var i = 0
        let text: String

        init(text: String) {
            self.text = text
            chars = Array(text)
        }

        func error(_ message: String) -> DataError {
            DataError.format(file: "cut '\(text)'", message: "\(message) at character \(i + 1)")
        }

        mutating func skip() { while i < chars.count && chars[i].isWhitespace { i += 1 } }

        mutating func accept(_ token: String) -> Bool {
            skip()
            let t = Array(token)
            guard i + t.count <= chars.count, Array(chars[i..<i + t.count]) == t else { return false }
            // Word operators must not swallow the start of a column name (`order`, `notes`).
            if token.first!.isLetter, i + t.count < chars.count, chars[i + t.count].isLetter || chars[i + t.count].isNumber || chars[i + t.count] == "_" {
                return false
            }
            i += t.count
            return true
        }

        mutating func parseAll() throws -> Expr {
            let e = try parseOr()
            skip()
            if i < chars.count { throw error("unexpected '\(chars[i])'") }
            return e
        }

        mutating func parseOr() throws -> Expr {
            var e = try parseAnd()
            while accept("||") || accept("or") { e = .binary("||", e, try parseAnd()) }
            return e
        }

        mutating func parseAnd() throws -> Expr {
            var e = try parseNot()
            while accept("&&") || accept("and") { e = .binary("&&", e, try parseNot()) }
            return e
        }

        mutating func parseNot() throws -> Expr {
            if accept("!=") { throw error("unexpected '!='") }
            if accept("!") || accept("not") { return .unary("!", try parseNot()) }
            return try parseComparison()
        }

        mutating func parseComparison() throws -> Expr {
            let e = try parseSum()
            for op in ["<=", ">=", "==", "!=", "<", ">"] where accept(op) {
                return .binary(op, e, try parseSum())
            }
            return e
        }

        mutating func parseSum() throws -> Expr {
            var e = try parseTerm()
            while true {
                if accept("+") { e = .binary("+", e, try parseTerm()) } else if accept("-") { e = .binary("-", e, try parseTerm()) } else { return e }
            }
        }

        mutating func parseTerm() throws -> Expr {
            var e = try parseUnary()
            while true {
                skip()
                if i + 1 < chars.count && chars[i] == "*" && chars[i + 1] == "*" { return e }
                if accept("*") { e = .binary("*", e, try parseUnary()) } else if accept("/") { e = .binary("/", e, try parseUnary()) } else { return e }
            }
        }

        mutating func parseUnary() throws -> Expr {
            if accept("-") { return .unary("-", try parseUnary()) }
            if accept("+") { return try parseUnary() }
            let base = try parseAtom()
            if accept("**") { return .binary("**", base, try parseUnary()) }
            return base
        }

        mutating func parseAtom() throws -> Expr {
            skip()
            guard i < chars.count else { throw error("expression ends too early") }
            if accept("(") {
                let e = try parseOr()
                guard accept(")") else { throw error("missing ')'") }
                return e
            }
            let start = i
            if chars[i].isNumber || chars[i] == "." {
                while i < chars.count && (chars[i].isNumber || chars[i] == "." || chars[i] == "e" || chars[i] == "E"
                                          || ((chars[i] == "-" || chars[i] == "+") && (chars[i - 1] == "e" || chars[i - 1] == "E"))) { i += 1 }
                guard let v = Double(String(chars[start..<i])) else { i = start; throw error("bad number") }
                return .number(v)
            }
            if chars[i].isLetter || chars[i] == "_" {
                while i < chars.count && (chars[i].isLetter || chars[i].isNumber || chars[i] == "_") { i += 1 }
                let name = String(chars[start..<i])
                if accept("(") {
                    var args: [Expr] = []
                    if !accept(")") {
                        repeat { args.append(try parseOr()) } while accept(",")
                        guard accept(")") else { throw error("missing ')' after the arguments of \(name)") }
                    }
                    let arity = unaryFunctions[name] != nil ? 1 : binaryFunctions.contains(name) ? 2 : -1
                    if arity < 0 { i = start; throw error("unknown function '\(name)'") }
                    if args.count != arity { i = start; throw error("\(name) takes \(arity) argument\(arity == 1 ? "" : "s")") }
                    return .call(name, args)
                }
                return .column(name)
            }
            throw error("unexpected '\(chars[i])'")
        }
    }
}
