import Foundation

/// `results/<workflow>/<step>/`: the human-facing view of a workflow's outputs, as links into the store
/// (hard links, so files keep their names; read-only like the store).
public struct ResultsDirectory: Sendable {
    public var root: String
    public var store: Store

    /// The relative path from any step's directory to the store's objects (step names hold no '/').
    let storeFromStep: String

    public init(root: String, store: Store) {
        self.root = root
        self.store = store
        storeFromStep = Self.relativePath(from: root + "/step", to: store.objectsDirectory)
    }

    public func directory(for step: String) -> String { root + "/" + step }

    /// Points `results/<workflow>/<step>/<file>` at the step's stored outputs (and `log.txt` at its log).
    public func publish(step: String, record: StepRecord) throws {
        let directory = directory(for: step)
        var links: [(String, Digest)] = record.outputs.values.map { ($0.file, $0.digest) }
        if let log = record.log { links.append(("log.txt", log)) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (file, digest) in links {
            let link = directory + "/" + file
            let object = store.objectPath(digest)
            var linkInfo = stat(), objectInfo = stat()
            if lstat(link, &linkInfo) == 0, stat(object, &objectInfo) == 0, linkInfo.st_ino == objectInfo.st_ino { continue }
            try? FileManager.default.removeItem(atPath: link)
            // A hard link keeps the file's own name and extension (a browser opens report.html as HTML,
            // which it does not through a symbolic link to an extensionless object); across file systems,
            // a relative symbolic link, which survives moving the whole workspace.
            if Foundation.link(object, link) != 0 {
                let target = storeFromStep + "/" + digest.hex.prefix(2) + "/" + digest.hex.dropFirst(2)
                try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
            }
        }
    }

    /// The path from `directory` to `target` (both absolute, already normalised), by components.
    static func relativePath(from directory: String, to target: String) -> String {
        let from = directory.split(separator: "/"), to = target.split(separator: "/")
        var common = 0
        while common < min(from.count, to.count) && from[common] == to[common] { common += 1 }
        return (Array(repeating: "..", count: from.count - common) + to[common...].map(String.init)).joined(separator: "/")
    }
}
