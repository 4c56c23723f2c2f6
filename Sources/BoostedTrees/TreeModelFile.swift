import Foundation
import ModelContainer

/// Trained trees as stored: the model, the feature names it reads, and free-form notes (the fold …).
public struct StoredTrees: Sendable, Equatable {
    public var model: BoostedTrees
    public var features: [String]
    public var notes: [String: String]

    public init(model: BoostedTrees, features: [String], notes: [String: String] = [:]) {
        self.model = model
        self.features = features
        self.notes = notes
    }
}

/// The `.flowgbt` model file: a `ModelContainer` of kind "trees" (see it for the framing) holding one or
/// more models (the folds of a cross-fitted model). The header's metadata is
///
///     {"models":[{"features":["a","b"],"loss":"log-loss","notes":{"fold":"0"},
///                 "thresholds":[254,254],"trees":[31,29,…]}, …]}
///
/// ("thresholds": each feature's number of bin thresholds; "trees": each tree's number of nodes, ≥ 1),
/// and model i has these sections, in this order (N: the nodes of all its trees, tree after tree):
///
///     "i/baseline"    f64 × 1: the raw score before any tree, finite
///     "i/thresholds"  f64 × Σ thresholds: each feature's bin thresholds, feature after feature, ascending, not NaN
///     "i/feature"     i32 × N: a split's feature
///     "i/bin"         u8 × N: a split's bin (below the feature's threshold count)
///     "i/threshold"   f64 × N: a split's threshold (a row goes left when x[feature] ≤ threshold), not NaN
///     "i/left"        i32 × N: a split's left child, a later node of the same tree; −1 for a leaf
///     "i/right"       i32 × N: likewise the right child; −1 for a leaf
///     "i/value"       f64 × N: a leaf's value, finite
///
/// Node 0 of a tree is its root. There must be one feature name per binned feature. Models read back bit for bit.
public enum TreeModelFile {
    /// Whether the file at `path` is a trees model file (by its kind tag, whatever its version).
    public static func isTreeFile(_ path: String) -> Bool {
        ModelContainer.kind(ofFileAt: path) == .trees
    }

    /// The file's bytes; `write` also checks that they read back.
    public static func encode(_ models: [StoredTrees]) throws -> Data {
        Data(container(models).encoded())
    }

    static func container(_ models: [StoredTrees]) -> ModelContainer {
        var container = ModelContainer(kind: .trees, metadata: .object([:]))
        var entries: [HeaderValue] = []
        for (i, stored) in models.enumerated() {
            let m = stored.model
            entries.append(.object([
                "loss": .string(m.loss.rawValue),
                "features": .array(stored.features.map(HeaderValue.string)),
                "notes": .object(stored.notes.mapValues(HeaderValue.string)),
                "thresholds": .array(m.binning.thresholds.map { .int($0.count) }),
                "trees": .array(m.trees.map { .int($0.nodes.count) }),
            ]))
            let nodes = m.trees.flatMap(\.nodes)
            container.append("\(i)/baseline", [m.baseline])
            container.append("\(i)/thresholds", m.binning.thresholds.flatMap { $0 })
            container.append("\(i)/feature", nodes.map(\.feature))
            container.append("\(i)/bin", nodes.map(\.bin))
            container.append("\(i)/threshold", nodes.map(\.threshold))
            container.append("\(i)/left", nodes.map(\.left))
            container.append("\(i)/right", nodes.map(\.right))
            container.append("\(i)/value", nodes.map(\.value))
        }
        container.metadata = .object(["models": .array(entries)])
        return container
    }

    /// Writes the models, refusing any the reader would refuse (a non-finite leaf value, a child index
    /// out of its tree, shapes that disagree).
    public static func write(_ models: [StoredTrees], to path: String) throws {
        try container(models).write(to: path) { _ = try decode($0, path: path) }
    }

    public static func read(_ path: String) throws -> [StoredTrees] {
        try decode(ModelContainer.read(path, expecting: .trees))
    }

    public static func decode(_ bytes: [UInt8], path: String) throws -> [StoredTrees] {
        try decode(ModelContainer.decode(bytes, path: path, expecting: .trees))
    }

    static func decode(_ container: ModelContainer) throws -> [StoredTrees] {
        var sections = container.sectionCursor()
        let models = try container.header.field("models").array().enumerated().map { i, entry -> StoredTrees in
            let loss = try entry.field("loss").oneOf(BoostingLoss.self)
            let features = try entry.field("features").strings()
            let notes = try entry.field("notes").stringMap()
            let thresholdCounts = try entry.field("thresholds").ints(atLeast: 0)
            let nodeCounts = try entry.field("trees").ints(atLeast: 1)
            guard features.count == thresholdCounts.count else {
                throw container.failure("header: model \(i) names \(features.count) features, its binning has \(thresholdCounts.count)", at: container.headerOffset)
            }
            guard let thresholdTotal = sum(thresholdCounts), let nodeTotal = sum(nodeCounts) else {
                throw container.failure("header: model \(i)'s shapes are too large", at: container.headerOffset)
            }
            func fail(_ section: String, _ k: Int, _ size: Int, at base: Int, _ problem: String) -> ModelContainerError {
                container.failure("section \"\(i)/\(section)\": element \(k) \(problem)", at: base + size * k)
            }

            let (baselines, baselineAt) = try sections.next("\(i)/baseline", Double.self, count: 1)
            guard baselines[0].isFinite else { throw fail("baseline", 0, 8, at: baselineAt, "is \(baselines[0]); the baseline must be finite") }
            let (flat, thresholdsAt) = try sections.next("\(i)/thresholds", Double.self, count: thresholdTotal)
            var thresholds: [[Double]] = [], start = 0
            for n in thresholdCounts {
                for k in start..<start + n where flat[k].isNaN || (k > start && flat[k] < flat[k - 1]) {
                    throw fail("thresholds", k, 8, at: thresholdsAt, flat[k].isNaN ? "is NaN" : "is below the one before it; thresholds ascend")
                }
                thresholds.append(Array(flat[start..<start + n]))
                start += n
            }
            let (feature, featureAt) = try sections.next("\(i)/feature", Int32.self, count: nodeTotal)
            let (bin, binAt) = try sections.next("\(i)/bin", UInt8.self, count: nodeTotal)
            let (threshold, thresholdAt) = try sections.next("\(i)/threshold", Double.self, count: nodeTotal)
            let (left, leftAt) = try sections.next("\(i)/left", Int32.self, count: nodeTotal)
            let (right, rightAt) = try sections.next("\(i)/right", Int32.self, count: nodeTotal)
            let (value, valueAt) = try sections.next("\(i)/value", Double.self, count: nodeTotal)

            var trees: [Tree] = []
            trees.reserveCapacity(nodeCounts.count)
            start = 0
            for n in nodeCounts {
                var nodes: [Tree.Node] = []
                nodes.reserveCapacity(n)
                for k in start..<start + n {
                    let node = Tree.Node(feature: feature[k], bin: bin[k], threshold: threshold[k], left: left[k], right: right[k], value: value[k])
                    let index = k - start
                    if node.isLeaf {
                        guard node.left == -1 else { throw fail("left", k, 4, at: leftAt, "is \(node.left); a leaf's children are −1") }
                        guard node.right == -1 else { throw fail("right", k, 4, at: rightAt, "is \(node.right); a leaf's children are −1") }
                        guard node.value.isFinite else { throw fail("value", k, 8, at: valueAt, "is \(node.value); leaf values must be finite") }
                    } else {
                        guard Int(node.left) > index, Int(node.left) < n else {
                            throw fail("left", k, 4, at: leftAt, "is \(node.left); a child is a later node of its tree (\(index + 1)..<\(n))")
                        }
                        guard Int(node.right) > index, Int(node.right) < n else {
                            throw fail("right", k, 4, at: rightAt, "is \(node.right); a child is a later node of its tree (\(index + 1)..<\(n))")
                        }
                        guard node.feature >= 0, Int(node.feature) < features.count else {
                            throw fail("feature", k, 4, at: featureAt, "is \(node.feature); there are \(features.count) features")
                        }
                        guard Int(node.bin) < thresholds[Int(node.feature)].count else {
                            throw fail("bin", k, 1, at: binAt, "is \(node.bin); feature \(node.feature) has \(thresholds[Int(node.feature)].count) thresholds")
                        }
                        guard !node.threshold.isNaN else { throw fail("threshold", k, 8, at: thresholdAt, "is NaN") }
                    }
                    nodes.append(node)
                }
                trees.append(Tree(nodes: nodes))
                start += n
            }
            return StoredTrees(model: BoostedTrees(loss: loss, binning: Binning(thresholds: thresholds), baseline: baselines[0], trees: trees),
                               features: features, notes: notes)
        }
        try sections.finish()
        return models
    }

    /// The sum, nil when it does not fit an Int.
    static func sum(_ counts: [Int]) -> Int? {
        var total = 0
        for n in counts {
            let (s, overflow) = total.addingReportingOverflow(n)
            if overflow { return nil }
            total = s
        }
        return total
    }
}

/// The error `.flowgbt` files report: the file, the problem and its byte offset.
public typealias TreeModelFileError = ModelContainerError
