/// How well predicted probabilities match observed frequencies, with event weights.
public struct Reliability: Sendable, Equatable {
    /// One bin of the reliability diagram.
    public struct Bin: Sendable, Equatable {
        public var lower: Double
        public var upper: Double
        /// Weighted mean prediction and weighted observed frequency of y = 1 in the bin.
        public var meanPrediction: Double
        public var observedFrequency: Double
        public var weight: Double
    }

    public var bins: [Bin]
    /// Expected calibration error: Σ_bins (weight share) · |observed − predicted|.
    public var expectedCalibrationError: Double
    /// Weighted Brier score Σ w (p − y)² / Σ w.
    public var brierScore: Double

    public init(predictions p: [Double], outcomes y: [Double], weights w: [Double], bins count: Int = 20) {
        var sumW = [Double](repeating: 0, count: count), sumWP = sumW, sumWY = sumW
        var brier = 0.0, total = 0.0
        for i in p.indices {
            let b = min(count - 1, max(0, Int(p[i] * Double(count))))
            sumW[b] += w[i]
            sumWP[b] += w[i] * p[i]
            sumWY[b] += w[i] * y[i]
            brier += w[i] * (p[i] - y[i]) * (p[i] - y[i])
            total += w[i]
        }
        bins = (0..<count).filter { sumW[$0] > 0 }.map {
            Bin(lower: Double($0) / Double(count), upper: Double($0 + 1) / Double(count),
                meanPrediction: sumWP[$0] / sumW[$0], observedFrequency: sumWY[$0] / sumW[$0], weight: sumW[$0])
        }
        expectedCalibrationError = total > 0 ? bins.reduce(0) { $0 + $1.weight / total * abs($1.observedFrequency - $1.meanPrediction) } : 0
        brierScore = total > 0 ? brier / total : 0
    }
}
