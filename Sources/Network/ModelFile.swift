import Foundation

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

/// The `.flownet` model file, version 1. One or more models, each:
///
///     flownet 1\n
///     {"inputs": 10, "hidden": [100, 100], "activation": "relu", "objective": "bce",
///      "features": [...], "parameters": 11301, "notes": {...}}\n
///     parameters × 4 bytes: little-endian IEEE float32, per layer the weights (out × in, row-major)
///     then the biases, input layer first
///     inputs × 8 bytes: the standardisation means, little-endian float64
///     inputs × 8 bytes: the standardisation scales (σ), little-endian float64
///     inputs × K × 8 bytes: the quantile knots of each input (K = "quantile_knots" in the header, 0: none)
///
/// Every number is stored in binary, so a model reads back bit for bit.
public enum ModelFile {
    static let magic = "flownet 1\n"

    public static func encode(_ models: [StoredModel]) -> Data {
        var data = Data()
        for model in models {
            let a = model.network.architecture, s = model.network.standardisation
            func strings(_ xs: [String]) -> String { "[" + xs.map(quote).joined(separator: ", ") + "]" }
            let notes = "{" + model.notes.keys.sorted().map { "\(quote($0)): \(quote(model.notes[$0]!))" }.joined(separator: ", ") + "}"
            let header = "{\"inputs\": \(a.inputs), \"hidden\": [\(a.hidden.map(String.init).joined(separator: ", "))], "
                + "\"activation\": \"\(a.activation.rawValue)\", \"objective\": \"\(a.objective.rawValue)\", "
                + "\"features\": \(strings(model.features)), "
                + "\"parameters\": \(model.network.parameters.count), \"quantile_knots\": \(s.quantiles.first?.count ?? 0), "
                + "\"notes\": \(notes)}\n"
            data.append(contentsOf: Array((magic + header).utf8))
            model.network.parameters.withUnsafeBytes { data.append(contentsOf: $0) }
            s.mean.withUnsafeBytes { data.append(contentsOf: $0) }
            s.scale.withUnsafeBytes { data.append(contentsOf: $0) }
            for knots in s.quantiles { knots.withUnsafeBytes { data.append(contentsOf: $0) } }
        }
        return data
    }

    public static func write(_ models: [StoredModel], to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: encode(models)) else {
            throw ModelFileError(path: path, message: "cannot write")
        }
    }

    public static func read(_ path: String) throws -> [StoredModel] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelFileError(path: path, message: "cannot read") }
        return try decode(data, path: path)
    }

    public static func decode(_ data: Data, path: String) throws -> [StoredModel] {
        let bytes = [UInt8](data)
        var position = 0, models: [StoredModel] = []
        let magicBytes = Array(magic.utf8)
        while position < bytes.count {
            guard bytes.count - position >= magicBytes.count, Array(bytes[position..<position + magicBytes.count]) == magicBytes else {
                throw ModelFileError(path: path, message: "not a flownet version 1 model at byte \(position)")
            }
            position += magicBytes.count
            guard let newline = bytes[position...].firstIndex(of: 0x0A) else { throw ModelFileError(path: path, message: "truncated header") }
            guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[position..<newline])) as? [String: Any],
                  let inputs = header["inputs"] as? Int, let hidden = header["hidden"] as? [Int],
                  let activation = (header["activation"] as? String).flatMap(Activation.init(rawValue:)),
                  let objective = (header["objective"] as? String).flatMap(Objective.init(rawValue:)),
                  let count = header["parameters"] as? Int else {
                throw ModelFileError(path: path, message: "the model header is incomplete")
            }
            let architecture = Architecture(inputs: inputs, hidden: hidden, activation: activation, objective: objective)
            guard count == architecture.parameterCount else {
                throw ModelFileError(path: path, message: "the header's sizes do not agree with its architecture")
            }
            position = newline + 1
            guard bytes.count - position >= count * 4 + inputs * 16 else { throw ModelFileError(path: path, message: "truncated parameters") }
            let parameters = bytes[position..<position + count * 4].withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
            position += count * 4
            let doubles = bytes[position..<position + inputs * 16].withUnsafeBytes { raw in
                (0..<(2 * inputs)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
            }
            let mean = Array(doubles[0..<inputs]), scale = Array(doubles[inputs...])
            position += inputs * 16
            let knots = header["quantile_knots"] as? Int ?? 0
            guard bytes.count - position >= inputs * knots * 8 else { throw ModelFileError(path: path, message: "truncated quantile knots") }
            let quantiles = (0..<(knots > 0 ? inputs : 0)).map { j in
                bytes[(position + j * knots * 8)..<(position + (j + 1) * knots * 8)].withUnsafeBytes { raw in
                    (0..<knots).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
                }
            }
            position += inputs * knots * 8
            models.append(StoredModel(
                network: DenseNetwork(architecture: architecture, parameters: parameters, standardisation: Standardisation(mean: mean, scale: scale, quantiles: quantiles)),
                features: header["features"] as? [String] ?? [], notes: header["notes"] as? [String: String] ?? [:]))
        }
        return models
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// A model file that cannot be read or written.
public struct ModelFileError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}
