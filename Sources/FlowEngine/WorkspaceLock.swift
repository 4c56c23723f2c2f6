import Foundation

/// An exclusive lock on a store, so two `flow run`s never write one workspace at once.
///
/// It is an `flock` on `.flow/lock`: the kernel drops it when the holder exits, even by `kill -9`,
/// so there is never a stale lock to remove by hand.
public final class WorkspaceLock {
    private let fd: Int32

    /// Takes the lock; with `wait` false, a held lock is an error naming the holder.
    public init(store: Store, wait: Bool) throws {
        try FileManager.default.createDirectory(atPath: store.root, withIntermediateDirectories: true)
        let path = store.root + "/lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw EngineError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard wait else {
                close(fd)
                throw EngineError.workspaceBusy("another flow run\(holder.isEmpty ? "" : " (pid \(holder))") is using the store \(store.root); wait for it to finish or pass --wait")
            }
            FileHandle.standardError.write(Data("waiting for another flow run\(holder.isEmpty ? "" : " (pid \(holder))") to release \(store.root) …\n".utf8))
            while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        }
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { Foundation.write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
