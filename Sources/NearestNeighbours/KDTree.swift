/// A k-d tree over points in d dimensions (Euclidean distance), for the k nearest neighbours of a point.
///
/// Built once by median splits on the widest dimension; the points stay in one flat row-major array in
/// tree order, so a query touches contiguous memory. Ties in distance are broken by the point's index,
/// so results are the same whatever order the search visits the leaves in.
public struct KDTree: Sendable {
    public let dimensions: Int
    public var count: Int { indices.count }

    /// The points in tree order (row-major) and their indices in the input.
    private let points: [Double]
    private let indices: [Int]
    private let nodes: [Node]

    /// A node covers `start..<end` of the tree order; inner nodes split it at `split` on `dimension`.
    private struct Node: Sendable {
        var start: Int
        var end: Int
        var dimension: Int
        var value: Double
        var left: Int
        var right: Int
    }

    static let leafSize = 16

    /// `points`: row-major, `dimensions` values per point.
    public init(points input: [Double], dimensions: Int) {
        precondition(dimensions > 0 && input.count % dimensions == 0, "points must hold whole rows")
        self.dimensions = dimensions
        let n = input.count / dimensions
        var order = Array(0..<n)
        var nodes: [Node] = []
        nodes.reserveCapacity(max(1, 2 * n / Self.leafSize + 1))

        func build(_ start: Int, _ end: Int) -> Int {
            let id = nodes.count
            nodes.append(Node(start: start, end: end, dimension: -1, value: 0, left: -1, right: -1))
            guard end - start > Self.leafSize else { return id }
            // The widest dimension of this box.
            var best = 0, widest = -1.0
            for j in 0..<dimensions {
                var lo = Double.infinity, hi = -Double.infinity
                for i in start..<end {
                    let v = input[order[i] * dimensions + j]
                    lo = min(lo, v); hi = max(hi, v)
                }
                if hi - lo > widest { widest = hi - lo; best = j }
            }
            guard widest > 0 else { return id }  // every point equal: a leaf, however large
            let middle = (start + end) / 2
            Self.select(&order, start, end, middle) { (input[$0 * dimensions + best], $0) }
            let split = input[order[middle] * dimensions + best]
            let left = build(start, middle)
            let right = build(middle, end)
            nodes[id].dimension = best
            nodes[id].value = split
            nodes[id].left = left
            nodes[id].right = right
            return id
        }
        _ = build(0, n)
        var flat = [Double](repeating: 0, count: input.count)
        for (position, index) in order.enumerated() {
            for j in 0..<dimensions { flat[position * dimensions + j] = input[index * dimensions + j] }
        }
        points = flat
        indices = order
        self.nodes = nodes
    }

    /// Quickselect: puts the element of rank `k` (by `key`, a total order) at `k`, smaller keys before it.
    private static func select(_ a: inout [Int], _ start: Int, _ end: Int, _ k: Int, key: (Int) -> (Double, Int)) {
        var lo = start, hi = end - 1
        while lo < hi {
            let pivot = key(a[(lo + hi) / 2])
            var i = lo, j = hi
            while i <= j {
                while key(a[i]) < pivot { i += 1 }
                while pivot < key(a[j]) { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return }
        }
    }

    /// The `k` nearest points to `query` (input indices and squared distances), nearest first.
    public func nearest(to query: [Double], k: Int) -> [(index: Int, distanceSquared: Double)] {
        precondition(query.count == dimensions)
        guard k > 0, count > 0 else { return [] }
        var heap = NeighbourHeap(capacity: min(k, count))
        search(0, query, &heap)
        return heap.sorted()
    }

    private func search(_ id: Int, _ query: [Double], _ heap: inout NeighbourHeap) {
        let node = nodes[id]
        if node.dimension < 0 {
            for position in node.start..<node.end {
                var d = 0.0
                let base = position * dimensions
                for j in 0..<dimensions {
                    let t = points[base + j] - query[j]
                    d += t * t
                }
                heap.offer(index: indices[position], distanceSquared: d)
            }
            return
        }
        let delta = query[node.dimension] - node.value
        let (near, far) = delta < 0 ? (node.left, node.right) : (node.right, node.left)
        search(near, query, &heap)
        // Equal distances must be visited too, for the index tie-break.
        if !heap.isFull || delta * delta <= heap.worst { search(far, query, &heap) }
    }
}

/// The k best (smallest distance, then smallest index) candidates so far: a max-heap on that order.
struct NeighbourHeap {
    private var items: [(index: Int, distanceSquared: Double)] = []
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        items.reserveCapacity(capacity)
    }

    var isFull: Bool { items.count == capacity }
    var worst: Double { items[0].distanceSquared }

    private static func before(_ a: (index: Int, distanceSquared: Double), _ b: (index: Int, distanceSquared: Double)) -> Bool {
        a.distanceSquared < b.distanceSquared || (a.distanceSquared == b.distanceSquared && a.index < b.index)
    }

    mutating func offer(index: Int, distanceSquared: Double) {
        let item = (index, distanceSquared)
        if items.count < capacity {
            items.append(item)
            var child = items.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.before(items[parent], items[child]) else { break }
                items.swapAt(parent, child)
                child = parent
            }
        } else if Self.before(item, items[0]) {
            items[0] = item
            var parent = 0
            while true {
                let l = 2 * parent + 1, r = l + 1
                var largest = parent
                if l < items.count && Self.before(items[largest], items[l]) { largest = l }
                if r < items.count && Self.before(items[largest], items[r]) { largest = r }
                guard largest != parent else { break }
                items.swapAt(parent, largest)
                parent = largest
            }
        }
    }

    func sorted() -> [(index: Int, distanceSquared: Double)] { items.sorted(by: Self.before) }
}
