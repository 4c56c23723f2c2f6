import FlowConfig
import Foundation

/// The local store's results shared through a remote store: what `flow push`, `flow pull` and
/// `flow run --remote` do.
///
/// Objects go up before the records that name them, so a record on the remote means its objects are
/// there (as in the local store). Everything that comes down is checked: each object against its
/// digest before it enters the local store, each record against its key. A damaged remote object is
/// never used; its step is reported and computed here.
public final class RemoteCache: @unchecked Sendable {
    /// The name the user gave the remote, for messages.
    public let name: String
    public let remote: any RemoteStore
    public let store: Store
    private let mutex = NSLock()
    /// The remote's record keys, listed once on first need (`flow run` looks up every step that is
    /// not stored here; one listing serves them all).
    private var listedKeys: Set<Digest>?
    /// Objects found damaged on the remote in this process: a push replaces them even though a copy
    /// of that name is there.
    private var damagedObjects = Set<Digest>()
    private var damagedRecords = Set<Digest>()
    /// Set when the remote could not be listed during a run: said once, then the run goes on without it.
    private var unreachable = false

    public init(name: String, remote: any RemoteStore, store: Store) {
        self.name = name
        self.remote = remote
        self.store = store
    }

    static func objectPath(_ digest: Digest) -> String { "objects/\(digest.hex.prefix(2))/\(digest.hex.dropFirst(2))" }
    static func recordPath(_ key: Digest) -> String { "steps/\(key.hex).json" }
    static func keyDocumentPath(_ key: Digest) -> String { "steps/\(key.hex).key.json" }

    /// What a transfer moved, and what it could not.
    public struct Report: Sendable {
        public var records = 0
        public var objects = 0
        public var bytes = 0
        /// Steps already on the other side.
        public var present = 0
        /// Keys the source does not have.
        public var absent: [Digest] = []
        /// One line per problem, each naming the object or record and its step.
        public var problems: [String] = []
    }

    // MARK: Listing

    /// Keys of the records on the remote.
    public func remoteKeys(refresh: Bool = false) throws -> Set<Digest> {
        if !refresh, let listed = mutex.withLock({ listedKeys }) { return listed }
        let keys = Set(try remote.list("steps", recursive: false).compactMap { path -> Digest? in
            let name = (path as NSString).lastPathComponent
            guard name.hasSuffix(".json"), !name.hasSuffix(".key.json") else { return nil }
            return Self.digest(String(name.dropLast(5)))
        })
        mutex.withLock { listedKeys = keys }
        return keys
    }

    /// Digests of the objects on the remote; names that are not digests (a temporary file) are not objects.
    public func remoteObjects() throws -> Set<Digest> {
        Set(try remote.list("objects", recursive: true).compactMap { path -> Digest? in
            let parts = path.split(separator: "/")
            guard parts.count == 3, parts[1].count == 2 else { return nil }
            return Self.digest(String(parts[1] + parts[2]))
        })
    }

    static func digest(_ hex: String) -> Digest? {
        hex.utf8.count == 64 && hex.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } ? Digest(hex: hex) : nil
    }

    // MARK: Push

    /// Uploads the records of `keys` and the objects they name (outputs and logs), only what the remote
    /// lacks (and what was found damaged there), objects first.
    public func push(_ keys: [Digest]) throws -> Report {
        var report = Report()
        var records: [StepRecord] = []
        for key in Set(keys).sorted() {
            switch store.lookup(key) {
            case .found(let record): records.append(record)
            case .missing: report.absent.append(key)
            case .damaged(let record, let outputs):
                report.problems.append("'\(record.step)': " + Store.Lookup.damage(outputs) + "; not pushed (run the workflow to recompute it)")
            }
        }
        guard !records.isEmpty else { return report }
        let (replaceObjects, replaceRecords) = mutex.withLock { (damagedObjects, damagedRecords) }
        let onRemote = try remoteKeys(refresh: true).subtracting(replaceRecords)
        let objectsThere = try remoteObjects().subtracting(replaceObjects)
        var uploads: [(local: String, remote: String)] = []
        var queued = Set<Digest>()
        for record in records {
            for digest in record.outputs.values.map(\.digest) + (record.log.map { [$0] } ?? [])
            where !objectsThere.contains(digest) && queued.insert(digest).inserted {
                uploads.append((store.objectPath(digest), Self.objectPath(digest)))
                report.bytes += Int(ObjectStamp(path: store.objectPath(digest))?.size ?? 0)
            }
        }
        report.objects = uploads.count
        try remote.upload(uploads)

        let scratch = try store.makeScratch(for: "push")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var recordUploads: [(local: String, remote: String)] = []
        for record in records {
            guard !onRemote.contains(record.key) else { report.present += 1; continue }
            // Stamps describe this machine's files (inodes, times): meaningless anywhere else.
            var shared = record
            shared.stamps = [:]
            let local = "\(scratch)/\(record.key.hex).json"
            try Data(shared.json.prettyJSON.utf8).write(to: URL(fileURLWithPath: local))
            if FileManager.default.fileExists(atPath: store.keyDocumentPath(record.key)) {
                recordUploads.append((store.keyDocumentPath(record.key), Self.keyDocumentPath(record.key)))
            }
            recordUploads.append((local, Self.recordPath(record.key)))
            report.records += 1
        }
        try remote.upload(recordUploads)
        mutex.withLock {
            listedKeys?.formUnion(records.map(\.key))
            damagedObjects.subtract(queued)
            damagedRecords.subtract(records.map(\.key))
        }
        return report
    }

    // MARK: Pull

    /// Downloads the records of `keys` that this store lacks and the objects they name, each object
    /// checked against its digest; a record is written only once all its objects are in place.
    public func pull(_ keys: [Digest]) throws -> Report {
        var report = Report()
        var wanted: [Digest] = []
        for key in Set(keys).sorted() {
            if case .found = store.lookup(key) { report.present += 1 } else { wanted.append(key) }
        }
        guard !wanted.isEmpty else { return report }
        let onRemote = try remoteKeys(refresh: true)
        report.absent = wanted.filter { !onRemote.contains($0) }
        let (records, problems) = try retrieve(wanted.filter(onRemote.contains), report: &report)
        report.records = records.count
        report.problems += problems.keys.sorted().map { problems[$0]! }
        return report
    }

    /// What a read-through look-up found for one step.
    public enum Fetched: Sendable {
        case found(StepRecord)
        case missing
        /// The remote has the step but could not give it whole and intact: the message says why.
        case unusable(String)
    }

    /// Whether the remote's listing (made once, on first need) holds `key`; the second value is said once
    /// when the remote cannot be read, and the run goes on without it.
    public func lists(_ key: Digest) -> (Bool, String?) {
        if mutex.withLock({ unreachable }) { return (false, nil) }
        do {
            return (try remoteKeys().contains(key), nil)
        } catch {
            let first = mutex.withLock { () -> Bool in defer { unreachable = true }; return !unreachable }
            return (false, first ? "remote '\(name)' cannot be read (\(error)); this run goes on without it" : nil)
        }
    }

    /// For `flow run --remote`: the steps of `keys` from the remote, those it has whole and intact, in one
    /// batch (one download of the records, one of the objects).
    public func fetch(_ keys: [Digest]) -> [Digest: Fetched] {
        var report = Report()
        do {
            let (records, problems) = try retrieve(keys, report: &report)
            var fetched = Dictionary(keys.map { ($0, Fetched.missing) }, uniquingKeysWith: { a, _ in a })
            for record in records { fetched[record.key] = .found(record) }
            for (key, problem) in problems { fetched[key] = .unusable(problem) }
            return fetched
        } catch {
            return Dictionary(keys.map { ($0, Fetched.unusable("remote '\(name)': \(error)")) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Downloads records and their objects; returns the records now stored here, and each other key's problem.
    private func retrieve(_ keys: [Digest], report: inout Report) throws -> ([StepRecord], [Digest: String]) {
        guard !keys.isEmpty else { return ([], [:]) }
        let scratch = try store.makeScratch(for: "pull")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var problems: [Digest: String] = [:]
        let paths = keys.flatMap { [Self.recordPath($0), Self.keyDocumentPath($0)] }
        let landed = try remote.download(paths, into: scratch)
        var records: [StepRecord] = []
        for key in keys {
            guard let file = landed[Self.recordPath(key)] else { continue }
            guard let data = FileManager.default.contents(atPath: file), let json = try? Value(json: data),
                  var record = try? StepRecord(json: json), record.key == key else {
                problems[key] = "remote '\(name)': the record \(key.short) cannot be read or is not the record of that key; not used"
                mutex.withLock { _ = damagedRecords.insert(key) }
                continue
            }
            record.stamps = [:]
            records.append(record)
        }

        // Objects this store already holds intact are not downloaded again.
        var needed: [Digest] = []
        var stamps: [Digest: ObjectStamp] = [:]
        for digest in Set(records.flatMap { $0.outputs.values.map(\.digest) + ($0.log.map { [$0] } ?? []) }).sorted() {
            if case .rehashed(let stamp) = store.check(digest, stamp: nil) { stamps[digest] = stamp } else { needed.append(digest) }
        }
        let objects = try remote.download(needed.map(Self.objectPath), into: scratch)
        var bad = Set<Digest>()
        for digest in needed {
            guard let file = objects[Self.objectPath(digest)] else { bad.insert(digest); continue }
            let size = Int(ObjectStamp(path: file)?.size ?? 0)
            if let stamp = try store.adopt(fileAt: file, expecting: digest) {
                stamps[digest] = stamp
                report.objects += 1
                report.bytes += size
            } else {
                bad.insert(digest)
                mutex.withLock { _ = damagedObjects.insert(digest) }
            }
        }

        var complete: [StepRecord] = []
        var writes: [(data: Data, path: String)] = [], moves: [(from: String, to: String)] = []
        for var record in records {
            var unusable: [String] = []
            for (output, entry) in record.outputs.sorted(by: { $0.key < $1.key }) where bad.contains(entry.digest) {
                let what = objects[Self.objectPath(entry.digest)] == nil ? "is missing there" : "is damaged there (its bytes do not match its digest)"
                unusable.append("object \(entry.digest.short) (output '\(output)' of step '\(record.step)') \(what)")
            }
            if let log = record.log, bad.contains(log) {
                unusable.append("object \(log.short) (the log of step '\(record.step)') \(objects[Self.objectPath(log)] == nil ? "is missing there" : "is damaged there (its bytes do not match its digest)")")
            }
            guard unusable.isEmpty else {
                problems[record.key] = "remote '\(name)': " + unusable.joined(separator: "; ") + "; not used"
                continue
            }
            for digest in record.outputs.values.map(\.digest) + (record.log.map { [$0] } ?? []) { record.stamps[digest] = stamps[digest] }
            if let document = landed[Self.keyDocumentPath(record.key)] { moves.append((document, store.keyDocumentPath(record.key))) }
            writes.append((Data(record.json.prettyJSON.utf8), store.recordPath(record.key)))
            complete.append(record)
        }
        // Key documents before records, all flushed at once: a record appears only with its objects in place.
        try AtomicFile.writeAll(writes, moving: moves)
        return (complete, problems)
    }
}

extension LockFile {
    /// `*.lock` files beside workflows, anywhere under `root` but the store, results and build folders.
    public static func paths(under root: String) -> [String] {
        var found: [String] = []
        let skip: Set<String> = [".flow", ".git", "results", "node_modules"]
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        while let path = enumerator.nextObject() as? String {
            let name = (path as NSString).lastPathComponent
            if skip.contains(name) || name.hasPrefix(".build") { enumerator.skipDescendants(); continue }
            if name.hasSuffix(".lock") { found.append(root + "/" + path) }
        }
        return found.sorted()
    }
}
