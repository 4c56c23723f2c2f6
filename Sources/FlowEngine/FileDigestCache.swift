import Foundation

/// Digests of workspace files, remembered per run by (path, size, modification time, inode) so a
/// file read by many steps is hashed once. The digest, never the time, goes into cache keys.
public final class FileDigestCache: @unchecked Sendable {
    public static let shared = FileDigestCache()
    private var entries: [String: (stamp: String, digest: Digest)] = [:]
    private let lock = NSLock()

    public func digest(of path: String) throws -> Digest {
        var info = stat()
        guard stat(path, &info) == 0 else { throw EngineError.io("cannot read \(path): \(String(cString: strerror(errno)))") }
        let stamp = "\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_ino)"
        lock.lock()
        if let entry = entries[path], entry.stamp == stamp { lock.unlock(); return entry.digest }
        lock.unlock()
        let digest = try Digest.of(fileAt: path)
        lock.lock()
        entries[path] = (stamp, digest)
        lock.unlock()
        return digest
    }
}
