import EventData
import Foundation
import Random

/// The method's simplest setting: one variable x with a falling spectrum, and a negative-weight admixture
/// that is concentrated at low x. Each event has weight ±1; the chance of −1 is f(x) = f₀·exp(−x/s), so the
/// mean weight at x is 1 − 2f(x), known exactly, and positive everywhere as long as f₀ < ½.
public struct FallingSpectrum: Sendable {
    public var slope = 1.0  // mean of the exponential spectrum of x
    public var negativeFraction = 0.4  // f₀, the chance of a negative weight at x = 0
    public var negativeScale = 0.5  // s, how fast that chance falls with x

    public init() {}

    public func negativeProbability(_ x: Double) -> Double { negativeFraction * exp(-x / negativeScale) }

    /// E[w | x]: what w′ = |w|·(2p − 1) should reproduce event by event.
    public func meanWeight(_ x: Double) -> Double { 1 - 2 * negativeProbability(x) }

    /// Columns x, weight and true_mean_weight; event i depends only on (seed, i).
    public func generate(events: Int, seed: UInt64) throws -> EventTable {
        let stream = CounterRNG.streamKey(seed: seed, stream: 0x544f_59)
        var x = [Double](repeating: 0, count: events), weight = x, mean = x
        for i in 0..<events {
            let key = CounterRNG.eventKey(stream, UInt64(i))
            x[i] = -slope * log(CounterRNG.uniform(key, 0))
            weight[i] = CounterRNG.uniform(key, 1) < negativeProbability(x[i]) ? -1 : 1
            mean[i] = meanWeight(x[i])
        }
        return try EventTable([("x", x), (EventTable.weightColumn, weight), ("true_mean_weight", mean)])
    }
}
