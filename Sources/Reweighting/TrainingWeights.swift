/// Why a sample's event weights cannot train or calibrate a weight model.
///
/// Each case would otherwise end in a NaN loss, a division by zero or a model that learned nothing,
/// long after the cause is hard to see.
public enum DegenerateWeights: Error, Equatable, CustomStringConvertible {
    /// A NaN or infinite weight (row counted from 1), kept by `nonfinite: keep` in `load`.
    case notFinite(row: Int, value: Double)
    case allZero
    /// Every non-zero weight has one sign: a sign classifier has one class only.
    case oneSign(positive: Bool)
    /// Σ|w| overflows a Double, so every normalisation would be inf or NaN.
    case sumNotFinite

    public var description: String {
        switch self {
        case .notFinite(let row, let value):
            return "row \(row) has weight \(value); training needs finite weights (load with `nonfinite: error` or `drop`)"
        case .allZero:
            return "every weight is zero, so there is nothing to learn"
        case .oneSign(let positive):
            return "every non-zero weight is \(positive ? "positive" : "negative"); target weight-sign needs events of both signs"
        case .sumNotFinite:
            return "the sum of |w| is not finite (the weights are too large); rescale them"
        }
    }

    /// Throws the first problem `weights` have for `target`.
    public static func check(_ weights: [Double], target: WeightTarget) throws {
        var sum = 0.0, positive = false, negative = false
        for (row, w) in weights.enumerated() {
            guard w.isFinite else { throw DegenerateWeights.notFinite(row: row + 1, value: w) }
            sum += Swift.abs(w)
            positive = positive || w > 0
            negative = negative || w < 0
        }
        guard sum.isFinite else { throw DegenerateWeights.sumNotFinite }
        guard positive || negative else { throw DegenerateWeights.allZero }
        if target == .weightSign && !(positive && negative) { throw DegenerateWeights.oneSign(positive: positive) }
    }
}
