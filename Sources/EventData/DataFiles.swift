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
        case "":
            return try readByContent(path)
        case let other:
            throw DataError.format(file: path, message: "unknown data format '.\(other)'; flow reads \(extensions.map { "." + $0 }.joined(separator: ", "))")
        }
    }

    /// A file without an extension (a store object): recognised by its first bytes.
    static func readByContent(_ path: String) throws -> EventTable {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw DataError.io("cannot read \(path)") }
        let head = [UInt8]((try? handle.read(upToCount: 6)) ?? Data())
        try? handle.close()
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return try NPZ.read(path) }
        if head.starts(with: NPY.magic) { return try NPY.read(path) }
        return try CSV.read(path)
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

    /// Writes bytes with plain POSIX calls (Foundation's `createFile` is several times slower for large files).
    static func writeBytes(_ data: Data, to path: String) throws {
        let file = try OutputFile(path)
        try data.withUnsafeBytes { try file.write($0) }
    }
}

/// A file opened for writing with POSIX calls, closed when released.
final class OutputFile {
    let path: String
    private let fd: Int32

    init(_ path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DataError.io("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    func write(_ raw: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < raw.count {
            let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
            guard n > 0 else { throw DataError.io("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += n
        }
    }
}
