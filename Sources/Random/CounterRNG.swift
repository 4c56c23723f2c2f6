/// Counter-based random numbers: every draw is a hash of (seed, stream, index, slot), so any event
/// can be made alone, in any order, on any thread, and come out the same.
public enum CounterRNG {
    /// SplitMix64's finaliser, used as a 64-bit mixing hash.
    @inlinable public static func mix64(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inlinable public static func streamKey(seed: UInt64, stream: UInt64) -> UInt64 { mix64(mix64(seed) ^ stream) }
    @inlinable public static func eventKey(_ streamKey: UInt64, _ index: UInt64) -> UInt64 { mix64(streamKey ^ index) }

    /// A uniform number in the open interval (0, 1): never exactly 0 or 1.
    @inlinable public static func uniform(_ eventKey: UInt64, _ slot: UInt64) -> Double {
        (Double(mix64(eventKey ^ slot) >> 11) + 0.5) * 0x1p-53
    }
}

/// Deterministic partitions of rows, from a seed and each row's index only.
public enum Splits {
    /// The part (0, 1, 2 …) of each row for the given fractions (which sum to 1).
    public static func parts(rows: Int, fractions: [Double], seed: UInt64) -> [Int] {
        let key = CounterRNG.streamKey(seed: seed, stream: 0x5350_4c49_54)
        var edges: [Double] = []
        var total = 0.0
        for f in fractions { total += f; edges.append(total) }
        return (0..<rows).map { i in
            let u = CounterRNG.uniform(CounterRNG.eventKey(key, UInt64(i)), 0) * total
            return edges.firstIndex { u < $0 } ?? fractions.count - 1
        }
    }

    /// The fold (0 ..< k) of each row, about N/k rows each.
    public static func folds(rows: Int, k: Int, seed: UInt64) -> [Int] {
        parts(rows: rows, fractions: Array(repeating: 1.0 / Double(k), count: k), seed: seed)
    }
}
