/// A weighted, increasing isotonic regression: the monotone step function closest to the data in
/// weighted least squares, found by pool-adjacent-violators in one pass. Predictions interpolate
/// linearly between the fitted points and are clipped outside the fitted range.
///
/// Follows scikit-learn's `IsotonicRegression(out_of_bounds="clip")` step for step (zero weights
/// dropped, ties in x pooled, redundant points of flat stretches removed), so the two agree to rounding.
public struct IsotonicRegression: Sendable, Equatable {
    /// The knots: increasing x, non-decreasing y.
    public private(set) var x: [Double]
    public private(set) var y: [Double]

    public init(knotsX: [Double], knotsY: [Double]) {
        x = knotsX
        y = knotsY
    }

    /// Fits y on x with non-negative weights.
    public init(x input: [Double], y target: [Double], weights: [Double]? = nil) {
        precondition(input.count == target.count, "x and y differ in length")
        struct Point { var x, y, w: Double }
        var points: [Point] = []
        points.reserveCapacity(input.count)
        for i in input.indices where (weights?[i] ?? 1) > 0 { points.append(Point(x: input[i], y: target[i], w: weights?[i] ?? 1)) }
        // Sorted by x, then y (numpy's lexsort((y, X))); sorting the points themselves keeps memory access local.
        points.sort { $0.x != $1.x ? $0.x < $1.x : $0.y < $1.y }
        var ux: [Double] = [], uy: [Double] = [], uw: [Double] = []
        ux.reserveCapacity(points.count)
        // Pool points closer than float64's resolution (1e-15), as scikit-learn's _make_unique does.
        var groupX = 0.0, sumWY = 0.0, sumW = 0.0, open = false
        for point in points {
            let xi = point.x, w = point.w
            if open && xi - groupX < 1e-15 {
                sumWY += w * point.y
                sumW += w
            } else {
                if open { ux.append(groupX); uy.append(sumWY / sumW); uw.append(sumW) }
                groupX = xi
                sumWY = w * point.y
                sumW = w
                open = true
            }
        }
        if open { ux.append(groupX); uy.append(sumWY / sumW); uw.append(sumW) }
        Self.poolAdjacentViolators(&uy, &uw)
        // Keep the ends of every flat stretch only: interpolation between them is the same.
        var keptX: [Double] = [], keptY: [Double] = []
        for i in 0..<uy.count where i == 0 || i == uy.count - 1 || uy[i] != uy[i - 1] || uy[i] != uy[i + 1] {
            keptX.append(ux[i])
            keptY.append(uy[i])
        }
        x = keptX
        y = keptY
    }

    /// The weighted PAVA of scikit-learn's `_inplace_contiguous_isotonic_regression`, in place.
    static func poolAdjacentViolators(_ y: inout [Double], _ w: inout [Double]) {
        let n = y.count
        guard n > 1 else { return }
        // target[i]: the last index of the block that starts at i (and the first, at its last index).
        var target = Array(0..<n)
        var i = 0
        while i < n {
            var k = target[i] + 1
            if k == n { break }
            if y[i] < y[k] { i = k; continue }
            var sumWY = w[i] * y[i], sumW = w[i]
            while true {
                let previous = y[k]
                sumWY += w[k] * y[k]
                sumW += w[k]
                k = target[k] + 1
                if k == n || previous < y[k] {
                    y[i] = sumWY / sumW
                    w[i] = sumW
                    target[i] = k - 1
                    target[k - 1] = i
                    if i > 0 { i = target[i - 1] }
                    break
                }
            }
        }
        i = 0
        while i < n {
            let k = target[i] + 1
            for j in (i + 1)..<max(k, i + 1) { y[j] = y[i] }
            i = k
        }
    }

    /// The fitted function at `value`: linear between knots, clipped outside them.
    public func predict(_ value: Double) -> Double {
        guard let first = x.first, let last = x.last else { return .nan }
        if value <= first { return y[0] }
        if value >= last { return y[y.count - 1] }
        var lo = 0, hi = x.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if x[mid] <= value { lo = mid } else { hi = mid }
        }
        if x[hi] == x[lo] { return y[hi] }
        // numpy.interp's formula, for agreement to the last bits.
        let slope = (y[hi] - y[lo]) / (x[hi] - x[lo])
        return slope * (value - x[lo]) + y[lo]
    }

    public func predict(_ values: [Double]) -> [Double] { values.map(predict) }
}
