import FlowConfig
import Foundation

/// Removes store entries that nothing refers to.
///
/// Kept: every step record a lock file in the workspace names (lock files are rewritten after each
/// step, so an interrupted run's work is among them), every record written in the last
/// `keepRecent` seconds, and with `allCommits` every record a lock file of any git commit names, so
/// that checking out last month's analysis does not recompute it. A lock file that cannot be parsed
/// stops the collection: what it refers to cannot be known.
public struct GarbageCollector: Sendable {
    public var store: Store
    public var workspaceRoot: String
    public var keepRecent: TimeInterval
    public var allCommits: Bool

    public init(store: Store, workspaceRoot: String, keepRecent: TimeInterval = 86_400, allCommits: Bool = false) {
        self.store = store
        self.workspaceRoot = workspaceRoot
        self.keepRecent = keepRecent
        self.allCommits = allCommits
    }

    public struct Report: Sendable {
        /// Steps whose records go (or would go), by name.
        public var removedSteps: [String] = []
        public var objects = 0
        public var bytes = 0
        public var lockFiles = 0
        public var commitLockFiles = 0
        public var recentRecords = 0
        public var records: Int { removedSteps.count }
    }

    /// Call while holding the workspace lock.
    public func collect(dryRun: Bool) throws -> Report {
        var report = Report()
        var liveKeys = Set<Digest>()
        for path in lockFiles() {
            guard let lock = try LockFile.parse(path) else { continue }
            report.lockFiles += 1
            liveKeys.formUnion(lock.steps.values.map(\.key))
        }
        if allCommits {
            let texts = try GitHistory(root: workspaceRoot).lockFileTexts()
            for (name, text) in texts {
                // A conflicted lock file committed by mistake names keys the current ones also name.
                guard let lock = try? LockFile.parse(text, file: name) else { continue }
                report.commitLockFiles += 1
                liveKeys.formUnion(lock.steps.values.map(\.key))
            }
        }
        let fm = FileManager.default
        let now = Date()
        var liveObjects = Set<Digest>()
        for key in store.recordKeys() {
            let path = store.recordPath(key)
            let record = store.storedRecord(key)
            let modified = (try? fm.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
            let recent = now.timeIntervalSince(modified) < keepRecent
            if let record, liveKeys.contains(key) || recent {
                if recent && !liveKeys.contains(key) { report.recentRecords += 1 }
                record.outputs.values.forEach { liveObjects.insert($0.digest) }
                if let log = record.log { liveObjects.insert(log) }
            } else {
                report.removedSteps.append(record?.step ?? "(unreadable record \(key.short))")
                if !dryRun {
                    try? fm.removeItem(atPath: path)
                    try? fm.removeItem(atPath: store.keyDocumentPath(key))
                }
            }
        }
        // A file whose name is no digest is a temporary file a killed write left: nothing refers to it.
        for (path, digest) in store.objectFiles() where digest.map({ !liveObjects.contains($0) }) ?? true {
            report.objects += 1
            report.bytes += ((try? fm.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0
            if !dryRun { try? fm.removeItem(atPath: path) }
        }
        report.removedSteps.sort()
        return report
    }

    /// `*.lock` files beside workflows, anywhere in the workspace but the store and build folders.
    func lockFiles() -> [String] { LockFile.paths(under: workspaceRoot) }
}

/// The `*.lock` files of every commit of the workspace's git repository.
struct GitHistory {
    var root: String

    /// (commit:path, text) of each distinct lock-file blob reachable from any ref.
    func lockFileTexts() throws -> [(String, String)] {
        let listing = try git(["rev-list", "--all", "--objects"])
        var blobs: [(String, String)] = []
        var seen = Set<String>()
        for line in listing.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[1].hasSuffix(".lock"), seen.insert(String(parts[0])).inserted else { continue }
            blobs.append((String(parts[0]), String(parts[1])))
        }
        return try blobs.map { blob, path in ("\(path)@\(blob.prefix(12))", try git(["cat-file", "blob", blob])) }
    }

    private func git(_ arguments: [String]) throws -> String {
        guard let path = ChildProcess.executable("git") else { throw EngineError.io("--all-commits needs git on PATH") }
        let result = try ChildProcess.capture(path, ["-C", root] + arguments)
        guard result.status == 0 else {
            throw EngineError.io("--all-commits: git \(arguments.first ?? "") failed in \(root): \(result.errors.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return result.output
    }
}
