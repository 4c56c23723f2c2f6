import ArgumentParser
import FlowEngine
import Foundation

/// The store of the workspace that holds `directory`, or nil (with a message) when there is none.
private func existingStore(_ directory: String) -> (root: String, store: Store)? {
    let root = Store.workspaceRoot(for: directory)
    let store = Store(root: root + "/.flow")
    guard FileManager.default.fileExists(atPath: store.root) else {
        print("no store at \(store.root)")
        return nil
    }
    return (root, store)
}

extension Flow {
    struct GC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc", abstract: "Remove stored results that no lock file in the workspace refers to.",
            discussion: "Keeps what any lock file names (they are updated after every step, so an interrupted run's work is kept) and every record of the last --keep-hours. Refuses to run while a lock file cannot be parsed.")

        @Option(help: "The workspace (default: the one holding the current directory).")
        var workspace: String = FileManager.default.currentDirectoryPath

        @Flag(help: "Only print what would be removed.")
        var dryRun = false

        @Flag(help: "Also keep what the lock files of every git commit refer to.")
        var allCommits = false

        @Option(help: "Keep every step record written in the last this many hours.")
        var keepHours: Double = 24

        func run() async throws {
            guard let (root, store) = existingStore(workspace) else { return }
            let lock = try WorkspaceLock(store: store, wait: false)
            let collector = GarbageCollector(store: store, workspaceRoot: root, keepRecent: keepHours * 3600, allCommits: allCommits)
            let report: GarbageCollector.Report
            do {
                report = try collector.collect(dryRun: dryRun)
            } catch {
                printError("flow gc: \(error)\nnothing was removed")
                throw ExitCode(2)
            }
            withExtendedLifetime(lock) {}
            if dryRun { report.removedSteps.forEach { print("would remove: \($0)") } }
            let kept = ["\(report.lockFiles) lock file\(report.lockFiles == 1 ? "" : "s")"]
                + (allCommits ? ["\(report.commitLockFiles) lock files in git history"] : [])
                + (report.recentRecords > 0 ? ["\(report.recentRecords) recent records"] : [])
            print("\(dryRun ? "would remove" : "removed") \(report.records) step records and \(report.objects) objects (\(ByteCountFormatter.string(fromByteCount: Int64(report.bytes), countStyle: .file))); kept what \(kept.joined(separator: ", ")) refer to")
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-hash every stored object and name the steps whose results are damaged.",
            discussion: "Exit status 1 when anything is damaged. With --repair, damaged objects and the records naming them are removed, so the next run recomputes exactly those steps.")

        @Option(help: "The workspace (default: the one holding the current directory).")
        var workspace: String = FileManager.default.currentDirectoryPath

        @Flag(help: "Remove damaged objects and the step records that name them.")
        var repair = false

        func run() async throws {
            guard let (_, store) = existingStore(workspace) else { return }
            let lock = try WorkspaceLock(store: store, wait: false)
            let started = Date()
            let report = StoreVerifier(store: store).verify(repair: repair)
            withExtendedLifetime(lock) {}
            for damage in report.damaged {
                let steps = damage.steps.isEmpty ? "no step record names it" : "used by " + damage.steps.joined(separator: ", ")
                print("DAMAGED \(damage.digest.short)  \(damage.problem); \(steps)")
            }
            for missing in report.missing {
                print("missing \(missing.digest.short)  named by \(missing.steps.joined(separator: ", ")); the next run recomputes it")
            }
            let size = ByteCountFormatter.string(fromByteCount: Int64(report.bytes), countStyle: .file)
            print(String(format: "checked %d objects (%@) of %d step records in %.2f s: ", report.objects, size, report.records,
                         Date().timeIntervalSince(started))
                  + (report.damaged.isEmpty ? "all intact" : "\(report.damaged.count) damaged" + (repair ? ", removed; the next run recomputes them" : "; `flow verify --repair` removes them")))
            if !report.damaged.isEmpty && !repair { throw ExitCode(1) }
        }
    }
}
