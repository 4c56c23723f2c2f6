import Foundation

/// Hyper-parameters of one tree.
public struct TreeParameters: Sendable, Equatable {
    public var maxLeaves = 31
    public var maxDepth: Int? = nil
    public var minSamplesLeaf = 20
    public var l2 = 0.0
    public var minHessianToSplit = 1e-3
    public var learningRate = 0.1

    public init() {}
}

/// Grows one tree leaf-wise (best gain first) on binned data, from per-sample gradients and hessians:
/// per-node gradient/hessian histograms per feature, the larger child's histogram as parent minus the
/// smaller's (the subtraction trick), the best split by the second-order gain with L2 regularisation.
struct TreeGrower {
    struct Bin {
        var g = 0.0
        var h = 0.0
        var count = 0
    }

    struct Split {
        var gain: Double
        var feature: Int
        var bin: Int
        var left: Bin
        var right: Bin
    }

    final class Leaf {
        let start: Int, end: Int
        let sum: Bin
        let depth: Int
        var histogram: [Bin]
        var split: Split?
        var node: Int

        init(start: Int, end: Int, sum: Bin, depth: Int, histogram: [Bin], node: Int) {
            self.start = start
            self.end = end
            self.sum = sum
            self.depth = depth
            self.histogram = histogram
            self.node = node
        }
    }

    let binned: UnsafePointer<UInt8>
    let rows: Int
    let features: Int
    let binCounts: [Int]
    let parameters: TreeParameters
    let threads: Int
    static let stride = 256

    /// Grows a tree over the rows in `indices` (reordered in place so that each leaf's rows are contiguous);
    /// returns the tree and, per leaf, its row range in `indices` and value.
    func grow(gradients: UnsafePointer<Double>, hessians: UnsafePointer<Double>, indices: UnsafeMutablePointer<Int32>, count: Int,
              scratch: UnsafeMutablePointer<Int32>) -> (Tree, [(Range<Int>, Double)]) {
        var nodes: [Tree.Node] = [Tree.Node(feature: 0, bin: 0, threshold: 0, left: -1, right: -1, value: 0)]
        let rootHistogram = histogram(indices, 0, count, gradients, hessians)
        var total = Bin()
        for b in 0..<binCounts[0] { total.g += rootHistogram[b].g; total.h += rootHistogram[b].h; total.count += rootHistogram[b].count }
        let root = Leaf(start: 0, end: count, sum: total, depth: 0, histogram: rootHistogram, node: 0)
        root.split = bestSplit(root)
        var open: [Leaf] = [root]  // splittable or not, every current leaf
        var leaves = 1
        while leaves < parameters.maxLeaves {
            guard let index = open.indices.filter({ open[$0].split != nil }).max(by: { open[$0].split!.gain < open[$1].split!.gain }) else { break }
            let parent = open.remove(at: index)
            let split = parent.split!
            let middle = partition(indices, scratch, parent.start, parent.end, feature: split.feature, bin: split.bin)
            let leftIsSmaller = middle - parent.start <= parent.end - middle
            let small = leftIsSmaller ? (parent.start, middle) : (middle, parent.end)
            let smallHistogram = histogram(indices, small.0, small.1, gradients, hessians)
            var largeHistogram = parent.histogram
            for i in 0..<largeHistogram.count {
                largeHistogram[i].g -= smallHistogram[i].g
                largeHistogram[i].h -= smallHistogram[i].h
                largeHistogram[i].count -= smallHistogram[i].count
            }
            parent.histogram = []
            let leftNode = nodes.count, rightNode = nodes.count + 1
            nodes.append(Tree.Node(feature: 0, bin: 0, threshold: 0, left: -1, right: -1, value: 0))
            nodes.append(Tree.Node(feature: 0, bin: 0, threshold: 0, left: -1, right: -1, value: 0))
            nodes[parent.node].feature = Int32(split.feature)
            nodes[parent.node].bin = UInt8(split.bin)
            nodes[parent.node].left = Int32(leftNode)
            nodes[parent.node].right = Int32(rightNode)
            let left = Leaf(start: parent.start, end: middle, sum: split.left, depth: parent.depth + 1,
                            histogram: leftIsSmaller ? smallHistogram : largeHistogram, node: leftNode)
            let right = Leaf(start: middle, end: parent.end, sum: split.right, depth: parent.depth + 1,
                             histogram: leftIsSmaller ? largeHistogram : smallHistogram, node: rightNode)
            leaves += 1
            for child in [left, right] {
                child.split = leaves < parameters.maxLeaves ? bestSplit(child) : nil
                open.append(child)
            }
        }
        var ranges: [(Range<Int>, Double)] = []
        for leaf in open {
            let value = -parameters.learningRate * leaf.sum.g / (leaf.sum.h + parameters.l2)
            nodes[leaf.node].value = value
            ranges.append((leaf.start..<leaf.end, value))
        }
        return (Tree(nodes: nodes), ranges)
    }

    /// Per feature, the sums of gradients, hessians and counts in each bin, over indices[start..<end].
    func histogram(_ indices: UnsafeMutablePointer<Int32>, _ start: Int, _ end: Int,
                   _ g: UnsafePointer<Double>, _ h: UnsafePointer<Double>) -> [Bin] {
        var result = [Bin](repeating: Bin(), count: features * Self.stride)
        let n = end - start
        // Gradients in the node's order first, so the per-feature loops read them sequentially.
        let ordered = UnsafeMutablePointer<Double>.allocate(capacity: 2 * max(n, 1))
        defer { ordered.deallocate() }
        for k in 0..<n {
            let i = Int(indices[start + k])
            ordered[2 * k] = g[i]
            ordered[2 * k + 1] = h[i]
        }
        result.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            let work = { (f: Int) in
                let hist = base + f * Self.stride
                let column = self.binned + f * self.rows
                for k in 0..<n {
                    let b = Int(column[Int(indices[start + k])])
                    hist[b].g += ordered[2 * k]
                    hist[b].h += ordered[2 * k + 1]
                    hist[b].count += 1
                }
            }
            if threads > 1 && n > 20_000 {
                let lanes = min(threads, features)
                DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                    var f = lane
                    while f < features { work(f); f += lanes }
                }
            } else {
                for f in 0..<features { work(f) }
            }
        }
        return result
    }

    /// The best split of a leaf over every feature and bin boundary, or nil if none gains.
    func bestSplit(_ leaf: Leaf) -> Split? {
        if let maxDepth = parameters.maxDepth, leaf.depth >= maxDepth { return nil }
        if leaf.sum.count < 2 * parameters.minSamplesLeaf { return nil }
        let lambda = parameters.l2
        let parentScore = leaf.sum.g * leaf.sum.g / (leaf.sum.h + lambda)
        var best: Split?
        leaf.histogram.withUnsafeBufferPointer { hist in
            for f in 0..<features {
                var left = Bin()
                let h = hist.baseAddress! + f * Self.stride
                for b in 0..<(binCounts[f] - 1) {
                    left.g += h[b].g
                    left.h += h[b].h
                    left.count += h[b].count
                    if left.count < parameters.minSamplesLeaf || left.h < parameters.minHessianToSplit { continue }
                    let right = Bin(g: leaf.sum.g - left.g, h: leaf.sum.h - left.h, count: leaf.sum.count - left.count)
                    if right.count < parameters.minSamplesLeaf { break }
                    if right.h < parameters.minHessianToSplit { continue }
                    let gain = left.g * left.g / (left.h + lambda) + right.g * right.g / (right.h + lambda) - parentScore
                    if gain > (best?.gain ?? 0) { best = Split(gain: gain, feature: f, bin: b, left: left, right: right) }
                }
            }
        }
        return best
    }

    /// Reorders indices[start..<end] so rows with bin ≤ `bin` come first (stable); returns the boundary.
    func partition(_ indices: UnsafeMutablePointer<Int32>, _ scratch: UnsafeMutablePointer<Int32>, _ start: Int, _ end: Int,
                   feature: Int, bin: Int) -> Int {
        let column = binned + feature * rows
        var l = start, r = 0
        for k in start..<end {
            let i = indices[k]
            if Int(column[Int(i)]) <= bin { indices[l] = i; l += 1 } else { scratch[r] = i; r += 1 }
        }
        (indices + l).update(from: scratch, count: r)
        return l
    }
}
