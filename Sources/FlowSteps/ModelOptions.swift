import BoostedTrees
import FlowConfig
import FlowEngine
import Foundation
import Network

/// `model:` in `train` and `classify`: the dense network (configured by the step's own layers, epochs …
/// options) or gradient-boosted trees.
enum ModelOptions {
    static let property = Property("model", .object([
        Property("kind", .string(oneOf: ["network", "boosted-trees"]), required: true, "network (default: the step's layers, epochs … options) or boosted-trees."),
        Property("iterations", .integer(minimum: 1, maximum: 100_000), "Trees at most (default 200)."),
        Property("leaves", .integer(minimum: 2, maximum: 65_536), "Leaves per tree at most (default 31)."),
        Property("learning_rate", .number(minimum: 0, maximum: 100), "Shrinkage of each tree (default 0.1)."),
        Property("min_samples_leaf", .integer(minimum: 1, maximum: Limits.events), "Events per leaf at least (default 20)."),
        Property("l2", .number(minimum: 0), "L2 regularisation of leaf values (default 0)."),
        Property("max_depth", .integer(minimum: 1, maximum: 64), "Depth at most (default: none)."),
        Property("max_bins", .integer(minimum: 2, maximum: 255), "Quantile bins per feature, at most 255 (default 255)."),
        Property("early_stopping", .integer(minimum: 1, maximum: 100_000), "Stop after this many trees without a better validation loss (default 10)."),
    ]), "The model kind (default: the dense network).")

    static func isTrees(_ config: Value) -> Bool { config["model"]?["kind"]?.string == "boosted-trees" }

    static func boosting(_ config: Value, loss: BoostingLoss, seed: UInt64, threads: Int, step: String) throws -> BoostingSettings {
        let m = config["model"]
        var s = BoostingSettings()
        s.loss = loss
        s.iterations = m?["iterations"]?.int ?? 200
        s.tree.maxLeaves = m?["leaves"]?.int ?? 31
        s.tree.learningRate = m?["learning_rate"]?.double ?? 0.1
        s.tree.minSamplesLeaf = m?["min_samples_leaf"]?.int ?? 20
        s.tree.l2 = m?["l2"]?.double ?? 0
        s.tree.maxDepth = m?["max_depth"]?.int
        s.maxBins = m?["max_bins"]?.int ?? Binning.maxBins
        s.earlyStoppingRounds = m?["early_stopping"]?.int ?? 10
        s.seed = seed
        s.threads = threads
        guard s.maxBins <= Binning.maxBins else { throw StepFailure(step: step, message: "max_bins is at most \(Binning.maxBins)") }
        return s
    }
}

/// One cross-fitted model, whichever kind: what it reads, its notes, and its outputs.
enum FoldModel {
    case network(StoredModel)
    case trees(StoredTrees)

    var features: [String] {
        switch self {
        case .network(let m): return m.features
        case .trees(let m): return m.features
        }
    }

    var notes: [String: String] {
        switch self {
        case .network(let m): return m.notes
        case .trees(let m): return m.notes
        }
    }

    /// Probabilities (classification) or values (regression), one per row of `x`.
    func predict(_ x: [Double], threads: Int) -> [Double] {
        switch self {
        case .network(let m): return m.network.predict(x, threads: threads)
        case .trees(let m): return m.model.predict(x, threads: threads)
        }
    }

    /// A `train` step's models file, either format.
    static func read(_ path: String) throws -> [FoldModel] {
        if TreeModelFile.isTreeFile(path) { return try TreeModelFile.read(path).map(FoldModel.trees) }
        return try ModelFile.read(path).map(FoldModel.network)
    }
}
