import Foundation

extension LHEFile {
    /// What a copy with new weights does to each event's named weights (`<rwgt><wgt>`, `<weights>`).
    public enum NamedWeights: String, Sendable, CaseIterable {
        /// Left as they were: they stay the generator's weights.
        case keep
        /// Multiplied by w′/w, the event's new over old XWGTUP, so that ratios to the nominal weight are
        /// kept; an event whose old weight is 0 keeps its named weights.
        case rescale
    }

    /// A copy of the file in which each event's XWGTUP is `weights[i]`, written to `destination` (gzipped
    /// when its name ends in `.gz`) as the file is read again, one event at a time.
    ///
    /// Only what the new weights change is rewritten: an unchanged weight keeps its text, and a process
    /// none of whose events changed keeps its `<init>` line byte for byte. A process whose events changed
    /// has XSECUP, XERRUP and XMAXUP multiplied by the ratio of the new to the old sum of its events'
    /// weights (XERRUP and XMAXUP by its magnitude), so the meaning the generator's IDWTUP gives XMAXUP is
    /// kept. Named weights follow `namedWeights`. Every other byte is as it was.
    public func write(weights: [Double], to destination: String, namedWeights: NamedWeights = .keep) throws {
        let sink = try ByteSink(path: destination, file: destination, gzipped: destination.hasSuffix(".gz"))
        try rewrite(weights: weights, into: sink, namedWeights: namedWeights)
    }

    /// The copy `write` makes, in memory and not compressed.
    public func rewritten(weights: [Double], namedWeights: NamedWeights = .keep) throws -> [UInt8] {
        let sink = try ByteSink(path: nil, file: path, gzipped: false)
        try rewrite(weights: weights, into: sink, namedWeights: namedWeights)
        return sink.bytes
    }

    /// Per process, the factor its `<init>` numbers are multiplied by; absent when none of its events changed.
    func initScales(_ weights: [Double]) -> [Int: Double] {
        var old: [Int: Double] = [:], new: [Int: Double] = [:], changed: Set<Int> = []
        for (event, w) in zip(events, weights) {
            old[event.processID, default: 0] += event.weight
            new[event.processID, default: 0] += w
            if w != event.weight { changed.insert(event.processID) }
        }
        var scales: [Int: Double] = [:]
        for id in changed { scales[id] = old[id]! != 0 ? new[id]! / old[id]! : 1 }
        return scales
    }

    private func rewrite(weights: [Double], into sink: ByteSink, namedWeights: NamedWeights) throws {
        guard weights.count == events.count else {
            throw LHEFError(file: path, message: "\(weights.count) new weights for \(events.count) events")
        }
        let text = try reopen()
        text.sink = sink
        func replace(_ range: Range<Int>, _ value: Double) throws {
            try text.copy(upTo: range.lowerBound)
            try sink.write(Self.format(value))
            text.copied = range.upperBound
        }
        let preamble = try Preamble(text)
        let scales = initScales(weights)
        for (process, ranges) in preamble.processes {
            guard let scale = scales[process.id] else { continue }
            for (range, value) in zip(ranges, [process.crossSection * scale, process.error * abs(scale), process.maximumWeight * abs(scale)]) {
                try replace(range, value)
            }
        }
        var parser = EventParser(declaredWeightIDs: preamble.declaredWeightIDs, particles: false)
        var i = 0
        try parser.forEach(text, after: preamble) { parser, block in
            guard i < events.count else { throw block.fail(block.range.lowerBound, "the file has changed since it was read: more than \(events.count) events") }
            let old = events[i].weight, new = weights[i]
            i += 1
            guard new != old || new.isNaN != old.isNaN else { return }
            let base = text.base
            try replace(parser.weightRange.shifted(base), new)
            guard namedWeights == .rescale, old != 0 else { return }
            for named in parser.named.sorted(by: { $0.value.lowerBound < $1.value.lowerBound }) {
                try replace(named.value.shifted(base), try block.number(named.value) * (new / old))
            }
        }
        guard i == events.count else { throw LHEFError(file: path, message: "the file has changed since it was read: \(i) events, not \(events.count)") }
        try text.copyToEnd()
        try sink.finish()
    }

    /// As generators write them: signed, 11 significant digits, two-digit exponent at least.
    static func format(_ value: Double) -> String { String(format: "%+.10e", value) }
}
