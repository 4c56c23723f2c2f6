import Foundation

/// The numbers a physicist checks first about a weighted sample.
public struct WeightSummary: Sendable {
    public var events: Int
    public var sum: Double
    public var sumSquares: Double
    /// Fraction of events with w < 0.
    public var negativeFraction: Double
    /// r₋ = Σ|w₋| / Σ|w|.
    public var negativeWeightFraction: Double
    /// Kish effective sample size (Σw)² / Σw².
    public var effectiveEvents: Double

    public init(_ weights: [Double]) {
        events = weights.count
        var sum = 0.0, squares = 0.0, negatives = 0, absNegative = 0.0, absTotal = 0.0
        for w in weights {
            sum += w
            squares += w * w
            absTotal += abs(w)
            if w < 0 { negatives += 1; absNegative -= w }
        }
        self.sum = sum
        sumSquares = squares
        negativeFraction = weights.isEmpty ? 0 : Double(negatives) / Double(weights.count)
        negativeWeightFraction = absTotal > 0 ? absNegative / absTotal : 0
        effectiveEvents = squares > 0 ? sum * sum / squares : 0
    }

    /// √Σw², the statistical uncertainty of Σw.
    public var sumError: Double { sumSquares.squareRoot() }
}

/// Per-column minimum, mean and maximum.
public struct ColumnSummary: Sendable {
    public var name: String
    public var min: Double
    public var mean: Double
    public var max: Double
    public var weightedMean: Double?

    public static func of(_ table: EventTable) -> [ColumnSummary] {
        let weights = table[EventTable.weightColumn]
        let total = weights?.reduce(0, +) ?? 0
        return zip(table.names, table.columns).map { name, values in
            var lo = Double.infinity, hi = -Double.infinity, sum = 0.0, weighted = 0.0
            for (i, v) in values.enumerated() {
                lo = Swift.min(lo, v)
                hi = Swift.max(hi, v)
                sum += v
                if let weights { weighted += weights[i] * v }
            }
            let n = Double(Swift.max(values.count, 1))
            return ColumnSummary(name: name, min: lo, mean: sum / n, max: hi,
                                 weightedMean: weights != nil && total != 0 ? weighted / total : nil)
        }
    }
}
