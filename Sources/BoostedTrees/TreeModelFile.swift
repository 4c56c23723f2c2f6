import Foundation

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

/// The `.flowgbt` model file, version 1. One or more models, each:
///
///     flowgbt 1\n
///     {"loss": "log-loss", "features": [...], "thresholds": [254, 254, ...], "trees": [31, 29, ...], "notes": {...}}\n
///     8 bytes: the baseline (raw score before any tree), little-endian float64
///     per feature, its bin thresholds ("thresholds" gives their counts), little-endian float64
///     per tree, per node ("trees" gives their counts), 32 bytes: feature, left, right (int32; left = −1 for a
///     leaf), bin (uint32), threshold, value (float64), all little-endian
///
/// A row goes left at a node when x[feature] ≤ threshold. Every number is binary: models read back bit for bit.
public enum TreeModelFile {
    static let magic = "flowgbt 1\n"

    public static func isTreeFile(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: magic.utf8.count)).map { $0 == Data(magic.utf8) } ?? false
    }

    public static func encode(_ models: [StoredTrees]) throws -> Data {
        var data = Data()
        for stored in models {
            let m = stored.model
            let header: [String: Any] = [
                "loss": m.loss.rawValue, "features": stored.features, "notes": stored.notes,
                "thresholds": m.binning.thresholds.map(\.count), "trees": m.trees.map(\.nodes.count),
            ]
            data.append(Data(magic.utf8))
            data.append(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
            data.append(0x0a)
            func put<T: FixedWidthInteger>(_ x: T) { withUnsafeBytes(of: x.littleEndian) { data.append(contentsOf: $0) } }
            func put(_ x: Double) { put(x.bitPattern) }
            put(m.baseline)
            for t in m.binning.thresholds { t.forEach(put) }
            for tree in m.trees {
                for node in tree.nodes {
                    put(node.feature); put(node.left); put(node.right); put(UInt32(node.bin)); put(node.threshold); put(node.value)
                }
            }
        }
        return data
    }

    public static func write(_ models: [StoredTrees], to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: try encode(models)) else {
            throw TreeModelFileError(path: path, message: "cannot write")
        }
    }

    public static func read(_ path: String) throws -> [StoredTrees] {
        guard let data = FileManager.default.contents(atPath: path) else { throw TreeModelFileError(path: path, message: "cannot read") }
        return try decode([UInt8](data), path: path)
    }

    public static func decode(_ bytes: [UInt8], path: String) throws -> [StoredTrees] {
        var position = 0, models: [StoredTrees] = []
        func fail(_ message: String) -> TreeModelFileError { TreeModelFileError(path: path, message: message) }
        func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard position + n <= bytes.count else { throw fail("ends early (byte \(position))") }
            defer { position += n }
            return bytes[position..<position + n]
        }
        func u32() throws -> UInt32 { try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        func f64() throws -> Double { Double(bitPattern: try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }) }
        while position < bytes.count {
            guard try take(magic.utf8.count).elementsEqual(magic.utf8) else { throw fail("not a flowgbt 1 model at byte \(position - magic.utf8.count)") }
            guard let end = bytes[position...].firstIndex(of: 0x0a) else { throw fail("header line without an end") }
            let header = try JSONSerialization.jsonObject(with: Data(bytes[position..<end])) as? [String: Any]
            position = end + 1
            guard let header, let loss = (header["loss"] as? String).flatMap(BoostingLoss.init), let features = header["features"] as? [String],
                  let thresholdCounts = header["thresholds"] as? [Int], let nodeCounts = header["trees"] as? [Int] else {
                throw fail("header lacks loss, features, thresholds or trees")
            }
            let baseline = try f64()
            let thresholds = try thresholdCounts.map { n in try (0..<n).map { _ in try f64() } }
            let trees = try nodeCounts.map { n in
                Tree(nodes: try (0..<n).map { _ in
                    let feature = Int32(bitPattern: try u32()), left = Int32(bitPattern: try u32()), right = Int32(bitPattern: try u32())
                    let bin = UInt8(truncatingIfNeeded: try u32())
                    return Tree.Node(feature: feature, bin: bin, threshold: try f64(), left: left, right: right, value: try f64())
                })
            }
            models.append(StoredTrees(model: BoostedTrees(loss: loss, binning: Binning(thresholds: thresholds), baseline: baseline, trees: trees),
                                      features: features, notes: header["notes"] as? [String: String] ?? [:]))
        }
        return models
    }
}

public struct TreeModelFileError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}
