/// Weighted losses on the output, with dLoss/dz written for back-propagation.
public enum Loss {
    /// Σ wᵢ ℓᵢ and Σ wᵢ over rows of a batch, and the gradient of Σ wᵢ ℓᵢ / `normalisation` w.r.t. the
    /// output pre-activation (the logit for BCE). `normalisation` is the weight sum of the whole batch,
    /// which may be split over several workers; nil means these rows' own weight sum.
    ///
    /// BCE is evaluated from the logit z in the overflow-free form max(z,0) − z·y + log(1 + e^−|z|),
    /// whose gradient is σ(z) − y.
    public static func evaluate<T: NetworkScalar>(_ objective: Objective, workspace: Workspace<T>, count: Int,
                                                  targets: UnsafePointer<T>, weights: UnsafePointer<T>,
                                                  normalisation: Double? = nil,
                                                  writeGradient: Bool = true) -> (total: Double, weight: Double) {
        var total = 0.0, weightSum = 0.0
        for r in 0..<count { weightSum += Double(weights[r]) }
        let denominator = normalisation ?? weightSum
        guard denominator > 0 else { return (0, weightSum) }
        let norm = T(1 / denominator)
        let delta = workspace.deltas[workspace.architecture.layerCount]
        for r in 0..<count {
            let z = workspace.logit(r), y = targets[r], w = weights[r]
            switch objective {
            case .binaryCrossEntropy:
                let l = max(z, 0) - z * y + T.logOnePlus(T.exponential(-abs(z)))
                total += Double(w) * Double(l)
                if writeGradient { delta[r] = w * norm * (workspace.output(r) - y) }
            case .meanSquaredError:
                let diff = z - y
                total += Double(w) * Double(diff * diff)
                if writeGradient { delta[r] = 2 * w * norm * diff }
            }
        }
        return (total, weightSum)
    }
}
