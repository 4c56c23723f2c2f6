import Foundation

extension LHEFile {
    /// A copy of the file in which each event's XWGTUP is `weights[i]`, and each process's cross section,
    /// its error and maximum weight in `<init>` follow (scaled by the ratio of the new to the old sum of its
    /// events' weights; the maximum is the largest new |weight|). Every other byte is as it was. Written
    /// gzipped when `path` ends in `.gz`.
    public func rewritten(weights: [Double]) throws -> [UInt8] {
        guard weights.count == events.count else {
            throw LHEFError(file: path, message: "\(weights.count) new weights for \(events.count) events")
        }
        var replacements: [(Range<Int>, String)] = []
        // An unchanged weight keeps its original text.
        for (event, w) in zip(events, weights) where w != event.weight { replacements.append((event.weightRange, Self.format(w))) }
        for process in processes {
            let mine = events.indices.filter { events[$0].processID == process.id }
            let old = mine.reduce(0.0) { $0 + events[$1].weight }, new = mine.reduce(0.0) { $0 + weights[$1] }
            let scale = old != 0 ? new / old : 1
            let maximum = mine.map { abs(weights[$0]) }.max() ?? process.maximumWeight
            for (range, value) in zip(process.ranges, [process.crossSection * scale, process.error * abs(scale), maximum]) {
                replacements.append((range, Self.format(value)))
            }
        }
        replacements.sort { $0.0.lowerBound < $1.0.lowerBound }
        var out = [UInt8]()
        out.reserveCapacity(text.count + replacements.count * 4)
        var position = 0
        for (range, value) in replacements {
            out.append(contentsOf: text[position..<range.lowerBound])
            out.append(contentsOf: value.utf8)
            position = range.upperBound
        }
        out.append(contentsOf: text[position...])
        return out
    }

    public func write(weights: [Double], to destination: String) throws {
        let plain = try rewritten(weights: weights)
        let bytes = destination.hasSuffix(".gz") ? try Gzip.compress(plain, file: destination) : plain
        guard FileManager.default.createFile(atPath: destination, contents: Data(bytes)) else {
            throw LHEFError(file: destination, message: "cannot write")
        }
    }

    /// As generators write them: signed, 11 significant digits, two-digit exponent at least.
    static func format(_ value: Double) -> String { String(format: "%+.10e", value) }
}
