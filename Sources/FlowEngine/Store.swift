import Foundation
import FlowConfig

/// The content-addressed store under `.flow/`.
///
/// - `objects/ab/cdef…`: step outputs and logs, by SHA-256 of their bytes, read-only.
/// - `steps/<key>.json`: one record per completed step, written last, atomically.
/// - `tmp/`: scratch directories of running steps; anything left there is from an interrupted run.
///
/// Every entry appears by `rename`, so a crash at any moment leaves either no entry or a whole one.
public struct Store: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// The store of the workspace that holds `directory`: the nearest ancestor with a `.flow/`
    /// or a `.git`, else `directory` itself.
    public static func workspaceRoot(for directory: String) -> String {
        var url = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            for marker in [".flow", ".git"] where FileManager.default.fileExists(atPath: url.appendingPathComponent(marker).path) {
                return url.path
            }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return URL(fileURLWithPath: directory).standardizedFileURL.path }
            url = parent
        }
    }

    public var objectsDirectory: String { root + "/objects" }
    public var recordsDirectory: String { root + "/steps" }
    public var scratchDirectory: String { root + "/tmp" }

    public func create() throws {
        for directory in [objectsDirectory, recordsDirectory, scratchDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    public func objectPath(_ digest: Digest) -> String {
        "\(objectsDirectory)/\(digest.hex.prefix(2))/\(digest.hex.dropFirst(2))"
    }

    /// Every file under `objects/`, sorted, with its digest, or nil for a name that is not one (a
    /// temporary file a killed write left behind).
    public func objectFiles() -> [(path: String, digest: Digest?)] {
        let fm = FileManager.default
        return ((try? fm.contentsOfDirectory(atPath: objectsDirectory)) ?? []).sorted().flatMap { prefix in
            ((try? fm.contentsOfDirectory(atPath: objectsDirectory + "/" + prefix)) ?? []).sorted().map { name in
                let hex = prefix + name
                let isDigest = hex.utf8.count == 64 && hex.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
                return (objectsDirectory + "/" + prefix + "/" + name, isDigest ? Digest(hex: hex) : nil)
            }
        }
    }

    /// The keys of every step record in the store, sorted.
    public func recordKeys() -> [Digest] {
        ((try? FileManager.default.contentsOfDirectory(atPath: recordsDirectory)) ?? [])
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".key.json") }
            .sorted()
            .map { Digest(hex: String($0.dropLast(5))) }
    }

    /// The record stored for `key`, as written, with no check of its outputs; nil when absent or unreadable.
    public func storedRecord(_ key: Digest) -> StepRecord? {
        guard let data = FileManager.default.contents(atPath: recordPath(key)), let json = try? Value(json: data) else { return nil }
        return try? StepRecord(json: json)
    }

    /// Moves a finished file into the store and returns its digest, size and stamp. The file must be
    /// on the same file system (scratch directories are), so the move is a rename. A symbolic link is
    /// refused: flow stores bytes, and never changes the mode of a file outside the store.
    ///
    /// An object of the same digest is replaced, not kept: the new bytes were just hashed, while the
    /// old copy may have been damaged since (so `--force` repairs what it reruns).
    public func adopt(fileAt path: String) throws -> (Digest, Int, ObjectStamp) {
        if let passed = try passedThrough(path) { return passed }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == ELOOP ? "it is a symbolic link; write the file itself" : String(cString: strerror(errno))
            throw EngineError.io("cannot store \((path as NSString).lastPathComponent): \(reason)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw EngineError.io("cannot store \((path as NSString).lastPathComponent): not a regular file")
        }
        let digest = try Digest.of(descriptor: fd, file: path)
        let destination = try place(path, open: fd, as: digest)
        guard let stamp = ObjectStamp(path: destination) else { throw EngineError.io("\(destination) vanished after it was stored") }
        return (digest, Int(info.st_size), stamp)
    }

    /// Moves the hashed file at `path` (open as `fd`) to its object path, read-only; returns that path.
    private func place(_ path: String, open fd: Int32, as digest: Digest) throws -> String {
        let destination = objectPath(digest)
        try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        fchmod(fd, 0o444)
        guard rename(path, destination) == 0 else {
            throw EngineError.io("cannot move \(path) into the store: \(String(cString: strerror(errno)))")
        }
        return destination
    }

    /// Moves a file fetched from elsewhere (a remote store) into the store under `digest`, if its bytes
    /// hash to it; returns its stamp, or nil (and removes the file) when they do not, so a damaged copy
    /// is never used.
    public func adopt(fileAt path: String, expecting digest: Digest) throws -> ObjectStamp? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw EngineError.io("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard try Digest.of(descriptor: fd, file: path) == digest else {
            unlink(path)
            return nil
        }
        let destination = try place(path, open: fd, as: digest)
        return ObjectStamp(path: destination)
    }

    /// A kind may hand one of its inputs on unchanged: its output is then the link to that stored
    /// object, which is checked (re-hashed) rather than moved. Any other link is refused by `adopt`.
    private func passedThrough(_ path: String) throws -> (Digest, Int, ObjectStamp)? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path),
              target.hasPrefix(objectsDirectory + "/") else { return nil }
        let relative = target.dropFirst(objectsDirectory.count + 1).split(separator: "/")
        guard relative.count == 2, relative[0].count == 2 else { return nil }
        let digest = Digest(hex: String(relative[0] + relative[1]))
        // With no stamp to compare, `check` always re-hashes: `.rehashed` means intact.
        switch check(digest, stamp: nil) {
        case .rehashed(let stamp): return (digest, Int(stamp.size), stamp)
        default: throw EngineError.io("\((path as NSString).lastPathComponent) is an input that was damaged while the step ran")
        }
    }

    /// Stores bytes (a log, a metrics file) and returns their digest and stamp. The bytes are always
    /// written (they are small): an existing copy may be damaged, and rewriting it costs less than reading it.
    public func put(_ data: Data) throws -> (Digest, ObjectStamp) {
        let digest = Digest.of(data)
        let path = objectPath(digest)
        try AtomicFile.write(data, to: path, mode: 0o444)
        guard let stamp = ObjectStamp(path: path) else { throw EngineError.io("\(path) vanished after it was stored") }
        return (digest, stamp)
    }

    /// What a look at a stored object found.
    public enum ObjectState: Equatable, Sendable {
        /// Its stamp is the recorded one: nothing wrote to it since it was stored or last hashed.
        case intact
        /// Its stamp changed but its bytes still hash to its digest (a copy restored with `cp -a`,
        /// a touch): the new stamp should be recorded.
        case rehashed(ObjectStamp)
        case missing
        /// Its bytes no longer hash to its digest, or it is not a regular file.
        case damaged
    }

    /// Checks an object against its recorded stamp: one `lstat` when nothing changed, a full re-hash
    /// when anything did. A damaged object is removed, so the step that made it runs again.
    /// `remove: false` only looks (`flow status`).
    public func check(_ digest: Digest, stamp: ObjectStamp?, remove: Bool = true) -> ObjectState {
        let path = objectPath(digest)
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        let now = ObjectStamp(info)
        if info.st_mode & S_IFMT == S_IFREG {
            if now == stamp { return .intact }
            if (try? Digest.of(fileAt: path)) == digest { return .rehashed(now) }
        }
        if remove { try? FileManager.default.removeItem(atPath: path) }
        return .damaged
    }

    public func recordPath(_ key: Digest) -> String { "\(recordsDirectory)/\(key.hex).json" }

    /// The key document beside the record: read only to explain why a step is stale, so kept
    /// apart from the record every run reads.
    public func keyDocumentPath(_ key: Digest) -> String { "\(recordsDirectory)/\(key.hex).key.json" }

    public func keyDocument(for key: Digest) -> KeyDocument? {
        guard let data = FileManager.default.contents(atPath: keyDocumentPath(key)), let json = try? Value(json: data) else { return nil }
        return try? KeyDocument(json: json)
    }

    /// What the store holds for a key.
    public enum Lookup: Sendable {
        /// The step completed and every output is intact.
        case found(StepRecord)
        /// No completed record, or an output is gone.
        case missing
        /// The record exists but these outputs were damaged (and are now removed).
        case damaged(StepRecord, [String])

        public var record: StepRecord? {
            if case .found(let record) = self { return record }
            return nil
        }

        /// "stored output 'o' no longer matches its digest (modified on disk)", for damaged `outputs`.
        public static func damage(_ outputs: [String]) -> String {
            let names = outputs.map { "'\($0)'" }.joined(separator: ", ")
            return outputs.count == 1 ? "stored output \(names) no longer matches its digest (modified on disk)"
                : "stored outputs \(names) no longer match their digests (modified on disk)"
        }
    }

    /// The record for `key`, if the step completed and every output it names is intact in the store.
    public func record(for key: Digest) -> StepRecord? {
        lookup(key).record
    }

    /// The record for `key` with each output checked against its stamp (re-hashed when the stamp
    /// changed). Stamps of objects that re-hash correctly are refreshed in the record.
    public func lookup(_ key: Digest, repair: Bool = true) -> Lookup {
        guard var record = storedRecord(key) else { return .missing }
        var damaged: [String] = [], missing = false, refreshed = false
        for (name, output) in record.outputs.sorted(by: { $0.key < $1.key }) {
            switch check(output.digest, stamp: record.stamps[output.digest], remove: repair) {
            case .intact: break
            case .rehashed(let stamp): record.stamps[output.digest] = stamp; refreshed = true
            case .missing: missing = true
            case .damaged: damaged.append(name)
            }
        }
        if !damaged.isEmpty { return .damaged(record, damaged) }
        if missing { return .missing }
        if refreshed && repair { try? AtomicFile.write(record.json.prettyJSON, to: recordPath(key)) }
        return .found(record)
    }

    /// Writes the key document, then the record, after the outputs are in place: the record's
    /// presence means the step is complete.
    public func write(_ record: StepRecord, document: KeyDocument) throws {
        try AtomicFile.write(document.json.prettyJSON, to: keyDocumentPath(record.key))
        try AtomicFile.write(record.json.prettyJSON, to: recordPath(record.key))
    }

    /// A new scratch directory for one step's work.
    public func makeScratch(for step: String) throws -> String {
        let safe = step.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        let path = "\(scratchDirectory)/\(String(safe).prefix(60))-\(Self.host)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// This machine's name, in scratch names: on a shared file system a process group id only means
    /// something on the host that wrote it.
    static let host: String = {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "host" }
        let text = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(text.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }()

    /// Clears scratch directories left by runs that were killed, first stopping any process group
    /// they recorded on this host, so an orphaned command cannot write on after its run is gone.
    /// Only call this while holding the workspace lock (and after cancelling a killed run's cluster jobs).
    public func clearAbandonedScratch() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: scratchDirectory)) ?? []
        for entry in entries {
            let path = "\(scratchDirectory)/\(entry)"
            if entry.contains("-\(Self.host)-"), let group = ProcessGroupFile.read(path + "/.pgid") {
                group.kill()
            }
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
