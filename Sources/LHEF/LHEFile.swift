import Foundation

/// A Les Houches Event File (`.lhe`, or gzipped `.lhe.gz`): the `<init>` block's processes, and every
/// event's process id, weight (XWGTUP), named weights (`<rwgt><wgt id=…>` or `<weights>`) and particles.
/// The byte range of every number flow may rewrite is kept, so a copy with new weights changes nothing else.
public struct LHEFile: Sendable {
    public let path: String
    let text: [UInt8]
    public let gzipped: Bool

    public struct Process: Sendable, Equatable {
        public var id: Int
        public var crossSection: Double
        public var error: Double
        public var maximumWeight: Double
        /// XSECUP, XERRUP, XMAXUP.
        let ranges: [Range<Int>]
    }

    public struct Event: Sendable {
        public var processID: Int
        public var weight: Double
        public var namedWeights: [(String, Double)]
        /// This event's particles in the particle columns.
        public var particles: Range<Int>
        let weightRange: Range<Int>
    }

    /// The columns of every particle of every event: pdgId, status, mother1, mother2, px, py, pz, e, mass.
    public struct Particles: Sendable {
        public var pdgId: [Double] = [], status: [Double] = [], mother1: [Double] = [], mother2: [Double] = []
        public var px: [Double] = [], py: [Double] = [], pz: [Double] = [], e: [Double] = [], mass: [Double] = []
    }

    public private(set) var processes: [Process] = []
    public private(set) var events: [Event] = []
    public private(set) var particles = Particles()

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw LHEFError(file: path, message: "cannot read the file") }
        try self.init(bytes: [UInt8](data), file: path)
    }

    /// An LHE file (plain or gzipped) held in memory; `file` names it in messages.
    public init(bytes raw: [UInt8], file path: String) throws {
        self.path = path
        gzipped = Gzip.isGzip(raw)
        text = gzipped ? try Gzip.decompress(raw, file: path) : raw
        try parse()
    }

    private func line(at position: Int) -> Int { text[0..<min(position, text.count)].reduce(1) { $0 + ($1 == 10 ? 1 : 0) } }

    private func fail(_ position: Int, _ message: String) -> LHEFError { LHEFError(file: path, line: line(at: position), message: message) }

    private mutating func parse() throws {
        guard let start = find("<LesHouchesEvents", from: 0) else { throw LHEFError(file: path, message: "no <LesHouchesEvents> element: not an LHE file") }
        guard let initTag = findTag("init", from: start), let initBody = find(">", from: initTag).map({ $0 + 1 }),
              let initEnd = find("</init>", from: initBody) else {
            throw fail(start, "no <init> block")
        }
        var lines = Lines(text, initBody..<initEnd)
        guard let beams = lines.next(), beams.count >= 10, let count = Int(string(beams[9])), count >= 0 else {
            throw fail(initBody, "the <init> block's first line needs 10 numbers (beams, PDFs, IDWTUP, NPRUP)")
        }
        for _ in 0..<count {
            guard let process = lines.next(), process.count >= 4 else { throw fail(initBody, "the <init> block lists fewer than NPRUP = \(count) processes") }
            processes.append(Process(id: try integer(process[3]), crossSection: try number(process[0]), error: try number(process[1]),
                                     maximumWeight: try number(process[2]), ranges: Array(process[0..<3])))
        }

        var position = initEnd
        while let open = findTag("event", from: position) {
            guard let bodyStart = find(">", from: open).map({ $0 + 1 }), let close = find("</event>", from: bodyStart) else {
                throw fail(open, "an <event> without </event>")
            }
            try parseEvent(bodyStart..<close)
            position = close + 8
        }
        if events.isEmpty { throw LHEFError(file: path, message: "the file holds no events") }
    }

    private mutating func parseEvent(_ body: Range<Int>) throws {
        var lines = Lines(text, body)
        guard let header = lines.next(), header.count >= 6, let count = Int(string(header[0])), count >= 0 else {
            throw fail(body.lowerBound, "an event's first line needs NUP IDPRUP XWGTUP SCALUP AQEDUP AQCDUP")
        }
        let first = particles.pdgId.count
        for _ in 0..<count {
            guard let p = lines.next(), p.count >= 11 else { throw fail(body.lowerBound, "the event lists fewer than NUP = \(count) particles") }
            particles.pdgId.append(try number(p[0]))
            particles.status.append(try number(p[1]))
            particles.mother1.append(try number(p[2]))
            particles.mother2.append(try number(p[3]))
            particles.px.append(try number(p[6]))
            particles.py.append(try number(p[7]))
            particles.pz.append(try number(p[8]))
            particles.e.append(try number(p[9]))
            particles.mass.append(try number(p[10]))
        }
        // Named weights: <wgt id='…'>value</wgt> (LHEF 3), or the positional <weights> block.
        var named: [(String, Double)] = []
        var position = lines.position
        // Searches stop at the event's end: scanning the rest of the file for each event is quadratic.
        while let tag = find("<wgt", from: position, before: body.upperBound) {
            guard let close = find(">", from: tag, before: body.upperBound),
                  let end = find("</wgt>", from: close, before: body.upperBound) else { break }
            let attributes = string(tag..<close)
            let id = attributes.split(whereSeparator: { $0 == "'" || $0 == "\"" }).dropFirst().first.map(String.init) ?? "\(named.count)"
            named.append((id, try number(trimmed(close + 1..<end))))
            position = end
        }
        if named.isEmpty, let tag = find("<weights>", from: lines.position, before: body.upperBound),
           let end = find("</weights>", from: tag, before: body.upperBound) {
            var values = Lines(text, tag + 9..<end)
            var index = 0
            while let tokens = values.next() { for t in tokens { named.append(("w\(index)", try number(t))); index += 1 } }
        }
        events.append(Event(processID: try integer(header[1]), weight: try number(header[2]), namedWeights: named,
                            particles: first..<particles.pdgId.count, weightRange: header[2]))
    }

    // MARK: - bytes

    /// `<name>` or `<name attributes…>`, not a longer tag that starts the same (`<initrwgt>`, `<eventgroup>`).
    func findTag(_ name: String, from start: Int) -> Int? {
        var position = start
        while let open = find("<" + name, from: position) {
            let after = open + 1 + name.utf8.count
            if after < text.count, text[after] == UInt8(ascii: ">") || Lines.isSpace(text[after]) { return open }
            position = after
        }
        return nil
    }

    /// The first `pattern` that starts at or after `start` and ends before `limit` (the text's end by default).
    func find(_ pattern: String, from start: Int, before limit: Int? = nil) -> Int? {
        let p = Array(pattern.utf8)
        let end = min(limit ?? text.count, text.count)
        guard !p.isEmpty, start >= 0, start + p.count <= end else { return nil }
        var i = start
        let last = end - p.count
        while i <= last {
            if text[i] == p[0] {
                var j = 1
                while j < p.count && text[i + j] == p[j] { j += 1 }
                if j == p.count { return i }
            }
            i += 1
        }
        return nil
    }

    func string(_ range: Range<Int>) -> String { String(decoding: text[range], as: UTF8.self) }

    func trimmed(_ range: Range<Int>) -> Range<Int> {
        var a = range.lowerBound, b = range.upperBound
        while a < b && Lines.isSpace(text[a]) { a += 1 }
        while b > a && Lines.isSpace(text[b - 1]) { b -= 1 }
        return a..<b
    }

    /// A whole number, possibly written as a float (`1.0e+00`); anything else is an error, not a trap.
    func integer(_ range: Range<Int>) throws -> Int {
        guard let value = Int(exactly: try number(range)) else { throw fail(range.lowerBound, "'\(string(range))' is not a whole number") }
        return value
    }

    /// A Fortran or C number: 1.5e+02, 1.5E+02 or 1.5D+02.
    func number(_ range: Range<Int>) throws -> Double {
        let token = string(range).replacingOccurrences(of: "D", with: "e").replacingOccurrences(of: "d", with: "e")
        guard let value = Double(token) else { throw fail(range.lowerBound, "'\(string(range))' is not a number") }
        return value
    }
}

/// Whitespace-separated tokens, line by line, within a byte range; `#` comment lines and XML tags end
/// the numeric part of a block.
struct Lines {
    let text: [UInt8]
    var position: Int
    let end: Int

    init(_ text: [UInt8], _ range: Range<Int>) {
        self.text = text
        position = range.lowerBound
        end = range.upperBound
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 }

    /// The next non-empty line's token ranges; nil at the end, at a comment or at a tag.
    mutating func next() -> [Range<Int>]? {
        while position < end {
            var lineEnd = position
            while lineEnd < end && text[lineEnd] != 10 { lineEnd += 1 }
            var tokens: [Range<Int>] = []
            var i = position
            while i < lineEnd {
                while i < lineEnd && Self.isSpace(text[i]) { i += 1 }
                let s = i
                while i < lineEnd && !Self.isSpace(text[i]) { i += 1 }
                if s < i { tokens.append(s..<i) }
            }
            if let first = tokens.first, text[first.lowerBound] == UInt8(ascii: "#") || text[first.lowerBound] == UInt8(ascii: "<") {
                return nil
            }
            position = min(lineEnd + 1, end)
            if !tokens.isEmpty { return tokens }
        }
        return nil
    }
}
