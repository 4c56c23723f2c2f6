/// One regression tree: internal nodes split a feature at a bin (and, for raw inputs, at that bin's
/// threshold: left when x ≤ threshold); leaves hold their (already shrunk) value.
public struct Tree: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var feature: Int32
        public var bin: UInt8
        public var threshold: Double
        /// Child indices; −1 for a leaf.
        public var left: Int32
        public var right: Int32
        public var value: Double

        public var isLeaf: Bool { left < 0 }
    }

    public var nodes: [Node]

    public init(nodes: [Node]) { self.nodes = nodes }

    public var leafCount: Int { nodes.filter(\.isLeaf).count }

    /// The value for one row of raw features.
    @inline(__always) func value(_ row: UnsafePointer<Double>) -> Double {
        var n = 0
        return nodes.withUnsafeBufferPointer { nodes in
            while !nodes[n].isLeaf {
                let node = nodes[n]
                n = Int(row[Int(node.feature)] <= node.threshold ? node.left : node.right)
            }
            return nodes[n].value
        }
    }

    /// The value for row i of column-major binned data.
    @inline(__always) func value(binned: UnsafePointer<UInt8>, rows: Int, row i: Int) -> Double {
        var n = 0
        return nodes.withUnsafeBufferPointer { nodes in
            while !nodes[n].isLeaf {
                let node = nodes[n]
                n = Int(binned[Int(node.feature) * rows + i] <= node.bin ? node.left : node.right)
            }
            return nodes[n].value
        }
    }
}
