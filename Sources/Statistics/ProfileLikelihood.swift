import Foundation

/// The negative log-likelihood of a `BinnedModel` for given data, and its minimum over the free
/// parameters: Newton steps on the exact gradient and Hessian, damped (Levenberg–Marquardt) where a full
/// step would not descend, inside pyhf's default bounds.
public struct ProfileLikelihood: Sendable {
    public let model: BinnedModel
    public let data: ObservedData
    /// Bounds of μ: [0, 10] is pyhf's default for a normfactor.
    public var muBounds: ClosedRange<Double> = 0...10

    public init(model: BinnedModel, data: ObservedData) {
        self.model = model
        self.data = data
    }

    /// −ln L up to a constant: Σ [νᵢ − nᵢ − nᵢ ln(νᵢ/nᵢ)] (the Poisson terms, written against their saturated
    /// value so that large yields do not cancel digits) plus the Gaussian constraints. Infinite where a
    /// yield is not positive.
    public func negativeLogLikelihood(_ p: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<model.bins {
            let nu = model.expected(bin: i, p).nu, n = data.counts[i]
            guard nu > 0 else { return .infinity }
            sum += n > 0 ? nu - n - n * Foundation.log(nu / n) : nu
        }
        if let a = model.alphaIndex { sum += 0.5 * (p[a] - data.alphaAux) * (p[a] - data.alphaAux) }
        if model.statisticalUncertainty {
            for (i, sigma) in model.relativeStatisticalErrors.enumerated() {
                let d = p[model.gammaOffset + i] - data.gammaAux[i]
                sum += 0.5 * d * d / (sigma * sigma)
            }
        }
        return sum
    }

    /// The Hessian of −ln L has an arrow shape: each γᵢ couples only to itself and to the few head
    /// parameters (μ, α). It is kept that way — the head block, the head × γ block and the γ diagonal — so
    /// a Newton step costs O(bins), not O(bins³), however many bins a distribution has.
    struct Derivatives {
        var gradient: [Double]
        /// Head × head (μ, then α).
        var head: [[Double]]
        /// Head × γ: cross[h][i] couples head parameter h with γᵢ.
        var cross: [[Double]]
        /// ∂²/∂γᵢ².
        var diagonal: [Double]
    }

    /// Gradient and Hessian of −ln L.
    func derivatives(_ p: [Double]) -> Derivatives {
        let a = model.alphaIndex, offset = model.gammaOffset, stat = model.statisticalUncertainty
        var d = Derivatives(gradient: [Double](repeating: 0, count: model.parameterCount),
                            head: [[Double]](repeating: [Double](repeating: 0, count: offset), count: offset),
                            cross: [[Double]](repeating: [Double](repeating: 0, count: stat ? model.bins : 0), count: offset),
                            diagonal: [Double](repeating: 0, count: stat ? model.bins : 0))
        for i in 0..<model.bins {
            let e = model.expected(bin: i, p), n = data.counts[i]
            let r = 1 - n / e.nu, w = n / (e.nu * e.nu)
            // ∂νᵢ with respect to the head parameters (μ, α) and γᵢ — the only parameters νᵢ depends on.
            var head = [(0, e.gamma * model.signal[i])]
            if let a { head.append((a, e.gamma * model.background[i] * e.kappa.d1)) }
            for (j, dj) in head {
                d.gradient[j] += r * dj
                for (k, dk) in head { d.head[j][k] += w * dj * dk }
            }
            if let a { d.head[a][a] += r * e.gamma * model.background[i] * e.kappa.d2 }
            if stat {
                d.gradient[offset + i] += r * e.g
                d.diagonal[i] += w * e.g * e.g
                // ∂²νᵢ/∂γᵢ∂μ = sᵢ and ∂²νᵢ/∂γᵢ∂α = bᵢκ′.
                let second = [model.signal[i]] + (a == nil ? [] : [model.background[i] * e.kappa.d1])
                for (x, (j, dj)) in head.enumerated() { d.cross[j][i] += w * dj * e.g + r * second[x] }
            }
        }
        if let a { d.gradient[a] += p[a] - data.alphaAux; d.head[a][a] += 1 }
        if stat {
            for (i, sigma) in model.relativeStatisticalErrors.enumerated() {
                d.gradient[offset + i] += (p[offset + i] - data.gammaAux[i]) / (sigma * sigma)
                d.diagonal[i] += 1 / (sigma * sigma)
            }
        }
        return d
    }

    /// The damped Newton step for the free head parameters `free` and every γ: the γ are eliminated
    /// through their diagonal (a Schur complement), which leaves a system of at most two unknowns.
    func newtonStep(_ d: Derivatives, free: [Int], damping: Double) -> [Double]? {
        let offset = model.gammaOffset
        let diagonal = d.diagonal.map { $0 + damping * max(abs($0), 1e-12) }
        guard diagonal.allSatisfy({ $0 != 0 && $0.isFinite }) else { return nil }
        var step = [Double](repeating: 0, count: model.parameterCount)
        if !free.isEmpty {
            // (H − C D⁻¹ Cᵀ) x = −g_h + C D⁻¹ g_γ.
            let matrix = free.map { j in free.map { k in
                var v = d.head[j][k] + (j == k ? damping * max(abs(d.head[j][j]), 1e-12) : 0)
                for i in diagonal.indices { v -= d.cross[j][i] * d.cross[k][i] / diagonal[i] }
                return v
            } }
            let rhs = free.map { j in
                var v = -d.gradient[j]
                for i in diagonal.indices { v += d.cross[j][i] * d.gradient[offset + i] / diagonal[i] }
                return v
            }
            guard let x = LinearSolve.solve(matrix, rhs) else { return nil }
            for (n, j) in free.enumerated() { step[j] = x[n] }
        }
        // x_γ = D⁻¹(−g_γ − Cᵀ x_h).
        for i in diagonal.indices {
            var v = -d.gradient[offset + i]
            for j in free { v -= d.cross[j][i] * step[j] }
            step[offset + i] = v / diagonal[i]
        }
        return step.allSatisfy(\.isFinite) ? step : nil
    }

    func bounds(_ j: Int) -> ClosedRange<Double> {
        if j == 0 { return muBounds }
        if j == model.alphaIndex { return -5...5 }
        return 1e-10...10
    }

    /// The minimum of −ln L with μ free (nil) or fixed, and the parameters there.
    public func minimum(fixingMu mu: Double? = nil, from start: [Double]? = nil) -> (value: Double, parameters: [Double]) {
        var p = start ?? model.nominalParameters(mu: mu ?? 1)
        if let mu { p[0] = mu }
        p = p.indices.map { min(max(p[$0], bounds($0).lowerBound), bounds($0).upperBound) }
        let freeHead = Array((mu == nil ? 0 : 1)..<model.gammaOffset)
        let f = freeHead + Array(model.gammaOffset..<p.count)
        var value = negativeLogLikelihood(p), damping = 1e-9
        for _ in 0..<500 {
            let d = derivatives(p)
            var improved = false
            while damping < 1e12 {
                guard let step = newtonStep(d, free: freeHead, damping: damping) else { damping *= 10; continue }
                var trial = p
                for j in f { trial[j] = min(max(p[j] + step[j], bounds(j).lowerBound), bounds(j).upperBound) }
                let trialValue = negativeLogLikelihood(trial)
                if trialValue.isFinite, trialValue <= value {
                    let moved = f.contains { abs(trial[$0] - p[$0]) > 1e-12 * (1 + abs(p[$0])) }
                    let gain = value - trialValue
                    (p, value) = (trial, trialValue)
                    damping = max(damping / 10, 1e-12)
                    improved = moved && gain > 1e-13 * (1 + abs(value))
                    break
                }
                damping *= 10
            }
            if !improved { break }
        }
        return (value, p)
    }
}

/// Dense Gaussian elimination with partial pivoting, for the few dozen parameters of a binned fit.
enum LinearSolve {
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        let n = b.count
        var m = a, x = b
        for col in 0..<n {
            guard let pivot = (col..<n).max(by: { abs(m[$0][col]) < abs(m[$1][col]) }), abs(m[pivot][col]) > 1e-300 else { return nil }
            m.swapAt(col, pivot); x.swapAt(col, pivot)
            for row in (col + 1)..<n where m[row][col] != 0 {
                let factor = m[row][col] / m[col][col]
                for k in col..<n { m[row][k] -= factor * m[col][k] }
                x[row] -= factor * x[col]
            }
        }
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = x[row]
            for k in (row + 1)..<n { sum -= m[row][k] * x[k] }
            x[row] = sum / m[row][row]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }
}
