import FlowEngine
import Foundation

/// A remote store on an XRootD server (EOS, a Tier-2, a local `xrootd`), reached through the XRootD
/// client tools `xrdcp` and `xrdfs` (Debian's `xrootd-client`).
///
/// The tools rather than the C++ library libXrdCl: no C++ shim to build and keep in step with the
/// library's ABI, the packages every site already has, and a cost per transfer that batching makes
/// small — one `xrdcp` copies a whole batch of files, one `xrdfs` session renames a whole batch, one
/// `xrdfs ls` lists a directory. Every call passes its arguments as an array, never through a shell.
public struct XRootDRemote: RemoteStore {
    public let url: String
    /// `root://host:port`, as the tools take a server.
    public let server: String
    /// The remote's root directory on the server, starting with `/`.
    public let base: String
    /// How many files `xrdcp` moves at once.
    public var parallel = 4

    /// Parses `root://host[:port]//path` (also `roots://`, `xroot://`).
    public init(url: String) throws {
        guard let scheme = ["root://", "roots://", "xroot://", "xroots://"].first(where: url.hasPrefix) else {
            throw EngineError.io("'\(url)' is not an XRootD URL (root://host[:port]//path)")
        }
        let rest = url.dropFirst(scheme.count)
        guard let slash = rest.firstIndex(of: "/") else {
            throw EngineError.io("'\(url)' names no path: write root://host[:port]//path")
        }
        let host = rest[..<slash]
        var path = String(rest[slash...])
        guard path.hasPrefix("//") else {
            throw EngineError.io("'\(url)' has a relative path: write root://host[:port]//absolute/path")
        }
        while path.hasPrefix("//") { path.removeFirst() }
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        guard !host.isEmpty, path.hasPrefix("/"), !path.contains("/../"), !path.hasSuffix("/.."), !path.contains("?") else {
            throw EngineError.io("'\(url)' is not of the form root://host[:port]//path")
        }
        // Paths travel as words of xrdfs commands: no spaces, no control characters, nothing to split on.
        guard !url.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 32 || $0 == 127 } == true }) else {
            throw EngineError.io("'\(url)' contains spaces or control characters, which an XRootD remote's path may not")
        }
        self.url = url
        server = scheme + host
        base = path == "/" ? "" : path
    }

    static func tool(_ name: String) throws -> String {
        guard let path = ChildProcess.executable(name) else {
            throw EngineError.io("\(name) is not installed: XRootD remotes need Debian's xrootd-client (apt-get install xrootd-client)")
        }
        return path
    }

    /// Runs a client tool. The client retries a server that does not answer for 5 × 120 s by default;
    /// a cache that is not there should cost seconds, not ten minutes (a user's own XRD_* settings win).
    func run(_ tool: String, _ arguments: [String], input: Data? = nil) throws -> ChildProcess.Captured {
        var environment: [String: String] = [:]
        let own = ProcessInfo.processInfo.environment
        for (name, value) in [("XRD_CONNECTIONWINDOW", "5"), ("XRD_CONNECTIONRETRY", "2")] where own[name] == nil {
            environment[name] = value
        }
        return try ChildProcess.capture(tool, arguments, input: input, environment: environment)
    }

    func remotePath(_ relative: String) -> String { base + "/" + relative }
    func fullURL(_ relative: String) -> String { server + "/" + remotePath(relative) }

    /// A message of the tools' output that says what went wrong, without the blank lines.
    static func errors(_ captured: ChildProcess.Captured) -> String {
        (captured.errors + captured.output).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.contains("[ERROR]") || $0.contains("rror") }.prefix(5).joined(separator: "; ")
    }

    static func isNotFound(_ captured: ChildProcess.Captured) -> Bool {
        captured.errors.contains("[3011]") || captured.errors.localizedCaseInsensitiveContains("no such file")
    }

    public func list(_ directory: String, recursive: Bool) throws -> [String] {
        let listed = try run(try Self.tool("xrdfs"), [server, "ls"] + (recursive ? ["-R"] : []) + [remotePath(directory)])
        if listed.status != 0 {
            if Self.isNotFound(listed) { return [] }
            throw EngineError.io("cannot list \(fullURL(directory)): \(Self.errors(listed))")
        }
        let prefix = base + "/"
        // `ls -R` lists directories too; every name under objects/ and steps/ that is a file has a dot
        // or sits two levels down, and the caller keeps only the names it understands.
        return listed.output.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    public func download(_ paths: [String], into directory: String) throws -> [String: String] {
        var landed: [String: String] = [:]
        for batch in Self.batchesWithDistinctNames(paths) {
            let target = directory + "/" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            let copied = try run(try Self.tool("xrdcp"),
                                                  ["--silent", "--force", "--nopbar", "--parallel", "\(parallel)"] + batch.map(fullURL) + [target + "/"])
            // A missing file fails only itself: xrdcp copies the rest and exits non-zero. Whatever else
            // failed (the server) leaves files absent, which the caller reports by name.
            for path in batch {
                let local = target + "/" + (path as NSString).lastPathComponent
                if FileManager.default.fileExists(atPath: local) { landed[path] = local }
            }
            if copied.status != 0 && landed.isEmpty && !Self.isNotFound(copied) {
                throw EngineError.io("cannot download from \(url): \(Self.errors(copied))")
            }
        }
        return landed
    }

    public func upload(_ files: [(local: String, remote: String)]) throws {
        guard !files.isEmpty else { return }
        let xrdcp = try Self.tool("xrdcp"), xrdfs = try Self.tool("xrdfs")
        for batch in Self.batchesWithDistinctNames(files.map(\.local)) {
            let remoteOf = Dictionary(files.map { ($0.local, $0.remote) }, uniquingKeysWith: { a, _ in a })
            // The whole batch goes to a directory of its own under tmp/, then each file is renamed into
            // place: nothing under objects/ or steps/ is ever partly written.
            let staging = "tmp/\(getpid())-\(UUID().uuidString)"
            let copied = try run(xrdcp, ["--silent", "--force", "--nopbar", "--path", "--parallel", "\(parallel)"]
                                                  + batch + [fullURL(staging) + "/"])
            var commands = Set(batch.map { remotePath((remoteOf[$0]! as NSString).deletingLastPathComponent) }).sorted().map { "mkdir -p \($0)" }
            commands += batch.map { "mv \(remotePath(staging + "/" + ($0 as NSString).lastPathComponent)) \(remotePath(remoteOf[$0]!))" }
            if copied.status != 0 {
                _ = try? run(xrdfs, [server], input: Data(Self.removal(of: batch, in: remotePath(staging)).utf8))
                throw EngineError.io("cannot upload to \(url): \(Self.errors(copied))")
            }
            // One interactive session for every rename (a command per line on its input): one connection,
            // not a process per file.
            let moved = try run(xrdfs, [server], input: Data((commands + ["rmdir \(remotePath(staging))", "exit"]).joined(separator: "\n").utf8 + [10]))
            let failures = moved.errors.split(separator: "\n").filter { $0.contains("[ERROR]") && !$0.contains("Unable to create") }
            if !failures.isEmpty {
                throw EngineError.io("cannot move uploaded files into place on \(url): \(failures.prefix(3).joined(separator: "; "))")
            }
        }
    }

    /// Commands that remove a staging directory's files and the directory itself.
    static func removal(of files: [String], in staging: String) -> String {
        (files.map { "rm \(staging)/\(($0 as NSString).lastPathComponent)" } + ["rmdir \(staging)", "exit"]).joined(separator: "\n") + "\n"
    }

    /// Splits paths so that no two in a batch share a file name (they land in one directory), at most
    /// `limit` a batch (one command line each).
    static func batchesWithDistinctNames(_ paths: [String], limit: Int = 500) -> [[String]] {
        var batches: [[String]] = []
        var names: [Set<String>] = []
        for path in paths {
            let name = (path as NSString).lastPathComponent
            if let index = names.firstIndex(where: { !$0.contains(name) && $0.count < limit }) {
                batches[index].append(path)
                names[index].insert(name)
            } else {
                batches.append([path])
                names.append([name])
            }
        }
        return batches
    }
}
