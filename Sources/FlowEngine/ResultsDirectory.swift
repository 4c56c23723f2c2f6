import CFiles
import Foundation

/// `results/<workflow>/<step>/`: the human-facing view of a workflow's outputs, as read-only copies of
/// the store's objects (reflinks where the file system shares extents, so they cost no space there).
///
/// Copies, not links: with a hard link, anything that writes to a file under `results/` (an editor,
/// `>>`, a tool run as root, which ignores the read-only mode) would write into the store.
public struct ResultsDirectory: Sendable {
    public var root: String
    public var store: Store

    public init(root: String, store: Store) {
        self.root = root
        self.store = store
    }

    /// The directory of a step's results.
    public func directory(for step: String) -> String { root + "/" + Self.component(step) }

    /// A step or file name as one path component. Matrix values may hold any character, so '/' and '%'
    /// are escaped as %2F and %25 (and NUL as %00); a name too long for a file name keeps its first
    /// 180 bytes and gains a digest of the whole, so two names never share a component.
    public static func component(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "/": out += "%2F"
            case "%": out += "%25"
            case "\0": out += "%00"
            default: out.unicodeScalars.append(scalar)
            }
        }
        if out == "." || out == ".." { return out.replacingOccurrences(of: ".", with: "%2E") }
        guard out.utf8.count > 200 else { return out }
        var prefix = ""
        for character in out {
            guard prefix.utf8.count + String(character).utf8.count <= 180 else { break }
            prefix.append(character)
        }
        return prefix + "…" + Digest.of(name).short
    }

    /// The output a person reads first: an output named `report` is also copied to the top of the
    /// workflow's results, as `<step>.<extension>` (so `results/<workflow>/report.html`).
    public static let pageOutput = "report"

    public func page(for step: String, record: StepRecord) -> String? {
        guard let file = record.outputs[Self.pageOutput]?.file else { return nil }
        let ext = (file as NSString).pathExtension
        return root + "/" + Self.component(step) + (ext.isEmpty ? "" : "." + ext)
    }

    /// Copies the step's stored outputs to `results/<workflow>/<step>/<file>` (and its log to `log.txt`),
    /// and the step's page, if it has one, to `results/<workflow>/<step>.<extension>`.
    public func publish(step: String, record: StepRecord) throws {
        let directory = directory(for: step)
        var copies: [(String, Digest)] = record.outputs.values.map { (directory + "/" + Self.component($0.file), $0.digest) }
        if let log = record.log { copies.append((directory + "/log.txt", log)) }
        if let page = page(for: step, record: record), let digest = record.outputs[Self.pageOutput]?.digest {
            copies.append((page, digest))
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (path, digest) in copies {
            try copy(store.objectPath(digest), to: path)
        }
    }

    /// Copies `object` to `path` unless `path` already is an unmodified copy of it (a regular file of
    /// its own, same size and modification time: the copy takes the object's time).
    func copy(_ object: String, to path: String) throws {
        var source = stat(), existing = stat()
        guard stat(object, &source) == 0 else { return }
        if lstat(path, &existing) == 0, existing.st_mode & S_IFMT == S_IFREG, existing.st_ino != source.st_ino,
           existing.st_size == source.st_size, existing.st_mtim.tv_sec == source.st_mtim.tv_sec,
           existing.st_mtim.tv_nsec == source.st_mtim.tv_nsec {
            return
        }
        let input = open(object, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw EngineError.io("cannot read \(object): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        let temporary = (path as NSString).deletingLastPathComponent + "/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        unlink(temporary)
        let output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw EngineError.io("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let status = flow_copy_file(input, output)
        var times = [source.st_atim, source.st_mtim]
        futimens(output, &times)
        fchmod(output, 0o444)
        close(output)
        // rename replaces whatever stood there (an old hard link, a symbolic link) without following it.
        guard status == 0, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(status != 0 ? status : errno))
            unlink(temporary)
            throw EngineError.io("cannot copy a result to \(path): \(reason)")
        }
    }
}
