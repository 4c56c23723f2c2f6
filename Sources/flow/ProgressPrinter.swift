import FlowConfig
import FlowEngine
import Foundation

/// Streams one line per step event: what started, what ran or came from the store, and how long it took.
final class ProgressPrinter: RunObserver, @unchecked Sendable {
    private let total: Int
    private let results: ResultsDirectory
    private let lock = NSLock()
    private var done = 0
    private var startTimes: [String: Date] = [:]
    private let runStart = Date()

    init(total: Int, results: ResultsDirectory) {
        self.total = total
        self.results = results
    }

    func started(_ step: Step) {
        lock.withLock {
            startTimes[step.name] = Date()
            emit("start ", step.name, "")
        }
    }

    func finished(_ step: Step, _ outcome: StepOutcome) {
        lock.withLock {
            done += 1
            let elapsed = startTimes[step.name].map { String(format: "%.2f s", Date().timeIntervalSince($0)) } ?? ""
            switch outcome {
            case .ran: emit("ran   ", step.name, elapsed)
            case .cached(_, let cutoff): emit("cached", step.name, cutoff ? "inputs unchanged after upstream rerun" : "")
            case .fetched(_, let remote): emit("pulled", step.name, "from remote '\(remote)'\(elapsed.isEmpty ? "" : ", " + elapsed)")
            case .failed(let failure):
                emit("FAILED", step.name, elapsed)
                printError("  \(failure.message)")
                if let log = failure.log, !log.isEmpty {
                    let lines = log.split(separator: "\n", omittingEmptySubsequences: false)
                    let tail = lines.suffix(30)
                    printError("  ── log of \(step.name)\(lines.count > 30 ? " (last 30 of \(lines.count) lines)" : "") ──")
                    tail.forEach { printError("  │ \($0)") }
                }
            case .skipped(let reason): emit("skip  ", step.name, reason)
            }
        }
    }

    func note(_ step: Step, _ message: String) {
        lock.withLock {
            print("        \(step.name): \(message)")
            fflush(stdout)
        }
    }

    func progress(_ step: Step, _ line: String) {
        lock.withLock {
            print("        \(step.name): \(line.trimmingCharacters(in: .whitespaces))")
            fflush(stdout)
        }
    }

    private func emit(_ state: String, _ name: String, _ detail: String) {
        let counter = String(format: "[%\(String(total).count)d/%d]", done, total)
        let line = "\(counter) \(state) \(name)\(detail.isEmpty ? "" : "  (\(detail))")"
        print(line)
        fflush(stdout)
    }

    func summarize(_ outcomes: [String: StepOutcome], interrupted: Bool) {
        var ran = 0, cached = 0, cutoff = 0, fetched = 0, failed: [String] = [], skipped = 0
        for (name, outcome) in outcomes {
            switch outcome {
            case .ran: ran += 1
            case .cached(_, let c): cached += 1; if c { cutoff += 1 }
            case .fetched: fetched += 1
            case .failed: failed.append(name)
            case .skipped: skipped += 1
            }
        }
        let seconds = String(format: "%.2f s", Date().timeIntervalSince(runStart))
        if ran == 0 && failed.isEmpty && skipped == 0 {
            print("all \(cached + fetched) steps up to date (\(fetched > 0 ? "\(fetched) downloaded from the remote, " : "")\(seconds))")
            return
        }
        var parts = ["\(ran) ran", "\(cached) cached" + (cutoff > 0 ? " (\(cutoff) by early cutoff)" : "")]
        if fetched > 0 { parts.append("\(fetched) downloaded from the remote") }
        if !failed.isEmpty { parts.append("\(failed.count) failed") }
        if skipped > 0 { parts.append("\(skipped) not run") }
        print(parts.joined(separator: ", ") + " in \(seconds); results in \(results.root)")
        if interrupted { printError("interrupted: finished steps are stored; `flow run` continues from them") }
        for name in failed.sorted() { printError("failed: \(name) — `flow show <workflow> '\(name)'` prints its log") }
    }
}
