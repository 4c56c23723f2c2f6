import Foundation

/// What `stat` says of a stored object: size, modification and change times, inode.
///
/// Recorded when the object is stored and compared before it is used. Any write, truncation, chmod,
/// rename or new hard link sets the change time, which no user call can set back, so an unchanged
/// stamp means unchanged bytes; a changed stamp sends the object through a full re-hash.
public struct ObjectStamp: Sendable, Equatable, CustomStringConvertible {
    public var size: Int64
    public var modified: Int64
    public var changed: Int64
    public var inode: UInt64

    init(_ info: stat) {
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        inode = UInt64(info.st_ino)
    }

    /// The stamp of the regular file at `path` (a symbolic link is not followed), if there is one.
    public init?(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        self.init(info)
    }

    /// `size:modified:changed:inode`, as step records keep it.
    public var description: String { "\(size):\(modified):\(changed):\(inode)" }

    public init?(text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 4, let size = Int64(parts[0]), let modified = Int64(parts[1]),
              let changed = Int64(parts[2]), let inode = UInt64(parts[3]) else { return nil }
        self.size = size
        self.modified = modified
        self.changed = changed
        self.inode = inode
    }
}
