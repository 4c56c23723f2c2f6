import ArgumentParser
import FlowEngine
import Foundation

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
}
