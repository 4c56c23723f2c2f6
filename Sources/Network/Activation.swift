/// Element-wise non-linearities of hidden layers, and the output's link function.
public enum Activation: String, Sendable, CaseIterable {
    case relu
    case leakyRelu = "leaky-relu"
    case silu
    case sigmoid
    case identity

    @usableFromInline static let leak = 0.01

    @inlinable func apply<T: NetworkScalar>(_ z: T) -> T {
        switch self {
        case .relu: return z > 0 ? z : 0
        case .leakyRelu: return z > 0 ? z : T(Activation.leak) * z
        case .silu: return z / (1 + T.exponential(-z))
        case .sigmoid: return 1 / (1 + T.exponential(-z))
        case .identity: return z
        }
    }

    /// dσ/dz at z.
    @inlinable func derivative<T: NetworkScalar>(_ z: T) -> T {
        switch self {
        case .relu: return z > 0 ? 1 : 0
        case .leakyRelu: return z > 0 ? 1 : T(Activation.leak)
        case .silu:
            let s = 1 / (1 + T.exponential(-z))
            return s * (1 + z * (1 - s))
        case .sigmoid:
            let s = 1 / (1 + T.exponential(-z))
            return s * (1 - s)
        case .identity: return 1
        }
    }
}

/// What the network's single output means, and the loss it is trained with.
public enum Objective: String, Sendable, CaseIterable {
    /// Sigmoid output, weighted binary cross entropy: a probability.
    case binaryCrossEntropy = "bce"
    /// Linear output, weighted mean squared error: a regression.
    case meanSquaredError = "mse"

    var outputActivation: Activation { self == .binaryCrossEntropy ? .sigmoid : .identity }
}
