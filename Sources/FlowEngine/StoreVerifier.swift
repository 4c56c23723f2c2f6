import FlowConfig
import Foundation

/// Re-hashes every object in the store and names the steps whose results are damaged.
public struct StoreVerifier: Sendable {
    public var store: Store

    public init(store: Store) { self.store = store }

    public struct Damage: Sendable {
        /// The object's digest (its file name in the store).
        public var digest: Digest
        /// "digest mismatch", "missing", "not a regular file".
        public var problem: String
        /// Steps whose records name it, with the output name.
        public var steps: [String]
    }

    public struct Report: Sendable {
        public var objects = 0
        public var bytes = 0
        public var records = 0
        public var damaged: [Damage] = []
        /// Objects that records name but the store lacks: those steps run again when next needed.
        public var missing: [Damage] = []
    }

    /// Checks every object; with `repair`, removes damaged objects and the records that name a damaged
    /// or missing object, so the next `flow run` recomputes exactly those steps.
    public func verify(repair: Bool) -> Report {
        var report = Report()
        let fm = FileManager.default
        var users: [Digest: [String]] = [:]
        var recordsOf: [Digest: [Digest]] = [:]
        for key in store.recordKeys() {
            guard let record = store.storedRecord(key) else { continue }
            report.records += 1
            for (name, output) in record.outputs {
                users[output.digest, default: []].append("\(record.step) (\(name))")
                recordsOf[output.digest, default: []].append(key)
            }
            if let log = record.log {
                users[log, default: []].append("\(record.step) (log)")
                recordsOf[log, default: []].append(key)
            }
        }
        var present = Set<Digest>()
        // Files whose names are no digest (temporaries a killed write left) are not objects; gc removes them.
        for case let (path, digest?) in store.objectFiles() {
            present.insert(digest)
            report.objects += 1
            var info = stat()
            let problem: String?
            if lstat(path, &info) != 0 || info.st_mode & S_IFMT != S_IFREG {
                problem = "not a regular file"
            } else {
                report.bytes += Int(info.st_size)
                problem = (try? Digest.of(fileAt: path)) == digest ? nil : "digest mismatch"
            }
            guard let problem else { continue }
            report.damaged.append(Damage(digest: digest, problem: problem, steps: (users[digest] ?? []).sorted()))
            if repair { try? fm.removeItem(atPath: path) }
        }
        // A record naming an object that is gone is not trusted by any run (its step runs again), so it
        // is listed but is no damage.
        for (digest, steps) in users.sorted(by: { $0.key < $1.key }) where !present.contains(digest) {
            report.missing.append(Damage(digest: digest, problem: "missing", steps: steps.sorted()))
        }
        if repair {
            for damage in report.damaged + report.missing {
                for key in recordsOf[damage.digest] ?? [] { try? fm.removeItem(atPath: store.recordPath(key)) }
            }
        }
        return report
    }
}
