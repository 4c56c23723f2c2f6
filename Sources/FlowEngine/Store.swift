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

    public func hasObject(_ digest: Digest) -> Bool {
        FileManager.default.fileExists(atPath: objectPath(digest))
    }

    /// Moves a finished file into the store and returns its digest. The file must be on the same
    /// file system (scratch directories are), so the move is a rename.
    public func adopt(fileAt path: String) throws -> (Digest, Int) {
        let digest = try Digest.of(fileAt: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let destination = objectPath(digest)
        if FileManager.default.fileExists(atPath: destination) {
            unlink(path)
        } else {
            try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            chmod(path, 0o444)
            guard rename(path, destination) == 0 else {
                throw EngineError.io("cannot move \(path) into the store: \(String(cString: strerror(errno)))")
            }
        }
        return (digest, size)
    }

    /// Stores bytes (a log, a metrics file) and returns their digest.
    public func put(_ data: Data) throws -> Digest {
        let digest = Digest.of(data)
        if !hasObject(digest) {
            let path = objectPath(digest)
            try AtomicFile.write(data, to: path)
            chmod(path, 0o444)
        }
        return digest
    }

    public func recordPath(_ key: Digest) -> String { "\(recordsDirectory)/\(key.hex).json" }

    /// The key document beside the record: read only to explain why a step is stale, so kept
    /// apart from the record every run reads.
    public func keyDocumentPath(_ key: Digest) -> String { "\(recordsDirectory)/\(key.hex).key.json" }

    public func keyDocument(for key: Digest) -> KeyDocument? {
        guard let data = FileManager.default.contents(atPath: keyDocumentPath(key)), let json = try? Value(json: data) else { return nil }
        return try? KeyDocument(json: json)
    }

    /// The record for `key`, if the step completed and every output it names is still in the store.
    public func record(for key: Digest) -> StepRecord? {
        guard let data = FileManager.default.contents(atPath: recordPath(key)), let json = try? Value(json: data),
              let record = try? StepRecord(json: json) else { return nil }
        guard record.outputs.values.allSatisfy({ hasObject($0.digest) }) else { return nil }
        return record
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
            if entry.contains("-\(Self.host)-"), let text = try? String(contentsOfFile: path + "/.pgid", encoding: .utf8), let pgid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pgid > 1 {
                kill(-pgid, SIGKILL)
            }
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
