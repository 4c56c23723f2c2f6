import Random

/// The weighted ROC curve and its area, for scores of two classes with event weights.
public struct ROC: Sendable {
    /// Points (false positive rate, true positive rate), from (0,0) to (1,1).
    public var points: [(Double, Double)]
    public var area: Double

    /// `signal[i]` tells the class; higher scores should mean signal. Negative weights count with their sign.
    public init(scores: [Double], signal: [Bool], weights: [Double], maxPoints: Int = 200) {
        var points: [(Double, Double)] = [(0, 0)]
        area = Self.walk(order: Self.order(scores), scores: scores, signal: signal, weights: weights) { points.append(($0, $1)) }
        if points.count > maxPoints {
            let stride = Double(points.count - 1) / Double(maxPoints - 1)
            points = (0..<maxPoints).map { points[min(points.count - 1, Int((Double($0) * stride).rounded()))] }
        }
        self.points = points
    }

    static func order(_ scores: [Double]) -> [Int] { scores.indices.sorted { scores[$0] > scores[$1] } }

    /// Walks the events from the highest score down, reporting each point, and returns the area.
    static func walk(order: [Int], scores: [Double], signal: [Bool], weights: [Double], point: (Double, Double) -> Void = { _, _ in }) -> Double {
        var totalS = 0.0, totalB = 0.0
        for i in scores.indices { if signal[i] { totalS += weights[i] } else { totalB += weights[i] } }
        var tp = 0.0, fp = 0.0, area = 0.0
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
            point(fp / totalB, tp / totalS)
        }
        return area
    }
}

/// Statistical uncertainties by the Poisson bootstrap: each replica multiplies every event's weight by a
/// Poisson(1) count drawn from (seed, replica, event), so replicas are reproducible and need no resampled
/// copies of the data.
public enum PoissonBootstrap {
    /// The count of event `index` in replica `replica`.
    @inlinable public static func count(seed: UInt64, replica: Int, index: Int) -> Double {
        let u = CounterRNG.uniform(CounterRNG.eventKey(CounterRNG.streamKey(seed: seed, stream: UInt64(replica)), UInt64(index)), 0)
        // Inverse CDF of Poisson(1): P(0) = P(1) = e⁻¹, P(k) = e⁻¹/k!.
        var k = 0.0, p = 0.36787944117144233, cumulative = p
        while u > cumulative && k < 20 {
            k += 1
            p /= k
            cumulative += p
        }
        return k
    }

    /// Mean and standard deviation of `statistic` over `replicas` reweightings of the events.
    public static func spread(replicas: Int, seed: UInt64, events: Int, _ statistic: ([Double]) -> Double) -> (mean: Double, error: Double) {
        let values = (0..<replicas).map { r in statistic((0..<events).map { count(seed: seed, replica: r, index: $0) }) }
        let mean = values.reduce(0, +) / Double(max(1, values.count))
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, values.count - 1))
        return (mean, variance.squareRoot())
    }
}

extension ROC {
    /// The weighted AUC and its bootstrap standard error (`replicas` Poisson replicas; the scores are sorted
    /// once). `events[i]` names the event row i belongs to, when rows share events (two weightings of the
    /// same events): they then share their bootstrap count.
    public static func areaWithError(scores: [Double], signal: [Bool], weights: [Double], events: [Int]? = nil,
                                     replicas: Int = 100, seed: UInt64 = 1) -> (area: Double, error: Double) {
        let order = order(scores)
        let area = walk(order: order, scores: scores, signal: signal, weights: weights)
        let count = (events?.max()).map { $0 + 1 } ?? scores.count
        let spread = PoissonBootstrap.spread(replicas: replicas, seed: seed, events: count) { counts in
            walk(order: order, scores: scores, signal: signal, weights: weights.indices.map { weights[$0] * counts[events?[$0] ?? $0] })
        }
        return (area, spread.error)
    }
}
