import ArgumentParser
import FlowEngine
import Foundation

extension Flow {
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
