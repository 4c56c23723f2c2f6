import FlowConfig
import Foundation

/// Removes store entries that no lock file in the workspace refers to.
public struct GarbageCollector: Sendable {
    public var store: Store
    public var workspaceRoot: String

    public init(store: Store, workspaceRoot: String) {
        self.store = store
        self.workspaceRoot = workspaceRoot
    }

    public struct Report: Sendable {
        public var records = 0
        public var objects = 0
        public var bytes = 0
        public var lockFiles = 0
    }

    /// Call while holding the workspace lock.
    public func collect(dryRun: Bool) throws -> Report {
        var report = Report()
        var liveKeys = Set<Digest>()
        for path in lockFiles() {
            guard let lock = LockFile.read(path) else { continue }
            report.lockFiles += 1
            liveKeys.formUnion(lock.steps.values.map(\.key))
        }
        var liveObjects = Set<String>()
        let fm = FileManager.default
        for file in (try? fm.contentsOfDirectory(atPath: store.recordsDirectory)) ?? [] where file.hasSuffix(".json") && !file.hasSuffix(".key.json") {
            let key = Digest(hex: String(file.dropLast(5)))
            let path = store.recordPath(key)
            if liveKeys.contains(key), let data = fm.contents(atPath: path), let json = try? Value(json: data),
               let record = try? StepRecord(json: json) {
                record.outputs.values.forEach { liveObjects.insert(store.objectPath($0.digest)) }
                if let log = record.log { liveObjects.insert(store.objectPath(log)) }
            } else {
                report.records += 1
                if !dryRun {
                    try? fm.removeItem(atPath: path)
                    try? fm.removeItem(atPath: store.keyDocumentPath(key))
                }
            }
        }
        for prefix in (try? fm.contentsOfDirectory(atPath: store.objectsDirectory)) ?? [] {
            let directory = store.objectsDirectory + "/" + prefix
            for name in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] {
                let path = directory + "/" + name
                guard !liveObjects.contains(path) else { continue }
                report.objects += 1
                report.bytes += ((try? fm.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0
                if !dryRun { try? fm.removeItem(atPath: path) }
            }
        }
        return report
    }

    /// `*.lock` files beside workflows, anywhere in the workspace but the store and build folders.
    func lockFiles() -> [String] {
        var found: [String] = []
        let skip: Set<String> = [".flow", ".git", "results", "node_modules"]
        guard let enumerator = FileManager.default.enumerator(atPath: workspaceRoot) else { return [] }
        while let path = enumerator.nextObject() as? String {
            let name = (path as NSString).lastPathComponent
            if skip.contains(name) || name.hasPrefix(".build") { enumerator.skipDescendants(); continue }
            if name.hasSuffix(".lock") { found.append(workspaceRoot + "/" + path) }
        }
        return found
    }
}
