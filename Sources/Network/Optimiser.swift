/// How the learning rate changes over the epochs (powers and cosines are `PortableMath`'s: the same on every CPU).
public enum Schedule: Sendable, Equatable {
    case constant
    /// lr · decay^epoch.
    case exponential(decay: Double)
    /// lr · ½(1 + cos(π · epoch / epochs)).
    case cosine

    public func rate(_ base: Double, epoch: Int, epochs: Int) -> Double {
        switch self {
        case .constant: return base
        case .exponential(let decay): return base * PortableMath.power(decay, max(epoch, 0))
        case .cosine: return base * 0.5 * (1 + PortableMath.cosPi(Double(epoch) / Double(max(epochs, 1))))
        }
    }
}

/// Adam with decoupled weight decay (AdamW): a few lines over flat parameter and gradient vectors.
public struct Adam<T: NetworkScalar> {
    public var beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    public var weightDecay: Double
    var m: [T], v: [T]
    var step = 0

    public init(parameterCount: Int, weightDecay: Double = 0) {
        self.weightDecay = weightDecay
        m = [T](repeating: 0, count: parameterCount)
        v = [T](repeating: 0, count: parameterCount)
    }

    public mutating func update(_ parameters: inout [T], gradient: UnsafePointer<T>, learningRate: Double) {
        step += 1
        let b1 = T(beta1), b2 = T(beta2), eps = T(epsilon)
        let c1 = T(1 / (1 - PortableMath.power(beta1, step))), c2 = T(1 / (1 - PortableMath.power(beta2, step)))
        let lr = T(learningRate), decay = T(learningRate * weightDecay)
        let count = parameters.count
        parameters.withUnsafeMutableBufferPointer { p in
            m.withUnsafeMutableBufferPointer { m in
                v.withUnsafeMutableBufferPointer { v in
                    for k in 0..<count {
                        let g = gradient[k]
                        m[k] = b1 * m[k] + (1 - b1) * g
                        v[k] = b2 * v[k] + (1 - b2) * g * g
                        p[k] -= lr * (m[k] * c1) / (T.squareRoot(v[k] * c2) + eps) + decay * p[k]
                    }
                }
            }
        }
    }
}
