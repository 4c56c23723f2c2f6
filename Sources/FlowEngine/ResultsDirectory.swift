import Foundation

/// `results/<workflow>/<step>/`: the human-facing view of a workflow's outputs, as links into the store
/// (hard links, so files keep their names; read-only like the store).
public struct ResultsDirectory: Sendable {
    public var root: String
    public var store: Store

    /// The relative path from any step's directory to the store's objects (step names hold no '/').
    let storeFromStep: String, storeFromRoot: String

    public init(root: String, store: Store) {
        self.root = root
        self.store = store
        storeFromStep = Self.relativePath(from: root + "/step", to: store.objectsDirectory)
        storeFromRoot = Self.relativePath(from: root, to: store.objectsDirectory)
    }

    public func directory(for step: String) -> String { root + "/" + step }

    /// The output a person reads first: an output named `report` is also linked at the top of the
    /// workflow's results, as `<step>.<extension>` (so `results/<workflow>/report.html`).
    public static let pageOutput = "report"

    public func page(for step: String, record: StepRecord) -> String? {
        guard let file = record.outputs[Self.pageOutput]?.file else { return nil }
        let ext = (file as NSString).pathExtension
        return root + "/" + step + (ext.isEmpty ? "" : "." + ext)
    }

    /// Points `results/<workflow>/<step>/<file>` at the step's stored outputs (and `log.txt` at its log),
    /// and the step's page, if it has one, at `results/<workflow>/<step>.<extension>`.
    public func publish(step: String, record: StepRecord) throws {
        let directory = directory(for: step)
        var links: [(String, Digest)] = record.outputs.values.map { (directory + "/" + $0.file, $0.digest) }
        if let log = record.log { links.append((directory + "/log.txt", log)) }
        if let page = page(for: step, record: record), let digest = record.outputs[Self.pageOutput]?.digest {
            links.append((page, digest))
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (link, digest) in links {
            let object = store.objectPath(digest)
            var linkInfo = stat(), objectInfo = stat()
            if lstat(link, &linkInfo) == 0, stat(object, &objectInfo) == 0, linkInfo.st_ino == objectInfo.st_ino { continue }
            try? FileManager.default.removeItem(atPath: link)
            // A hard link keeps the file's own name and extension (a browser opens report.html as HTML,
            // which it does not through a symbolic link to an extensionless object); across file systems,
            // a relative symbolic link, which survives moving the whole workspace.
            if Foundation.link(object, link) != 0 {
                let fromLink = link.hasPrefix(directory + "/") ? storeFromStep : storeFromRoot
                let target = fromLink + "/" + digest.hex.prefix(2) + "/" + digest.hex.dropFirst(2)
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
