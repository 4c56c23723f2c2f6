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

    /// A histogram bin as accumulated over one chunk (at most 62 500 rows): single precision keeps every
    /// feature's bins in L1 together; chunks are summed in double precision.
    struct RawBin {
        var g: Float = 0
        var h: Float = 0
        var count: UInt32 = 0
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
    func grow(gradients: UnsafePointer<Float>, hessians: UnsafePointer<Float>, rootHistogram: [Bin], indices: UnsafeMutablePointer<Int32>,
              count: Int, scratch: UnsafeMutablePointer<Int32>) -> (Tree, [(Range<Int>, Double)]) {
        var nodes: [Tree.Node] = [Tree.Node(feature: 0, bin: 0, threshold: 0, left: -1, right: -1, value: 0)]
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
            // Children that will never be split need no histograms (the last split, or both too small).
            let childrenMaySplit = leaves + 1 < parameters.maxLeaves
                && max(split.left.count, split.right.count) >= 2 * parameters.minSamplesLeaf
            var smallHistogram: [Bin] = [], largeHistogram: [Bin] = []
            if childrenMaySplit {
                smallHistogram = histogram(indices, small.0, small.1, gradients, hessians)
                largeHistogram = parent.histogram
                for i in 0..<largeHistogram.count {
                    largeHistogram[i].g -= smallHistogram[i].g
                    largeHistogram[i].h -= smallHistogram[i].h
                    largeHistogram[i].count -= smallHistogram[i].count
                }
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
                child.split = childrenMaySplit ? bestSplit(child) : nil
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

    /// The gradients and hessians of every row from the current raw predictions, and in the same pass
    /// the root's histogram: one sweep over the rows instead of two.
    func gradientsAndRootHistogram(loss: BoostingLoss, raw: UnsafePointer<Double>, y: UnsafePointer<Float>, w: UnsafePointer<Float>,
                                   g: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>) -> [Bin] {
        chunkedHistogram(rows: rows) { range, hist in
            switch loss {
            case .logLoss:
                for i in range {
                    let p = 1 / (1 + BoostedTrees.fastExp(-Float(raw[i])))
                    g[i] = w[i] * (p - y[i])
                    h[i] = w[i] * p * (1 - p)
                }
            case .squaredError:
                for i in range {
                    g[i] = w[i] * (Float(raw[i]) - y[i])
                    h[i] = w[i]
                }
            }
            for i in range { add(row: i, g[i], h[i], to: hist) }
        }
    }

    /// Per feature, the sums of gradients, hessians and counts in each bin, over indices[start..<end].
    func histogram(_ indices: UnsafeMutablePointer<Int32>, _ start: Int, _ end: Int,
                   _ g: UnsafePointer<Float>, _ h: UnsafePointer<Float>) -> [Bin] {
        let idx = indices + start
        return chunkedHistogram(rows: end - start) { range, hist in
            for k in range {
                let i = Int(idx[k])
                add(row: i, g[i], h[i], to: hist)
            }
        }
    }

    /// How many chunks a node of `n` rows is summed in: up to 16 for parallelism, more so that no
    /// single-precision partial sum covers more than 65 536 rows. Depends on n only.
    static func chunks(_ n: Int) -> Int { max(1, min(16, n / 4096), (n + 65_535) / 65_536) }

    /// A node's histogram from `fill`, which adds the node's rows `range` (positions 0..<n) into a chunk's
    /// partial histogram. The chunking depends only on n and the partials are summed in chunk order, so
    /// the sums — and the trees — are the same for any number of threads.
    @inline(__always) func chunkedHistogram(rows n: Int, _ fill: (Range<Int>, UnsafeMutablePointer<RawBin>) -> Void) -> [Bin] {
        let chunks = Self.chunks(n)
        let size = features * Self.stride
        let partial = UnsafeMutablePointer<RawBin>.allocate(capacity: chunks * size)
        partial.initialize(repeating: RawBin(), count: chunks * size)
        defer { partial.deallocate() }
        func fillChunk(_ c: Int) { fill((n * c / chunks)..<(n * (c + 1) / chunks), partial + c * size) }
        if threads > 1 && chunks > 1 {
            let lanes = min(threads, chunks)
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                var c = lane
                while c < chunks { fillChunk(c); c += lanes }
            }
        } else {
            for c in 0..<chunks { fillChunk(c) }
        }
        var result = [Bin](repeating: Bin(), count: size)
        for c in 0..<chunks {
            let hist = partial + c * size
            for j in 0..<size {
                result[j].g += Double(hist[j].g)
                result[j].h += Double(hist[j].h)
                result[j].count += Int(hist[j].count)
            }
        }
        return result
    }

    /// Adds row i to every feature's histogram. Rows are the outer loop and features the inner one, so
    /// each gradient is read once and every feature's 256 bins stay in cache.
    @inline(__always) func add(row i: Int, _ g: Float, _ h: Float, to hist: UnsafeMutablePointer<RawBin>) {
        var column = binned + i
        var bins = hist
        for _ in 0..<features {
            let b = Int(column.pointee)
            bins[b].g += g
            bins[b].h += h
            bins[b].count &+= 1
            column += rows
            bins += Self.stride
        }
    }

    /// The best split of a leaf over every feature and bin boundary, or nil if none gains.
    func bestSplit(_ leaf: Leaf) -> Split? {
        if leaf.histogram.isEmpty { return nil }
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
    /// Large nodes are split into chunks partitioned side by side, then stitched in chunk order.
    func partition(_ indices: UnsafeMutablePointer<Int32>, _ scratch: UnsafeMutablePointer<Int32>, _ start: Int, _ end: Int,
                   feature: Int, bin: Int) -> Int {
        let column = binned + feature * rows
        let n = end - start
        let chunks = threads > 1 && n > 20_000 ? threads : 1
        var leftCounts = [Int](repeating: 0, count: chunks)
        leftCounts.withUnsafeMutableBufferPointer { counts in
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = start + n * c / chunks, hi = start + n * (c + 1) / chunks
                // Left rows to the scratch's front of this chunk, right rows to its back (reversed later).
                var l = lo, r = hi
                for k in lo..<hi {
                    let i = indices[k]
                    if Int(column[Int(i)]) <= bin { scratch[l] = i; l += 1 } else { r -= 1; scratch[r] = i }
                }
                counts[c] = l - lo
            }
        }
        var left = start
        for c in 0..<chunks {
            let lo = start + n * c / chunks
            (indices + left).update(from: scratch + lo, count: leftCounts[c])
            left += leftCounts[c]
        }
        var right = left
        for c in 0..<chunks {
            let lo = start + n * c / chunks, hi = start + n * (c + 1) / chunks
            let count = hi - lo - leftCounts[c]
            for j in 0..<count { indices[right + j] = scratch[hi - 1 - j] }
            right += count
        }
        return left
    }
}
