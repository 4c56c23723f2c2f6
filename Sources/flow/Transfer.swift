import ArgumentParser
import FlowEngine
import Foundation

/// What `push` and `pull` share: which steps (the lock files' keys) and which remote.
struct TransferOptions: ParsableArguments {
    @Argument(help: "Workflows whose lock files name the steps (default: every lock file in the workspace).",
              completion: .file(extensions: ["yaml", "yml"]))
    var workflows: [String] = []

    @Option(help: ArgumentHelp("The remote (default: the workspace's default remote).", valueName: "name"))
    var remote: String?

    /// The workspace root, its store, the keys the lock files name, and the remote.
    func resolve() throws -> (root: String, store: Store, keys: [Digest], remote: RemoteCache) {
        let directory = workflows.first.map { (($0 as NSString).standardizingPath as NSString).deletingLastPathComponent }
        let root = Store.workspaceRoot(for: directory.map { $0.isEmpty ? "." : $0 } ?? FileManager.default.currentDirectoryPath)
        let store = Store(root: root + "/.flow")
        let lockFiles = workflows.isEmpty ? LockFile.paths(under: root) : workflows.map(LockFile.path(forWorkflow:))
        var keys: [Digest] = []
        for path in lockFiles {
            do {
                guard let lock = try LockFile.parse(path) else {
                    throw ValidationError("no lock file \(path): run the workflow first (or pull into a clone that has it)")
                }
                keys += lock.steps.values.map(\.key)
            } catch let error as EngineError {
                printError("flow: \(error)")
                throw ExitCode(2)
            }
        }
        return (root, store, keys, try chooseRemote(remote, root: root, store: store, required: true)!)
    }
}

func bytes(_ n: Int) -> String { n == 0 ? "0 bytes" : ByteCountFormatter.string(fromByteCount: Int64(n), countStyle: .file) }

/// Prints a transfer's problems; true when there were any.
func reportProblems(_ report: RemoteCache.Report) -> Bool {
    report.problems.forEach { printError($0) }
    return !report.problems.isEmpty
}

/// One push or pull, under the workspace lock: the transfer, its one-line summary, and its problems.
func transfer(_ options: TransferOptions, command: String, done: String, direction: String, present: String, absent: String,
              _ move: (RemoteCache, [Digest]) throws -> RemoteCache.Report) throws {
    let (_, store, keys, remote) = try options.resolve()
    try store.create()
    let lock = try WorkspaceLock(store: store, wait: true)
    let started = Date()
    let report: RemoteCache.Report
    do {
        report = try move(remote, keys)
    } catch {
        printError("flow \(command): \(error)")
        throw ExitCode(1)
    }
    withExtendedLifetime(lock) {}
    print(String(format: "%@ %@ and %@ (%@) %@ '%@' (%@) in %.2f s", done, counted(report.records, "record"), counted(report.objects, "object"),
                 bytes(report.bytes), direction, remote.name, remote.remote.url, Date().timeIntervalSince(started))
          + (report.present > 0 ? "; \(report.present) \(present)" : "")
          + (report.absent.isEmpty ? "" : "; \(counted(report.absent.count, "step")) \(absent)"))
    if reportProblems(report) { throw ExitCode(1) }
}

extension Flow {
    struct Push: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload the step records the lock files name, and their objects, to a remote: only what it lacks.",
            discussion: "Objects go up before the records that name them, each under a temporary name renamed into place, so the remote never shows a partial object or a record without its objects.")

        @OptionGroup var options: TransferOptions

        func run() throws {
            try transfer(options, command: "push", done: "pushed", direction: "to", present: "already there", absent: "not stored here") {
                try $0.push($1)
            }
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download the step records the lock files name, and their objects, from a remote: only what this store lacks.",
            discussion: "Every object is checked against its digest before it enters the store; a damaged one is named and not used, and the next run computes its step.")

        @OptionGroup var options: TransferOptions

        func run() throws {
            try transfer(options, command: "pull", done: "pulled", direction: "from", present: "already here", absent: "not on the remote") {
                try $0.pull($1)
            }
        }
    }
}
