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

    /// Gradient and Hessian of −ln L.
    func derivatives(_ p: [Double]) -> (gradient: [Double], hessian: [[Double]]) {
        let count = model.parameterCount, a = model.alphaIndex, offset = model.gammaOffset
        var g = [Double](repeating: 0, count: count)
        var h = [[Double]](repeating: [Double](repeating: 0, count: count), count: count)
        for i in 0..<model.bins {
            let e = model.expected(bin: i, p), n = data.counts[i]
            let r = 1 - n / e.nu, w = n / (e.nu * e.nu)
            // ∂νᵢ with respect to μ, α and γᵢ (the only parameters νᵢ depends on), and the second derivatives.
            var indices = [0], first = [e.gamma * model.signal[i]]
            if let a { indices.append(a); first.append(e.gamma * model.background[i] * e.kappa.d1) }
            if model.statisticalUncertainty { indices.append(offset + i); first.append(e.g) }
            for (x, j) in indices.enumerated() {
                g[j] += r * first[x]
                for (y, k) in indices.enumerated() { h[j][k] += w * first[x] * first[y] }
            }
            if let a {
                h[a][a] += r * e.gamma * model.background[i] * e.kappa.d2
            }
            if model.statisticalUncertainty {
                let gi = offset + i
                h[0][gi] += r * model.signal[i]; h[gi][0] += r * model.signal[i]
                if let a { h[a][gi] += r * model.background[i] * e.kappa.d1; h[gi][a] += r * model.background[i] * e.kappa.d1 }
            }
        }
        if let a { g[a] += p[a] - data.alphaAux; h[a][a] += 1 }
        if model.statisticalUncertainty {
            for (i, sigma) in model.relativeStatisticalErrors.enumerated() {
                let j = offset + i
                g[j] += (p[j] - data.gammaAux[i]) / (sigma * sigma)
                h[j][j] += 1 / (sigma * sigma)
            }
        }
        return (g, h)
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
        let free = (mu == nil ? 0 : 1)..<p.count
        var value = negativeLogLikelihood(p), damping = 1e-9
        for _ in 0..<500 {
            let (g, h) = derivatives(p)
            var improved = false
            while damping < 1e12 {
                let f = Array(free)
                let matrix = f.map { j in f.map { k in h[j][k] + (j == k ? damping * max(abs(h[j][j]), 1e-12) : 0) } }
                guard let step = LinearSolve.solve(matrix, f.map { -g[$0] }) else { damping *= 10; continue }
                var trial = p
                for (x, j) in f.enumerated() { trial[j] = min(max(p[j] + step[x], bounds(j).lowerBound), bounds(j).upperBound) }
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
