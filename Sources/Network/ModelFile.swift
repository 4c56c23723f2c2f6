import Foundation
import ModelContainer

/// A trained network as stored: the network, the feature names it reads, and free-form notes.
public struct StoredModel: Sendable {
    public var network: DenseNetwork<Float>
    public var features: [String]
    /// Notes such as the fold a cross-fitted model leaves out.
    public var notes: [String: String]

    public init(network: DenseNetwork<Float>, features: [String], notes: [String: String] = [:]) {
        self.network = network
        self.features = features
        self.notes = notes
    }
}

/// The `.flownet` model file: a `ModelContainer` of kind "network" (see it for the framing) holding
/// one or more networks (the folds of a cross-fitted model). The header's metadata is
///
///     {"models":[{"activation":"silu","features":["x","y"],"hidden":[100,100],"inputs":2,
///                 "notes":{"fold":"0"},"objective":"bce","quantile_knots":1001}, …]}
///
/// and model i has four sections, in this order:
///
///     "i/parameters"  f32 × parameter count: per layer the weights (out × in, row-major), then the
///                     biases, input layer first; all finite
///     "i/mean"        f64 × inputs: the standardisation means, finite
///     "i/scale"       f64 × inputs: the standardisation scales (σ), finite
///     "i/quantiles"   f64 × inputs × quantile_knots: each input's knots, ascending, not NaN (none: 0 knots)
///
/// There must be one feature name per input. A model reads back bit for bit.
public enum ModelFile {
    /// The file's bytes (`write` also checks that they read back).
    public static func encode(_ models: [StoredModel]) -> Data {
        Data(container(models).encoded())
    }

    static func container(_ models: [StoredModel]) -> ModelContainer {
        var container = ModelContainer(kind: .network, metadata: .object([:]))
        var entries: [HeaderValue] = []
        for (i, model) in models.enumerated() {
            let a = model.network.architecture, s = model.network.standardisation
            entries.append(.object([
                "inputs": .int(a.inputs),
                "hidden": .array(a.hidden.map(HeaderValue.int)),
                "activation": .string(a.activation.rawValue),
                "objective": .string(a.objective.rawValue),
                "features": .array(model.features.map(HeaderValue.string)),
                "notes": .object(model.notes.mapValues(HeaderValue.string)),
                "quantile_knots": .int(s.quantiles.first?.count ?? 0),
            ]))
            container.append("\(i)/parameters", model.network.parameters)
            container.append("\(i)/mean", s.mean)
            container.append("\(i)/scale", s.scale)
            container.append("\(i)/quantiles", s.quantiles.flatMap { $0 })
        }
        container.metadata = .object(["models": .array(entries)])
        return container
    }

    /// Writes the models, refusing any the reader would refuse (a non-finite parameter, shapes that
    /// disagree with the architecture).
    public static func write(_ models: [StoredModel], to path: String) throws {
        try container(models).write(to: path) { _ = try decode(Data($0), path: path) }
    }

    public static func read(_ path: String) throws -> [StoredModel] {
        try decode(ModelContainer.read(path, expecting: .network))
    }

    public static func decode(_ data: Data, path: String) throws -> [StoredModel] {
        try decode(ModelContainer.decode([UInt8](data), path: path, expecting: .network))
    }

    static func decode(_ container: ModelContainer) throws -> [StoredModel] {
        var sections = container.sectionCursor()
        let models = try container.header.field("models").array().enumerated().map { i, entry -> StoredModel in
            let inputs = try entry.field("inputs").int(atLeast: 1)
            let hidden = try entry.field("hidden").ints(atLeast: 1)
            let architecture = Architecture(inputs: inputs, hidden: hidden, activation: try entry.field("activation").oneOf(Activation.self),
                                            objective: try entry.field("objective").oneOf(Objective.self))
            let features = try entry.field("features").strings()
            guard features.count == inputs else {
                throw container.failure("header: model \(i) names \(features.count) features for \(inputs) inputs", at: container.headerOffset)
            }
            let notes = try entry.field("notes").stringMap()
            let knots = try entry.field("quantile_knots").int(atLeast: 0)
            guard let parameterCount = checkedParameterCount(architecture), case (let knotCount, false) = inputs.multipliedReportingOverflow(by: knots) else {
                throw container.failure("header: model \(i)'s shapes are too large", at: container.headerOffset)
            }

            let (parameters, parametersAt) = try sections.next("\(i)/parameters", Float.self, count: parameterCount)
            if let k = parameters.firstIndex(where: { !$0.isFinite }) {
                throw container.failure("section \"\(i)/parameters\": parameter \(k) is \(parameters[k]); parameters must be finite", at: parametersAt + 4 * k)
            }
            let (mean, meanAt) = try sections.next("\(i)/mean", Double.self, count: inputs)
            let (scale, scaleAt) = try sections.next("\(i)/scale", Double.self, count: inputs)
            for (name, values, at) in [("mean", mean, meanAt), ("scale", scale, scaleAt)] {
                if let k = values.firstIndex(where: { !$0.isFinite }) {
                    throw container.failure("section \"\(i)/\(name)\": element \(k) is \(values[k]); the standardisation must be finite", at: at + 8 * k)
                }
            }
            let (flat, knotsAt) = try sections.next("\(i)/quantiles", Double.self, count: knotCount)
            for k in flat.indices where flat[k].isNaN || (k % knots != 0 && flat[k] < flat[k - 1]) {
                throw container.failure("section \"\(i)/quantiles\": knot \(k % knots) of input \(k / knots) is "
                                        + (flat[k].isNaN ? "NaN" : "below the one before it") + "; knots ascend", at: knotsAt + 8 * k)
            }
            let quantiles = knots == 0 ? [] : (0..<inputs).map { Array(flat[$0 * knots..<($0 + 1) * knots]) }
            return StoredModel(network: DenseNetwork(architecture: architecture, parameters: parameters,
                                                     standardisation: Standardisation(mean: mean, scale: scale, quantiles: quantiles)),
                               features: features, notes: notes)
        }
        try sections.finish()
        return models
    }

    /// The architecture's parameter count, nil when it does not fit an Int.
    static func checkedParameterCount(_ a: Architecture) -> Int? {
        let widths = a.widths
        var total = 0
        for l in 0..<a.layerCount {
            let (weights, o1) = widths[l].multipliedReportingOverflow(by: widths[l + 1])
            let (layer, o2) = weights.addingReportingOverflow(widths[l + 1])
            let (sum, o3) = total.addingReportingOverflow(layer)
            if o1 || o2 || o3 { return nil }
            total = sum
        }
        return total
    }
}

/// The error `.flownet` files report: the file, the problem and its byte offset.
public typealias ModelFileError = ModelContainerError
