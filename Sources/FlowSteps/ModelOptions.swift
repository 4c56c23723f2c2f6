import Artefacts
import BoostedTrees
import EventData
import FlowConfig
import FlowEngine
import Foundation
import Network

/// The hidden activations a workflow may choose (the output activation follows from the objective).
enum HiddenActivation: String, SettingEnum {
    case relu
    case leakyRelu = "leaky-relu"
    case silu

    var activation: Activation { Activation(rawValue: rawValue)! }
}

enum LearningRateSchedule: String, SettingEnum {
    case constant, exponential, cosine
}

enum InputTransform: String, SettingEnum {
    case quantile, standard
}

enum ModelKind: String, SettingEnum {
    case network
    case boostedTrees = "boosted-trees"
}

/// Options of the dense network, in the step's own mapping (`layers: [64, 64]`, `epochs: …` is the kind's).
struct NetworkOptions: SettingGroup {
    @Setting("layers", .list(.integer(minimum: 1, maximum: 100_000), maxItems: 100), "Hidden layer widths.")
    var layers = [100, 100, 100, 100, 100]
    @Setting("activation", HiddenActivation.schema, "Hidden activation.") var activation = HiddenActivation.relu
    @Setting("batch_size", .integer(minimum: 1, maximum: 10_000_000), "Events per mini-batch.") var batchSize = 512
    @Setting("learning_rate", .number(minimum: 0, maximum: 100), "Adam's learning rate.") var learningRate = 1e-3
    @Setting("schedule", LearningRateSchedule.schema, "Learning-rate schedule.") var schedule = LearningRateSchedule.constant
    @Setting("decay", .number(minimum: 0), "Per-epoch factor of the exponential schedule.") var decay = 0.95
    @Setting("weight_decay", .number(minimum: 0), "Decoupled weight decay.") var weightDecay = 0.0
    @Setting("patience", .integer(minimum: 1, maximum: 100_000), "Stop after this many epochs without a better validation loss (default: never).")
    var patience: Int? = nil
    @Setting("input_transform", InputTransform.schema,
            "standard: shift and scale each input; quantile: map it through its distribution first, which resolves narrow structures such as a resonance.")
    var inputTransform = InputTransform.quantile

    init() {}

    func settings(epochs: Int, common: FitOptions) -> TrainingSettings {
        var s = TrainingSettings()
        s.epochs = epochs
        s.batchSize = batchSize
        s.learningRate = learningRate
        switch schedule {
        case .constant: s.schedule = .constant
        case .exponential: s.schedule = .exponential(decay: decay)
        case .cosine: s.schedule = .cosine
        }
        s.weightDecay = weightDecay
        s.patience = patience
        s.seed = UInt64(common.seed)
        s.threads = common.threads
        s.quantileKnots = inputTransform == .quantile ? 1001 : 0
        return s
    }

    func architecture(inputs: Int, objective: Objective) -> Architecture {
        Architecture(inputs: inputs, hidden: layers, activation: activation.activation, objective: objective)
    }
}

/// `model:` — the model kind, and the options of gradient-boosted trees.
struct ModelChoice: SettingGroup {
    @Setting(required: "kind", ModelKind.schema, "network (configured by the step's layers, activation … options) or boosted-trees.")
    var kind: ModelKind
    @Setting("iterations", .integer(minimum: 1, maximum: 100_000), "Trees at most.") var iterations = 200
    @Setting("leaves", .integer(minimum: 2, maximum: 65_536), "Leaves per tree at most.") var leaves = 31
    @Setting("learning_rate", .number(minimum: 0, maximum: 100), "Shrinkage of each tree.") var learningRate = 0.1
    @Setting("min_samples_leaf", .integer(minimum: 1, maximum: Limits.events), "Events per leaf at least.") var minSamplesLeaf = 20
    @Setting("l2", .number(minimum: 0), "L2 regularisation of leaf values.") var l2 = 0.0
    @Setting("max_depth", .integer(minimum: 1, maximum: 64), "Depth at most (default: none).") var maxDepth: Int? = nil
    @Setting("max_bins", .integer(minimum: 2, maximum: Binning.maxBins), "Quantile bins per feature.") var maxBins = Binning.maxBins
    @Setting("early_stopping", .integer(minimum: 1, maximum: 100_000), "Stop after this many trees without a better validation loss.")
    var earlyStopping = 10

    init() {}

    func boosting(loss: BoostingLoss, common: FitOptions) -> BoostingSettings {
        var s = BoostingSettings()
        s.loss = loss
        s.iterations = iterations
        s.tree.maxLeaves = leaves
        s.tree.learningRate = learningRate
        s.tree.minSamplesLeaf = minSamplesLeaf
        s.tree.l2 = l2
        s.tree.maxDepth = maxDepth
        s.maxBins = maxBins
        s.earlyStoppingRounds = earlyStopping
        s.seed = UInt64(common.seed)
        s.threads = common.threads
        return s
    }
}

/// What every kind that fits a model shares, whichever model: inputs, seed, threads, the model kind.
struct FitOptions: SettingGroup {
    @Setting("features", .list(.string(), minItems: 1), "Input columns (default: the workflow's features).") var features: [String]? = nil
    @Setting("seed", .integer(minimum: 0, maximum: Limits.seed), "Seed of initialisation, shuffling and data splits.") var seed = 1
    @Setting("threads", .integer(minimum: 1, maximum: 1_024), "Data-parallel workers; a model is bit-identical for a given count.") var threads = 2
    @Setting("model", ModelChoice.schema, "The model kind (default: the dense network).") var model: ModelChoice? = nil

    init() {}

    var usesTrees: Bool { model?.kind == .boostedTrees }

    /// The truth column is validation only: a model reading it would be judged against its own input.
    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let features = c.settings(FitOptions.self)?.features, features.contains(TruthColumn.name) else { return [] }
        return [Diagnostic(c.mark("features"), "\(TruthColumn.name) is the exact E[w|x], for validation only: no model may read it")]
    }

    func features(_ context: StepContext) throws -> [String] {
        let features = self.features ?? context.workflow.features
        guard !features.isEmpty else {
            throw StepFailure(step: context.step.name, message: "no features: list them here or under the workflow's `features:`")
        }
        guard !features.contains(TruthColumn.name) else {
            throw StepFailure(step: context.step.name, message: "\(TruthColumn.name) is the exact E[w|x], for validation only: no model may read it")
        }
        return features
    }
}

/// Options that belong to one model kind are an error with the other, so a setting never does nothing
/// (and never enters the cache key unused).
enum ModelKindCheck {
    static func options(_ c: KindCheck, networkKeys: [String]) -> [Diagnostic] {
        guard let fit = c.settings(FitOptions.self) else { return [] }
        if fit.usesTrees {
            return networkKeys.filter { c.config[$0] != nil }.map {
                Diagnostic(c.mark($0), "'\($0)' is an option of the network; with `model: {kind: boosted-trees}` it would have no effect")
            }
        }
        let treeKeys = ModelChoice.properties.map(\.name).filter { $0 != "kind" }
        return treeKeys.filter { c.config["model"]?[$0] != nil }.map {
            Diagnostic(c.mark("model", $0), "'\($0)' is an option of boosted-trees; the model here is the network")
        }
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

    /// Writes models of one kind (a step's models are all networks or all trees); returns the file's path.
    static func write(_ models: [FoldModel], in directory: String) throws -> String {
        let networks = models.compactMap { if case .network(let m) = $0 { return m } else { return nil } }
        let forests = models.compactMap { if case .trees(let m) = $0 { return m } else { return nil } }
        if forests.isEmpty {
            let path = directory + "/models.flownet"
            try ModelFile.write(networks, to: path)
            return path
        }
        let path = directory + "/models.flowgbt"
        try TreeModelFile.write(forests, to: path)
        return path
    }
}

/// One fit of the chosen model — network or trees — to one training set; `train` and `classify` both fit
/// through here, so the two kinds cannot drift apart.
struct ModelFit {
    var fit: FitOptions
    var network: NetworkOptions
    var epochs: Int

    func run(_ data: TrainingData, validation: TrainingData, features: [String], objective: Objective, notes: [String: String],
             label: String, context: StepContext) throws -> (FoldModel, FitCurve) {
        try Task.checkCancellation()
        if let trees = fit.model, trees.kind == .boostedTrees {
            let boosting = trees.boosting(loss: objective == .binaryCrossEntropy ? .logLoss : .squaredError, common: fit)
            let (model, history) = BoostedTrees.fit(
                x: data.features, y: data.targets, weights: data.weights, features: features.count,
                validation: (validation.features, validation.targets, validation.weights), settings: boosting,
                progress: { i, loss, validationLoss in
                    if i % 10 == 9 {
                        context.progress(String(format: "%@ tree %3d/%d  loss %.6f  validation %.6f", label, i + 1, boosting.iterations,
                                                loss, validationLoss ?? .nan))
                    }
                }, shouldStop: { Task.isCancelled })
            try Task.checkCancellation()
            return (.trees(StoredTrees(model: model, features: features, notes: notes)),
                    FitCurve(trainingLoss: history.trainingLoss, validationLoss: history.validationLoss, best: history.bestIteration,
                             unit: "tree", size: model.trees.count))
        }
        let settings = network.settings(epochs: epochs, common: fit)
        let architecture = network.architecture(inputs: features.count, objective: objective)
        let (model, history) = Trainer<Float>(architecture: architecture, settings: settings)
            .train(data, validation: validation, shouldStop: { Task.isCancelled }) { report in
                context.progress(String(format: "%@ epoch %3d/%d  loss %.6f  validation %.6f  %.0f events/s", label, report.epoch + 1,
                                        settings.epochs, report.trainingLoss, report.validationLoss ?? .nan, report.eventsPerSecond))
            }
        try Task.checkCancellation()
        return (.network(StoredModel(network: model, features: features, notes: notes)),
                FitCurve(trainingLoss: history.trainingLoss, validationLoss: history.validationLoss, best: history.bestEpoch,
                             unit: "epoch", size: history.trainingLoss.count))
    }
}
