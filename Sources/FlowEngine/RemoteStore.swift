import Foundation

/// A store on another machine or a shared disk, in the local store's layout: `objects/ab/cdef…` by
/// digest, `steps/KEY.json` by key. Paths are relative to the remote's root.
///
/// A remote moves whole files and lists names; what they mean (which record needs which object, that
/// an object matches its digest) is `RemoteCache`'s business, so every kind of remote gets the same checks.
public protocol RemoteStore: Sendable {
    /// Where it is, as the user gave it (`/mnt/eos/flow`, `root://host//path`).
    var url: String { get }
    /// The files under `directory`, as paths relative to the root, searched `recursive`ly or not; empty
    /// when the directory does not exist. Throws when the remote cannot be reached.
    func list(_ directory: String, recursive: Bool) throws -> [String]
    /// Copies the files at `paths` into the local `directory`, and returns where each one that exists
    /// landed; one that does not exist is left out.
    func download(_ paths: [String], into directory: String) throws -> [String: String]
    /// Uploads each local file to its remote path, atomically: under a temporary name first, renamed into
    /// place once complete, so an interrupted upload leaves nothing under a real name. A file already at
    /// the path is replaced (two machines uploading one object upload the same bytes).
    func upload(_ files: [(local: String, remote: String)]) throws
}

/// A remote that is a directory: an NFS, AFS or EOS-FUSE mount, or a plain folder.
public struct DirectoryRemote: RemoteStore {
    public let url: String

    public init(path: String) { url = path }

    public func list(_ directory: String, recursive: Bool) throws -> [String] {
        let root = url + "/" + directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EngineError.io("remote directory \(url) does not exist (or is not mounted)")
        }
        guard FileManager.default.fileExists(atPath: root) else { return [] }
        if !recursive {
            return ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted().map { directory + "/" + $0 }
        }
        var found: [String] = []
        guard let walk = FileManager.default.enumerator(atPath: root) else { return [] }
        while let path = walk.nextObject() as? String {
            if (walk.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { found.append(directory + "/" + path) }
        }
        return found.sorted()
    }

    public func download(_ paths: [String], into directory: String) throws -> [String: String] {
        var landed: [String: String] = [:]
        for (index, path) in paths.enumerated() {
            let local = "\(directory)/\(index)-\((path as NSString).lastPathComponent)"
            do {
                try FileManager.default.copyItem(atPath: url + "/" + path, toPath: local)
                landed[path] = local
            } catch where !FileManager.default.fileExists(atPath: url + "/" + path) {
                continue
            }
        }
        return landed
    }

    public func upload(_ files: [(local: String, remote: String)]) throws {
        guard !files.isEmpty else { return }
        let temporary = url + "/tmp"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        var partials: [(String, String)] = []
        var renamed = 0
        defer { for (partial, _) in partials[renamed...] { unlink(partial) } }
        for file in files {
            let partial = "\(temporary)/\(Store.host)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            partials.append((partial, url + "/" + file.remote))
            try FileManager.default.copyItem(atPath: file.local, toPath: partial)
        }
        // Every copy on disk before any is renamed into place: one flush for the batch.
        try AtomicFile.syncFileSystem(of: temporary)
        var made = Set<String>()
        for (partial, destination) in partials {
            let folder = (destination as NSString).deletingLastPathComponent
            if made.insert(folder).inserted {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            guard rename(partial, destination) == 0 else {
                throw EngineError.io("cannot rename into \(destination): \(String(cString: strerror(errno)))")
            }
            renamed += 1
        }
    }
}
