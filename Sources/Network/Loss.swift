/// Weighted losses on the output, with dLoss/dz written for back-propagation.
public enum Loss {
    /// Σ wᵢ ℓᵢ / Σ wᵢ over a batch and its gradient w.r.t. the output pre-activation (the logit for BCE).
    ///
    /// BCE is evaluated from the logit z in the overflow-free form max(z,0) − z·y + log(1 + e^−|z|),
    /// whose gradient is σ(z) − y.
    public static func evaluate<T: NetworkScalar>(_ objective: Objective, workspace: Workspace<T>, count: Int,
                                                  targets: UnsafePointer<T>, weights: UnsafePointer<T>,
                                                  writeGradient: Bool = true) -> (loss: Double, weight: Double) {
        var total = 0.0, weightSum = 0.0
        for r in 0..<count { weightSum += Double(weights[r]) }
        guard weightSum > 0 else { return (0, 0) }
        let norm = T(1 / weightSum)
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
        return (total / weightSum, weightSum)
    }
}
