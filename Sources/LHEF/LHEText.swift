import Foundation

/// An LHE file's text, read front to back through a window that holds at least the block being read:
/// the preamble up to `</init>`, then one `<event>` at a time. Positions are offsets in the whole text, so
/// they stay valid while the window moves; nothing before `keep` is dropped, and nothing before `copied`
/// when a copy is being written.
final class LHEText {
    let file: String
    private let source: ByteStream
    /// `window[0..<count]` holds the text from offset `base`; `window[count]` is always 0, a sentinel
    /// that stops number parsing at the end of what has been read.
    private(set) var window: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0
    private(set) var base = 0
    private var atEnd = false
    /// Newlines before `base`.
    private var linesBefore = 0
    var keep = 0
    /// Where a copy is written, and how far it has been.
    var sink: ByteSink?
    var copied = 0

    var gzipped: Bool { source.gzipped }

    init(_ source: ByteStream, file: String, capacity: Int = 1 << 20) {
        self.source = source
        self.file = file
        self.capacity = capacity
        window = .allocate(capacity: capacity + 1)
        window[0] = 0
    }

    deinit { window.deallocate() }

    /// The offset just past what has been read so far.
    var end: Int { base + count }

    subscript(_ offset: Int) -> UInt8 { window[offset - base] }

    /// Reads more of the file, dropping what is no longer kept; false at the file's end.
    func more() throws -> Bool {
        if atEnd { return false }
        let drop = min(keep, sink == nil ? keep : copied) - base
        if drop > 0 {
            linesBefore += Self.newlines(UnsafeBufferPointer(start: window, count: drop))
            (window).update(from: window + drop, count: count - drop)
            base += drop
            count -= drop
        }
        if count == capacity {
            let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * capacity + 1)
            larger.update(from: window, count: count)
            window.deallocate()
            window = larger
            capacity *= 2
        }
        let n = try source.read(into: window + count, count: capacity - count)
        count += n
        window[count] = 0
        if n == 0 { atEnd = true }
        return n > 0
    }

    /// Where `pattern` first occurs in `bytes[0..<count]`: memchr finds its first byte, memcmp the rest.
    static func search(_ bytes: UnsafePointer<UInt8>, _ count: Int, _ pattern: UnsafePointer<UInt8>, _ length: Int) -> Int? {
        guard length > 0, count >= length else { return nil }
        var i = 0
        let last = count - length
        while i <= last {
            guard let hit = memchr(bytes + i, Int32(pattern[0]), last - i + 1) else { return nil }
            let at = UnsafeRawPointer(hit) - UnsafeRawPointer(bytes)
            if memcmp(bytes + at, pattern, length) == 0 { return at }
            i = at + 1
        }
        return nil
    }

    static func newlines(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 0
        for b in bytes where b == 10 { n += 1 }
        return n
    }

    /// The line (from 1) that `offset` lies on; `offset` must still be in the window.
    func line(at offset: Int) -> Int {
        let o = min(max(offset - base, 0), count)
        return linesBefore + Self.newlines(UnsafeBufferPointer(start: window, count: o)) + 1
    }

    func fail(_ offset: Int, _ message: String) -> LHEFError { LHEFError(file: file, line: line(at: offset), message: message) }

    /// The first `pattern` at or after `start`, reading on as needed; nil when the file ends first. With
    /// `passing`, the text searched through is let go (and copied, when a copy is written) as the search
    /// moves on, so a long stretch without the pattern does not stay in memory.
    func find(_ pattern: [UInt8], from start: Int, passing: Bool = false) throws -> Int? {
        var from = max(start, base)
        while true {
            if end - from >= pattern.count {
                let found = pattern.withUnsafeBufferPointer { Self.search(UnsafePointer(window + (from - base)), end - from, $0.baseAddress!, $0.count) }
                if let found { return from + found }
                from = end - pattern.count + 1
            }
            if passing {
                try copy(upTo: from)
                keep = max(keep, from)
            }
            guard try more() else { return nil }
        }
    }

    /// The first `pattern` within `range`, which must be in the window; reads nothing more.
    func find(_ pattern: [UInt8], in range: Range<Int>) -> Int? {
        let r = max(range.lowerBound, base)..<min(range.upperBound, end)
        guard !r.isEmpty else { return nil }
        return pattern.withUnsafeBufferPointer { Self.search(UnsafePointer(window + (r.lowerBound - base)), r.count, $0.baseAddress!, $0.count) }
            .map { r.lowerBound + $0 }
    }

    /// `<name>` or `<name attributes…>`, not a longer tag that starts the same (`<initrwgt>`, `<eventgroup>`).
    func findTag(_ name: String, from start: Int, passing: Bool = false) throws -> Int? {
        let pattern = Array(("<" + name).utf8)
        var from = start
        while let open = try find(pattern, from: from, passing: passing) {
            let after = open + pattern.count
            if after >= end, !(try more()) { return nil }
            let c = self[after]
            if c == UInt8(ascii: ">") || Lines.isSpace(c) { return open }
            from = after
        }
        return nil
    }

    /// Bytes of the text, from the window.
    func bytes(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: window + (range.lowerBound - base), count: range.count) }

    func string(_ range: Range<Int>) -> String { String(decoding: bytes(range), as: UTF8.self) }

    /// Writes the text up to `offset` to the copy.
    func copy(upTo offset: Int) throws {
        guard let sink, offset > copied else { return }
        try sink.write(bytes(copied..<offset))
        copied = offset
    }

    /// Writes the rest of the file to the copy.
    func copyToEnd() throws {
        repeat {
            try copy(upTo: end)
            keep = end
        } while try more()
    }
}

/// Whitespace-separated tokens, line by line, within a byte range of a block in memory; `#` comment lines
/// and XML tags end the numeric part of a block. Token ranges are offsets in `bytes`.
struct Lines {
    let bytes: UnsafePointer<UInt8>
    var position: Int
    let end: Int
    /// The last line's tokens.
    private(set) var tokens: [Range<Int>] = []

    init(_ bytes: UnsafePointer<UInt8>, _ range: Range<Int>) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
        tokens.reserveCapacity(16)
    }

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 }

    /// Moves to the next non-empty line and splits it into `tokens`; false at the end, at a comment or at a tag.
    mutating func next() -> Bool {
        while position < end {
            tokens.removeAll(keepingCapacity: true)
            var i = position
            while i < end && bytes[i] != 10 {
                while i < end && (bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 13) { i += 1 }
                let s = i
                while i < end && !Self.isSpace(bytes[i]) { i += 1 }
                if s < i { tokens.append(s..<i) }
            }
            if let first = tokens.first, bytes[first.lowerBound] == UInt8(ascii: "#") || bytes[first.lowerBound] == UInt8(ascii: "<") {
                return false
            }
            position = min(i + 1, end)
            if !tokens.isEmpty { return true }
        }
        return false
    }
}

/// Numbers as generators write them, parsed in place: Fortran or C floats (1.5e+02, 1.5E+02, 1.5D+02) and
/// whole numbers. The byte after a token is never part of a number (a space, a newline, `<`, or the
/// window's 0 sentinel), so `strtod` stops at the token's end.
enum Numbers {
    /// The number, or nil when the token is not one.
    static func double(_ bytes: UnsafePointer<UInt8>, _ range: Range<Int>) -> Double? {
        guard !range.isEmpty else { return nil }
        let start = UnsafeRawPointer(bytes + range.lowerBound).assumingMemoryBound(to: CChar.self)
        var stop: UnsafeMutablePointer<CChar>?
        let value = strtod(start, &stop)
        let used = stop.map { UnsafeRawPointer($0) - UnsafeRawPointer(start) } ?? 0
        if used == range.count { return value }
        // strtod reads up to 'D'; it also skips leading spaces, which a token never has.
        guard range.count < 64, used > 0, bytes[range.lowerBound + used] | 0x20 == UInt8(ascii: "d") else { return nil }
        var copy = [CChar](repeating: 0, count: range.count + 1)
        for i in 0..<range.count {
            let c = bytes[range.lowerBound + i]
            copy[i] = CChar(bitPattern: c | 0x20 == UInt8(ascii: "d") ? UInt8(ascii: "e") : c)
        }
        return copy.withUnsafeBufferPointer { p -> Double? in
            var stop: UnsafeMutablePointer<CChar>?
            let value = strtod(p.baseAddress!, &stop)
            return stop.map { UnsafeRawPointer($0) - UnsafeRawPointer(p.baseAddress!) } == range.count ? value : nil
        }
    }

    /// A token of digits with an optional sign, read directly; anything else goes through `double`.
    @inline(__always) static func wholeOrDouble(_ bytes: UnsafePointer<UInt8>, _ range: Range<Int>) -> Double? {
        var i = range.lowerBound
        var negative = false
        if i < range.upperBound && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < range.upperBound, range.upperBound - i <= 15 else { return double(bytes, range) }
        var value = 0
        while i < range.upperBound {
            let d = bytes[i] &- 48
            guard d < 10 else { return double(bytes, range) }
            value = value * 10 + Int(d)
            i += 1
        }
        return Double(negative ? -value : value)
    }
}
