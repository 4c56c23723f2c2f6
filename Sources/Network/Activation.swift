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

extension Activation {
    /// a = σ(z) over a buffer (a may be z). One loop per activation, so the loop body has no branch
    /// on the kind and the compiler can vectorise it.
    @inlinable func apply<T: NetworkScalar>(_ z: UnsafeMutablePointer<T>, into a: UnsafeMutablePointer<T>, count: Int) {
        switch self {
        case .relu:
            if T.self == Float.self {
                return SIMDLoops.relu(UnsafeMutableRawPointer(z).assumingMemoryBound(to: Float.self),
                                      UnsafeMutableRawPointer(a).assumingMemoryBound(to: Float.self), count)
            }
            for k in 0..<count { a[k] = Swift.max(z[k], 0) }
        case .leakyRelu:
            let leak = T(Activation.leak)
            for k in 0..<count { a[k] = z[k] > 0 ? z[k] : leak * z[k] }
        case .identity: if a != z { a.update(from: z, count: count) }
        case .silu, .sigmoid: for k in 0..<count { a[k] = apply(z[k]) }
        }
    }

    /// δ ← δ ⊙ σ'(z) over a buffer.
    @inlinable func multiplyByDerivative<T: NetworkScalar>(_ delta: UnsafeMutablePointer<T>, at z: UnsafeMutablePointer<T>, count: Int) {
        switch self {
        case .relu:
            if T.self == Float.self {
                return SIMDLoops.reluGradient(UnsafeMutableRawPointer(delta).assumingMemoryBound(to: Float.self),
                                              UnsafeMutableRawPointer(z).assumingMemoryBound(to: Float.self), count)
            }
            for k in 0..<count { delta[k] = z[k] > 0 ? delta[k] : 0 }
        case .leakyRelu:
            let leak = T(Activation.leak)
            for k in 0..<count { delta[k] = z[k] > 0 ? delta[k] : leak * delta[k] }
        case .identity: break
        case .silu, .sigmoid: for k in 0..<count { delta[k] *= derivative(z[k]) }
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

/// The hot element-wise loops for Float, written with SIMD vectors: the compiler does not vectorise
/// the plain loops itself because the buffers may overlap.
@usableFromInline enum SIMDLoops {
    @usableFromInline static func relu(_ z: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>, _ count: Int) {
        let zero = SIMD16<Float>(repeating: 0)
        var k = 0
        while k + 16 <= count {
            let v = UnsafeRawPointer(z + k).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(a + k).storeBytes(of: v.replacing(with: zero, where: v .< zero), as: SIMD16<Float>.self)
            k += 16
        }
        while k < count { a[k] = Swift.max(z[k], 0); k += 1 }
    }

    @usableFromInline static func reluGradient(_ delta: UnsafeMutablePointer<Float>, _ z: UnsafeMutablePointer<Float>, _ count: Int) {
        let zero = SIMD16<Float>(repeating: 0)
        var k = 0
        while k + 16 <= count {
            let v = UnsafeRawPointer(z + k).loadUnaligned(as: SIMD16<Float>.self)
            let d = UnsafeRawPointer(delta + k).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(delta + k).storeBytes(of: d.replacing(with: zero, where: v .<= zero), as: SIMD16<Float>.self)
            k += 16
        }
        while k < count { delta[k] = z[k] > 0 ? delta[k] : 0; k += 1 }
    }
}
