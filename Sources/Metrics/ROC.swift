/// The weighted ROC curve and its area, for scores of two classes with event weights.
public struct ROC: Sendable {
    /// Points (false positive rate, true positive rate), from (0,0) to (1,1).
    public var points: [(Double, Double)]
    public var area: Double

    /// `signal[i]` tells the class; higher scores should mean signal. Negative weights count with their sign.
    public init(scores: [Double], signal: [Bool], weights: [Double], maxPoints: Int = 200) {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var totalS = 0.0, totalB = 0.0
        for i in scores.indices { if signal[i] { totalS += weights[i] } else { totalB += weights[i] } }
        var tp = 0.0, fp = 0.0, area = 0.0
        var points: [(Double, Double)] = [(0, 0)]
        var k = 0
        while k < order.count {
            // Events with equal scores move together (a diagonal step).
            let score = scores[order[k]]
            let (tp0, fp0) = (tp, fp)
            while k < order.count && scores[order[k]] == score {
                let i = order[k]
                if signal[i] { tp += weights[i] } else { fp += weights[i] }
                k += 1
            }
            area += (fp - fp0) / totalB * (tp + tp0) / 2 / totalS
            points.append((fp / totalB, tp / totalS))
        }
        self.area = area
        if points.count > maxPoints {
            let stride = Double(points.count - 1) / Double(maxPoints - 1)
            points = (0..<maxPoints).map { points[min(points.count - 1, Int((Double($0) * stride).rounded()))] }
        }
        self.points = points
    }
}
