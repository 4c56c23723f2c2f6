/// A small xorshift generator for the kernel and elementary-function tests: the shapes and values are
/// the same on every run and every machine.
struct TestGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    /// Uniform in [−1, 1), with a few exact zeros, as activations after a ReLU have.
    mutating func value() -> Double { next() % 17 == 0 ? 0 : Double(next() >> 11) * 0x1p-52 - 1 }
    /// 1…300, half of the draws below 40, so ragged edges of every block size come up often.
    mutating func dimension() -> Int { next() % 2 == 0 ? int(1...40) : int(1...300) }
    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(next() >> 11) * 0x1p-53 }
}
