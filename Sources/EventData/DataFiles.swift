import Foundation

/// Reads and writes tables by file extension: `.csv`, `.npy` (structured array), `.npz` (one array per column).
public enum DataFiles {
    public static let extensions = ["csv", "npy", "npz"]

    public static func read(_ path: String) throws -> EventTable {
        guard FileManager.default.fileExists(atPath: path) else { throw DataError.io("\(path): no such file") }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "csv": return try CSV.read(path)
        case "npy": return try NPY.read(path)
        case "npz": return try NPZ.read(path)
        case let other:
            throw DataError.format(file: path, message: "unknown data format '.\(other)'; flow reads \(extensions.map { "." + $0 }.joined(separator: ", "))")
        }
    }

    public static func write(_ table: EventTable, to path: String) throws {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "csv": try CSV.write(table, to: path)
        case "npy": try NPY.write(table, to: path)
        case "npz": try NPZ.write(table, to: path)
        case let other:
            throw DataError.format(file: path, message: "unknown data format '.\(other)'; flow writes \(extensions.map { "." + $0 }.joined(separator: ", "))")
        }
    }
}
