import Foundation

/// A Les Houches Event File (`.lhe`, or gzipped `.lhe.gz`): the `<init>` block's processes, and every
/// event's process id, weight (XWGTUP), named weights (`<rwgt><wgt id=…>` or `<weights>`) and particles.
/// The file is read once, front to back, one event at a time: memory holds the columns, never the text.
public struct LHEFile: Sendable {
    public let path: String
    public let gzipped: Bool
    /// The file's bytes when it was read from memory; a file on disk is read again to write a copy.
    let memory: [UInt8]?

    public struct Process: Sendable, Equatable {
        public var id: Int
        public var crossSection: Double
        public var error: Double
        public var maximumWeight: Double
    }

    public struct Event: Sendable, Equatable {
        public var processID: Int
        public var weight: Double
        /// This event's particles in the particle columns.
        public var particles: Range<Int>
    }

    /// The columns of every particle of every event: pdgId, status, mother1, mother2, px, py, pz, e, mass.
    public struct Particles: Sendable {
        public var pdgId: [Double] = [], status: [Double] = [], mother1: [Double] = [], mother2: [Double] = []
        public var px: [Double] = [], py: [Double] = [], pz: [Double] = [], e: [Double] = [], mass: [Double] = []
        public var count: Int { pdgId.count }
    }

    /// What to keep besides each event's process and weight; what is not kept is checked but not converted.
    public struct Contents: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let particles = Contents(rawValue: 1)
        public static let namedWeights = Contents(rawValue: 2)
        public static let all: Contents = [.particles, .namedWeights]
    }

    public private(set) var processes: [Process] = []
    public private(set) var events: [Event] = []
    public private(set) var particles = Particles()
    /// The ids of the named weights, in the order they first appear.
    public private(set) var weightIDs: [String] = []
    /// The weight ids `<initrwgt>` declares, which name the positional `<weights>` values.
    public private(set) var declaredWeightIDs: [String] = []
    /// Per weight id, its value in every event (NaN where an event lacks it), and the first event that does.
    private var weightColumns: [[Double]] = []
    private var weightFirstMissing: [Int?] = []

    public init(path: String, reading contents: Contents = .all) throws {
        try self.init(ByteStream(path: path), file: path, contents, memory: nil)
    }

    /// An LHE file (plain or gzipped) held in memory; `file` names it in messages.
    public init(bytes: [UInt8], file: String, reading contents: Contents = .all) throws {
        try self.init(ByteStream(bytes: bytes, file: file), file: file, contents, memory: bytes)
    }

    private init(_ source: ByteStream, file: String, _ contents: Contents, memory: [UInt8]?) throws {
        path = file
        self.memory = memory
        gzipped = source.gzipped
        let text = LHEText(source, file: file)
        let preamble = try Preamble(text)
        processes = preamble.processes.map(\.process)
        declaredWeightIDs = preamble.declaredWeightIDs
        var parser = EventParser(declaredWeightIDs: declaredWeightIDs, particles: contents.contains(.particles))
        var idBytes: [[UInt8]] = []
        let keepNamed = contents.contains(.namedWeights)
        try parser.forEach(text, after: preamble) { parser, block in
            let first = events.last?.particles.upperBound ?? 0
            events.append(Event(processID: parser.processID, weight: parser.weight, particles: first..<(first + parser.particleCount)))
            guard keepNamed, !parser.named.isEmpty else { return }
            let i = events.count - 1
            let positional = parser.named.reduce(0) { n, w in if case .position = w.id { return n + 1 } else { return n } }
            for (k, named) in parser.named.enumerated() {
                // Events almost always list the same ids in the same order: compare bytes, make no strings.
                var column: Int?
                let id: [UInt8]
                switch named.id {
                case .text(let r):
                    let text = block.bytes(r)
                    if k < idBytes.count && idBytes[k].elementsEqual(text) { column = k; id = [] } else { id = Array(text) }
                case .position(let index):
                    id = parser.positionalName(index, of: positional)
                    if k < idBytes.count && idBytes[k] == id { column = k }
                }
                if column == nil { column = idBytes.firstIndex(of: id) }
                if column == nil {
                    column = idBytes.count
                    idBytes.append(id)
                    weightIDs.append(String(decoding: id, as: UTF8.self))
                    weightColumns.append([Double](repeating: .nan, count: i))
                    weightFirstMissing.append(i > 0 ? 0 : nil)
                }
                let c = column!, value = try block.number(named.value)
                if weightColumns[c].count == i {
                    weightColumns[c].append(value)
                } else if weightColumns[c].count > i {
                    if named.overrides { weightColumns[c][i] = value }
                } else {
                    if weightFirstMissing[c] == nil { weightFirstMissing[c] = weightColumns[c].count }
                    weightColumns[c] += [Double](repeating: .nan, count: i - weightColumns[c].count)
                    weightColumns[c].append(value)
                }
            }
        }
        if let read = parser.particles { particles = read }
        for c in weightColumns.indices where weightColumns[c].count < events.count {
            if weightFirstMissing[c] == nil { weightFirstMissing[c] = weightColumns[c].count }
            weightColumns[c] += [Double](repeating: .nan, count: events.count - weightColumns[c].count)
        }
        if events.isEmpty { throw LHEFError(file: path, message: "the file holds no events") }
    }

    /// The file's text again, from the start.
    func reopen() throws -> LHEText {
        LHEText(try memory.map { try ByteStream(bytes: $0, file: path) } ?? ByteStream(path: path), file: path)
    }

    /// The named weight `id` of every event, and the first event that lacks it (its value there is NaN).
    public func namedWeight(_ id: String) -> (values: [Double], firstMissing: Int?)? {
        guard let c = weightIDs.firstIndex(of: id) else { return nil }
        return (weightColumns[c], weightFirstMissing[c])
    }

    /// Event `i`'s named weights, in the order of `weightIDs`.
    public func namedWeights(ofEvent i: Int) -> [(String, Double)] {
        weightIDs.indices.compactMap { c in weightColumns[c][i].isNaN && weightFirstMissing[c].map { $0 <= i } == true ? nil : (weightIDs[c], weightColumns[c][i]) }
    }
}

/// Everything up to `</init>`: the weight ids `<initrwgt>` declares, and the processes with the text
/// ranges of their XSECUP, XERRUP and XMAXUP.
struct Preamble {
    var declaredWeightIDs: [String] = []
    var processes: [(process: LHEFile.Process, ranges: [Range<Int>])] = []
    /// The `<init>` block's lines, between its tags.
    var initBody: Range<Int>

    init(_ text: LHEText) throws {
        text.keep = 0
        guard let start = try text.find(Array("<LesHouchesEvents".utf8), from: 0) else {
            throw LHEFError(file: text.file, message: "no <LesHouchesEvents> element: not an LHE file")
        }
        guard let initTag = try text.findTag("init", from: start), let initOpen = try text.find([UInt8(ascii: ">")], from: initTag),
              let initEnd = try text.find(Array("</init>".utf8), from: initOpen) else {
            throw text.fail(start, "no <init> block")
        }
        initBody = (initOpen + 1)..<initEnd
        // Positional weights are named by the ids the header declares, in order.
        // The header is in the window whole: these searches read nothing more.
        var position = start
        while let open = text.find(Array("<initrwgt".utf8), in: position..<initTag),
              let close = text.find(Array("</initrwgt>".utf8), in: open..<initTag) {
            var at = open
            while let tag = text.find(Array("<weight".utf8), in: at..<close) {
                let end = text.find([UInt8(ascii: ">")], in: tag..<close) ?? close
                let after = text[tag + 7]
                if after == UInt8(ascii: ">") || Lines.isSpace(after),
                   let id = EventParser.attributeValue("id", text.window, (tag - text.base)..<(end - text.base)) {
                    declaredWeightIDs.append(text.string(id.shifted(text.base)))
                }
                at = end
            }
            position = close
        }
        let base = text.base
        var lines = Lines(text.window, (initBody.lowerBound - base)..<(initBody.upperBound - base))
        let fail = { (offset: Int, message: String) in text.fail(offset + base, message) }
        guard lines.next(), lines.tokens.count >= 10, let count = Int(text.string(lines.tokens[9].shifted(base))), count >= 0 else {
            throw fail(initBody.lowerBound - base, "the <init> block's first line needs 10 numbers (beams, PDFs, IDWTUP, NPRUP)")
        }
        // Some generators (GiBUU) give NPRUP but list no processes: read the lines that are there.
        for _ in 0..<count {
            guard lines.next() else { break }
            let t = lines.tokens
            guard t.count >= 4 else { throw fail(t[0].lowerBound, "a process line of the <init> block needs XSECUP XERRUP XMAXUP LPRUP") }
            let numbers = try (0..<4).map { k in
                try Numbers.double(text.window, t[k]) ?? { throw fail(t[k].lowerBound, "'\(text.string(t[k].shifted(base)))' is not a number") }()
            }
            guard let id = Int(exactly: numbers[3]) else { throw fail(t[3].lowerBound, "'\(text.string(t[3].shifted(base)))' is not a whole number") }
            processes.append((LHEFile.Process(id: id, crossSection: numbers[0], error: numbers[1], maximumWeight: numbers[2]),
                              t[0..<3].map { $0.shifted(base) }))
        }
    }
}

extension Range<Int> {
    func shifted(_ by: Int) -> Range<Int> { (lowerBound + by)..<(upperBound + by) }
}

/// One `<event>` block in the text's window, parsed in place: ranges are offsets in the window.
struct EventBlock {
    let text: LHEText
    /// The block from `<event` to just past `</event>`.
    let range: Range<Int>

    func bytes(_ r: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: text.window + r.lowerBound, count: r.count) }
    func fail(_ offset: Int, _ message: String) -> LHEFError { text.fail(offset + text.base, message) }

    func number(_ r: Range<Int>) throws -> Double {
        guard let value = Numbers.double(text.window, r) else {
            throw fail(r.lowerBound, "'\(String(decoding: bytes(r), as: UTF8.self))' is not a number")
        }
        return value
    }

    func find(_ pattern: StaticString, in r: Range<Int>) -> Int? {
        guard r.count >= pattern.utf8CodeUnitCount else { return nil }
        return LHEText.search(text.window + r.lowerBound, r.count, pattern.utf8Start, pattern.utf8CodeUnitCount).map { $0 + r.lowerBound }
    }
}

/// Reads events one at a time: NUP IDPRUP XWGTUP …, the NUP particle lines, and the named weights' ranges.
struct EventParser {
    /// A named weight's id: its text in the block (`<wgt id=…>`), or its place in a `<weights>` block.
    enum WeightID {
        case text(Range<Int>)
        case position(Int)
    }

    let declaredWeightIDs: [String]
    var processID = 0
    var weight = 0.0
    var particleCount = 0
    /// XWGTUP's text.
    var weightRange = 0..<0
    /// Named weights' ids and values' text; `overrides` when a repeated id replaces the earlier value
    /// (`<wgt>` does, positional weights do not).
    var named: [(id: WeightID, value: Range<Int>, overrides: Bool)] = []
    /// The columns of the particles read, when asked for.
    var particles: LHEFile.Particles?
    private var positionalNames: [[UInt8]] = []

    init(declaredWeightIDs: [String], particles: Bool) {
        self.declaredWeightIDs = declaredWeightIDs
        self.particles = particles ? LHEFile.Particles() : nil
    }

    /// The name of positional weight `index` of `count`: the declared id when `<initrwgt>` names them
    /// all, else `w<index>`.
    mutating func positionalName(_ index: Int, of count: Int) -> [UInt8] {
        if count <= declaredWeightIDs.count && index < declaredWeightIDs.count { return Array(declaredWeightIDs[index].utf8) }
        while positionalNames.count <= index { positionalNames.append(Array("w\(positionalNames.count)".utf8)) }
        return positionalNames[index]
    }

    /// Calls `body` for each event block after `</init>`, once the block is parsed.
    mutating func forEach(_ text: LHEText, after preamble: Preamble, _ body: (inout EventParser, EventBlock) throws -> Void) throws {
        let close = Array("</event>".utf8)
        var position = preamble.initBody.upperBound + "</init>".utf8.count
        text.keep = position
        while let open = try text.findTag("event", from: position, passing: true) {
            text.keep = open
            guard let end = try text.find(close, from: open) else { throw text.fail(open, "an <event> without </event>") }
            let block = EventBlock(text: text, range: (open - text.base)..<(end + close.count - text.base))
            try parse(block)
            try body(&self, block)
            position = end + close.count
            text.keep = position
        }
    }

    private mutating func parse(_ block: EventBlock) throws {
        let p = UnsafePointer(block.text.window)
        guard let bodyStart = block.find(">", in: block.range), bodyStart < block.range.upperBound - 8 else {
            throw block.fail(block.range.lowerBound, "an <event> tag without its >")
        }
        let body = (bodyStart + 1)..<(block.range.upperBound - 8)
        var lines = Lines(p, body)
        guard lines.next(), lines.tokens.count >= 6, let count = Int(exactly: Numbers.wholeOrDouble(p, lines.tokens[0]) ?? -1), count >= 0 else {
            throw block.fail(body.lowerBound, "an event's first line needs NUP IDPRUP XWGTUP SCALUP AQEDUP AQCDUP")
        }
        let header = lines.tokens
        let id = try block.number(header[1])
        guard let whole = Int(exactly: id) else { throw block.fail(header[1].lowerBound, "'\(String(decoding: block.bytes(header[1]), as: UTF8.self))' is not a whole number") }
        processID = whole
        weight = try block.number(header[2])
        weightRange = header[2]
        particleCount = count
        for _ in 0..<count {
            guard lines.next(), lines.tokens.count >= 11 else { throw block.fail(body.lowerBound, "the event lists fewer than NUP = \(count) particles") }
            guard particles != nil else { continue }
            let t = lines.tokens
            func whole(_ k: Int) throws -> Double {
                guard let v = Numbers.wholeOrDouble(p, t[k]) else { return try block.number(t[k]) }
                return v
            }
            particles!.pdgId.append(try whole(0))
            particles!.status.append(try whole(1))
            particles!.mother1.append(try whole(2))
            particles!.mother2.append(try whole(3))
            particles!.px.append(try block.number(t[6]))
            particles!.py.append(try block.number(t[7]))
            particles!.pz.append(try block.number(t[8]))
            particles!.e.append(try block.number(t[9]))
            particles!.mass.append(try block.number(t[10]))
        }
        // Named weights: <wgt id='…'>value</wgt> (LHEF 3), then the positional <weights> block; searches stay
        // within the event.
        named.removeAll(keepingCapacity: true)
        var position = lines.position
        while let tag = block.find("<wgt", in: position..<body.upperBound) {
            guard let close = block.find(">", in: tag..<body.upperBound), let end = block.find("</wgt>", in: close..<body.upperBound) else {
                throw block.fail(tag, "a <wgt> without </wgt>")
            }
            let id: WeightID = Self.attributeValue("id", p, tag..<close).map { .text($0) } ?? .position(named.count)
            named.append((id, trimmed(p, (close + 1)..<end), true))
            position = end + 6
        }
        if let tag = block.find("<weights>", in: lines.position..<body.upperBound),
           let end = block.find("</weights>", in: tag..<body.upperBound) {
            var values = Lines(p, (tag + 9)..<end)
            var index = 0
            while values.next() {
                for t in values.tokens { named.append((.position(index), t, false)); index += 1 }
            }
        }
    }

    func trimmed(_ p: UnsafePointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var a = range.lowerBound, b = range.upperBound
        while a < b && Lines.isSpace(p[a]) { a += 1 }
        while b > a && Lines.isSpace(p[b - 1]) { b -= 1 }
        return a..<b
    }

    /// The value of `name='…'` or `name="…"` inside a tag's bytes, as a range.
    static func attributeValue(_ name: StaticString, _ p: UnsafePointer<UInt8>, _ range: Range<Int>) -> Range<Int>? {
        let n = name.utf8CodeUnitCount
        var i = range.lowerBound + 1  // past the tag's <
        while i + n < range.upperBound {
            if memcmp(p + i, name.utf8Start, n) == 0 && Lines.isSpace(p[i - 1]) {
                var j = i + n
                while j < range.upperBound && Lines.isSpace(p[j]) { j += 1 }
                if j < range.upperBound && p[j] == UInt8(ascii: "=") {
                    j += 1
                    while j < range.upperBound && Lines.isSpace(p[j]) { j += 1 }
                    guard j < range.upperBound, p[j] == UInt8(ascii: "'") || p[j] == UInt8(ascii: "\"") else { return nil }
                    let quote = p[j]
                    var k = j + 1
                    while k < range.upperBound && p[k] != quote { k += 1 }
                    return (j + 1)..<k
                }
            }
            i += 1
        }
        return nil
    }
}
