import CFiles
import Foundation

/// Writes whole files so that readers see the old content or the new, never a part.
public enum AtomicFile {
    /// Writes `data` to a temporary file beside `path`, flushes it to disk, then renames it into place.
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        let (temporary, fd) = try createTemporary(beside: path, mode: mode)
        var ok = writeFully(fd, data)
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw EngineError.io("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// A new temporary file in the directory of `path` (created if missing), open for writing; never an
    /// existing file or a symbolic link.
    static func createTemporary(beside path: String, mode: mode_t) throws -> (path: String, fd: Int32) {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(directory)/.\((path as NSString).lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw EngineError.io("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        return (temporary, fd)
    }

    /// Writes all of `data` to `fd`, through short writes; false on an error.
    static func writeFully(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    /// Writes many files so that each appears whole, in the order given (a key document before its record):
    /// every temporary file is written, then the file system is flushed once, then each is renamed into
    /// place. The same promise as `write` for each file, at one flush instead of one per file. Files already
    /// complete on the same file system are `moving` into place first, after the same flush.
    public static func writeAll(_ files: [(data: Data, path: String)], moving: [(from: String, to: String)] = [],
                                mode: mode_t = 0o644) throws {
        var temporaries: [(String, String)] = []
        defer { for (temporary, _) in temporaries { unlink(temporary) } }
        for file in files {
            let (temporary, fd) = try createTemporary(beside: file.path, mode: mode)
            temporaries.append((temporary, file.path))
            let written = writeFully(fd, file.data)
            close(fd)
            guard written else { throw EngineError.io("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        }
        guard let first = temporaries.first?.0 ?? moving.first?.from else { return }
        try syncFileSystem(of: first)
        for move in moving {
            try FileManager.default.createDirectory(atPath: (move.to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard rename(move.from, move.to) == 0 else { throw EngineError.io("cannot move \(move.from) to \(move.to): \(String(cString: strerror(errno)))") }
        }
        for (index, (temporary, path)) in temporaries.enumerated() where rename(temporary, path) != 0 {
            temporaries.removeFirst(index)
            throw EngineError.io("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        temporaries = []
    }

    /// Flushes the file system that holds `path` to disk.
    public static func syncFileSystem(of path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw EngineError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let status = flow_sync_file_system(fd)
        guard status == 0 else { throw EngineError.io("cannot flush \(path) to disk: \(String(cString: strerror(status)))") }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}
