import Foundation

/// What the trees fit: a binary class (log loss on the logit) or a number (squared error).
public enum BoostingLoss: String, Sendable, CaseIterable {
    case logLoss = "log-loss"
    case squaredError = "squared-error"
}

public struct BoostingSettings: Sendable, Equatable {
    public var loss = BoostingLoss.logLoss
    public var iterations = 200
    public var tree = TreeParameters()
    public var maxBins = Binning.maxBins
    /// Stop when the validation loss has not improved by `tolerance` for this many iterations; nil: never.
    public var earlyStoppingRounds: Int? = 10
    public var tolerance = 1e-7
    public var seed: UInt64 = 0
    public var threads = 2

    public init() {}
}

/// Gradient-boosted trees: the design of LightGBM and scikit-learn's HistGradientBoosting. Features are
/// binned once; each iteration fits one tree to the loss's gradients and hessians and adds it, shrunk
/// by the learning rate, to the raw prediction. Deterministic for given data, settings and thread count
/// (histograms are summed per feature, so neither the order nor the thread count changes a sum).
public struct BoostedTrees: Sendable, Equatable {
    public var loss: BoostingLoss
    public var binning: Binning
    public var baseline: Double
    public var trees: [Tree]

    public init(loss: BoostingLoss, binning: Binning, baseline: Double, trees: [Tree]) {
        self.loss = loss
        self.binning = binning
        self.baseline = baseline
        self.trees = trees
    }

    public struct History: Sendable, Equatable {
        public var trainingLoss: [Double] = []
        public var validationLoss: [Double] = []
        public var bestIteration = 0
    }

    /// Fits to `x` (row-major, `features` per row) and `y` (0/1 for log loss) with optional sample weights;
    /// with `validation`, early stopping keeps the trees up to the best validation loss.
    public static func fit(x: [Double], y: [Double], weights: [Double]? = nil, features: Int,
                           validation: (x: [Double], y: [Double], weights: [Double]?)? = nil,
                           settings: BoostingSettings, progress: (Int, Double, Double?) -> Void = { _, _, _ in },
                           shouldStop: () -> Bool = { false }) -> (BoostedTrees, History) {
        let rows = y.count
        let w = weights ?? [Double](repeating: 1, count: rows)
        let binning = Binning(x: x, features: features, weights: weights, maxBins: settings.maxBins, seed: settings.seed)
        let binned = binning.bin(x, rows: rows)
        let binCounts = binning.thresholds.map { $0.count + 1 }
        let baseline = Self.baseline(settings.loss, y, w)
        var raw = [Double](repeating: baseline, count: rows)
        var gradients = [Float](repeating: 0, count: rows), hessians = gradients
        var indices = [Int32](repeating: 0, count: rows), scratch = indices
        let validationRows = validation?.y.count ?? 0
        let validationBinned = validation.map { binning.bin($0.x, rows: validationRows) } ?? []
        var validationRaw = [Double](repeating: baseline, count: validationRows)
        var model = BoostedTrees(loss: settings.loss, binning: binning, baseline: baseline, trees: [])
        var history = History()
        var best = Double.infinity
        // The training loss curve is followed on every k-th event (at most 20 000): the full sum would cost
        // as much as a tree.
        let lossStride = max(1, rows / 20_000)

        binned.withUnsafeBufferPointer { binnedBuffer in
            let grower = TreeGrower(binned: binnedBuffer.baseAddress!, rows: rows, features: features, binCounts: binCounts,
                                    parameters: settings.tree, threads: settings.threads)
            let yFloat = y.map { Float($0) }, wFloat = w.map { Float($0) }
            for iteration in 0..<settings.iterations {
                if shouldStop() { break }
                for i in 0..<rows { indices[i] = Int32(i) }
                let (tree, leaves) = gradients.withUnsafeMutableBufferPointer { g in
                    hessians.withUnsafeMutableBufferPointer { h in
                        indices.withUnsafeMutableBufferPointer { idx in
                            scratch.withUnsafeMutableBufferPointer { s in
                                let rootHistogram = raw.withUnsafeBufferPointer { r in
                                    yFloat.withUnsafeBufferPointer { yb in
                                        wFloat.withUnsafeBufferPointer { wb in
                                            grower.gradientsAndRootHistogram(loss: settings.loss, raw: r.baseAddress!, y: yb.baseAddress!,
                                                                             w: wb.baseAddress!, g: g.baseAddress!, h: h.baseAddress!)
                                        }
                                    }
                                }
                                return grower.grow(gradients: g.baseAddress!, hessians: h.baseAddress!, rootHistogram: rootHistogram,
                                                   indices: idx.baseAddress!, count: rows, scratch: s.baseAddress!)
                            }
                        }
                    }
                }
                // Training predictions from the leaves' row ranges, no traversal needed.
                // The leaves' ranges tile indices[0..<rows]: halves of it go to the threads.
                raw.withUnsafeMutableBufferPointer { r in
                    indices.withUnsafeBufferPointer { idx in
                        let rp = r.baseAddress!, ip = idx.baseAddress!
                        let chunks = max(1, min(settings.threads, rows / 100_000))
                        DispatchQueue.concurrentPerform(iterations: chunks) { c in
                            let lo = rows * c / chunks, hi = rows * (c + 1) / chunks
                            for (range, value) in leaves {
                                for k in Swift.max(lo, range.lowerBound)..<Swift.max(Swift.max(lo, range.lowerBound), Swift.min(hi, range.upperBound)) {
                                    rp[Int(ip[k])] += value
                                }
                            }
                        }
                    }
                }
                var finished = tree
                for n in finished.nodes.indices where !finished.nodes[n].isLeaf {
                    let node = finished.nodes[n]
                    finished.nodes[n].threshold = binning.thresholds[Int(node.feature)][Int(node.bin)]
                }
                model.trees.append(finished)
                history.trainingLoss.append(Self.loss(settings.loss, raw, y, w, stride: lossStride))
                var validationLoss: Double?
                if let validation {
                    validationBinned.withUnsafeBufferPointer { vb in
                        for i in 0..<validationRows { validationRaw[i] += finished.value(binned: vb.baseAddress!, rows: validationRows, row: i) }
                    }
                    let loss = Self.loss(settings.loss, validationRaw, validation.y, validation.weights ?? [Double](repeating: 1, count: validationRows))
                    history.validationLoss.append(loss)
                    validationLoss = loss
                    if loss < best - settings.tolerance {
                        best = loss
                        history.bestIteration = iteration
                    }
                }
                progress(iteration, history.trainingLoss.last!, validationLoss)
                if let rounds = settings.earlyStoppingRounds, validation != nil, iteration - history.bestIteration >= rounds { break }
            }
        }
        if validation != nil { model.trees = Array(model.trees.prefix(history.bestIteration + 1)) }
        else { history.bestIteration = model.trees.count - 1 }
        return (model, history)
    }

    /// The raw score of each row (the logit for log loss).
    public func predictRaw(_ x: [Double], threads: Int = 1) -> [Double] {
        let features = binning.features
        let rows = x.count / max(features, 1)
        var out = [Double](repeating: baseline, count: rows)
        x.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                let o = ob.baseAddress!, base = xb.baseAddress!
                let chunks = max(1, min(threads, rows / 10_000))
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    let lo = rows * c / chunks, hi = rows * (c + 1) / chunks
                    for tree in trees {
                        for i in lo..<hi { o[i] += tree.value(base + i * features) }
                    }
                }
            }
        }
        return out
    }

    /// Probabilities for log loss, values for squared error.
    public func predict(_ x: [Double], threads: Int = 1) -> [Double] {
        let raw = predictRaw(x, threads: threads)
        return loss == .logLoss ? raw.map(Self.sigmoid) : raw
    }

    @inline(__always) static func sigmoid(_ z: Double) -> Double { z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z)) }

    static func baseline(_ loss: BoostingLoss, _ y: [Double], _ w: [Double]) -> Double {
        let sw = w.reduce(0, +), mean = zip(y, w).reduce(0) { $0 + $1.0 * $1.1 } / sw
        switch loss {
        case .squaredError: return mean
        case .logLoss:
            let p = min(max(mean, 1e-15), 1 - 1e-15)
            return log(p / (1 - p))
        }
    }

    /// e^x in single precision without a library call: 2^k · 2^f with a degree-6 polynomial for 2^f
    /// (relative error below 2·10⁻⁷, the precision the gradients are stored in).
    @inline(__always) static func fastExp(_ x: Float) -> Float {
        let t = Swift.min(Swift.max(x, -87), 88) * 1.442_695_04
        // floor(t) by truncation (SSE2 has no floor instruction; a library call would stop vectorisation).
        let truncated = Float(Int32(t))
        let k = truncated > t ? truncated - 1 : truncated, f = t - k
        var p: Float = 1.540_353_04e-4
        p = p * f + 1.333_355_81e-3
        p = p * f + 9.618_129_11e-3
        p = p * f + 5.550_410_87e-2
        p = p * f + 2.402_265_07e-1
        p = p * f + 6.931_471_82e-1
        p = p * f + 1
        return p * Float(bitPattern: UInt32(Int32(k) + 127) << 23)
    }

    /// The weighted mean loss: log loss, or half the squared error (scikit-learn's conventions).
    public static func loss(_ loss: BoostingLoss, _ raw: [Double], _ y: [Double], _ w: [Double], stride: Int = 1) -> Double {
        var sum = 0.0, sw = 0.0
        for i in Swift.stride(from: 0, to: raw.count, by: stride) {
            let l: Double
            switch loss {
            case .logLoss:
                // log(1 + e^z) − y·z, computed stably.
                let z = raw[i]
                l = (z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))) - y[i] * z
            case .squaredError:
                l = 0.5 * (raw[i] - y[i]) * (raw[i] - y[i])
            }
            sum += w[i] * l
            sw += w[i]
        }
        return sum / sw
    }
}
