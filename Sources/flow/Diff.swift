import ArgumentParser
import FlowConfig
import FlowEngine
import FlowPlugins
import Foundation
import YAMLNode

extension Flow {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What changed between two git revisions of an analysis: parameters, step settings, keys and metrics.",
            discussion: "With no revision, HEAD against the working tree; with one, that revision against the working tree. Reads each workflow and its lock file at both revisions (git show), so it needs no store.")

        @Argument(help: "Up to two git revisions (default: HEAD and the working tree).")
        var revisions: [String] = []

        @Option(name: .customLong("workflow"), help: ArgumentHelp("A workflow to compare (default: every one with a lock file).", valueName: "file"))
        var workflows: [String] = []

        /// How the comparison is printed.
        enum Format: String, ExpressibleByArgument, CaseIterable { case text, md }

        @Option(help: "text for a terminal, md for a pull-request comment.")
        var format: Format = .text

        func run() throws {
            guard revisions.count <= 2 else { throw ValidationError("flow diff takes at most two revisions") }
            let git = try Git(directory: FileManager.default.currentDirectoryPath)
            let old = revisions.first ?? "HEAD"
            let new = revisions.count == 2 ? revisions[1] : nil
            let files = workflows.isEmpty
                ? LockFile.paths(under: git.root).map { ($0 as NSString).deletingPathExtension + ".yaml" }
                    .filter { FileManager.default.fileExists(atPath: $0) || (try? git.show(new ?? "HEAD", git.relative($0))) != nil }
                : workflows.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            var printed = false
            for file in files {
                let comparison = try WorkflowComparison(git: git, file: file, old: old, new: new)
                guard !comparison.isEmpty else { continue }
                print(format == .md ? comparison.markdown : comparison.text)
                printed = true
            }
            if !printed { print("no differences between \(old) and \(new ?? "the working tree")") }
        }
    }
}

/// A git repository, read with `git` through `ChildProcess.capture`.
struct Git {
    let root: String
    let program: String

    init(directory: String) throws {
        guard let program = ChildProcess.executable("git") else { throw ValidationError("flow diff needs git on PATH") }
        self.program = program
        let top = try ChildProcess.capture(program, ["-C", directory, "rev-parse", "--show-toplevel"])
        guard top.status == 0 else { throw ValidationError("\(directory) is not in a git repository") }
        root = top.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func relative(_ path: String) -> String {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let base = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        return resolved.hasPrefix(base + "/") ? String(resolved.dropFirst(base.count + 1)) : path
    }

    /// The file at `revision`; nil when it does not exist there.
    func show(_ revision: String, _ path: String) throws -> String? {
        guard !revision.hasPrefix("-") else { throw ValidationError("'\(revision)' is not a revision") }
        let shown = try ChildProcess.capture(program, ["-C", root, "show", "\(revision):\(path)"])
        if shown.status == 0 { return shown.output }
        let known = try ChildProcess.capture(program, ["-C", root, "rev-parse", "--verify", "--quiet", revision + "^{commit}"])
        guard known.status == 0 else { throw ValidationError("'\(revision)' is not a revision of \(root)") }
        return nil
    }
}

/// One workflow at two revisions: parameters, step settings, keys and metrics side by side.
struct WorkflowComparison {
    var file: String
    var old: String
    var new: String
    /// (name, old, new) with nil for absent.
    var parameters: [(String, String?, String?)] = []
    /// (step, setting, old, new).
    var settings: [(String, String, String?, String?)] = []
    var keyChanged: [String] = []
    /// (step, metric, old, new).
    var metrics: [(String, String, Value?, Value?)] = []

    var isEmpty: Bool { parameters.isEmpty && settings.isEmpty && keyChanged.isEmpty && metrics.allSatisfy { $0.2 == $0.3 } }

    init(git: Git, file: String, old: String, new: String?) throws {
        let relative = git.relative(file)
        self.file = relative
        self.old = old
        self.new = new ?? "working tree"
        let directory = (file as NSString).deletingLastPathComponent
        func workflow(_ text: String?) -> Workflow? {
            guard let text, let root = try? YAMLParser.parse(text, file: relative) else { return nil }
            return try? Plugins.loader.decode(root, file: file, directory: directory)
        }
        let lockPath = (relative as NSString).deletingPathExtension + ".lock"
        let oldText = try git.show(old, relative), oldLock = try git.show(old, lockPath)
        let newText = try new.map { try git.show($0, relative) } ?? (try? String(contentsOfFile: file, encoding: .utf8))
        let newLock = try new.map { try git.show($0, lockPath) } ?? (try? String(contentsOfFile: git.root + "/" + lockPath, encoding: .utf8))
        let before = workflow(oldText), after = workflow(newText)

        let oldParams = Dictionary((before?.params ?? []).map { ($0.0, $0.1.canonicalJSON) }, uniquingKeysWith: { a, _ in a })
        let newParams = Dictionary((after?.params ?? []).map { ($0.0, $0.1.canonicalJSON) }, uniquingKeysWith: { a, _ in a })
        for name in Set(oldParams.keys).union(newParams.keys).sorted() where oldParams[name] != newParams[name] {
            parameters.append((name, oldParams[name], newParams[name]))
        }
        let oldSteps = Dictionary((before?.steps ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newSteps = Dictionary((after?.steps ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for name in Set(oldSteps.keys).union(newSteps.keys).sorted() {
            let a = Dictionary((oldSteps[name]?.config.leaves() ?? []).map { ($0.0, $0.1.canonicalJSON) }, uniquingKeysWith: { x, _ in x })
            let b = Dictionary((newSteps[name]?.config.leaves() ?? []).map { ($0.0, $0.1.canonicalJSON) }, uniquingKeysWith: { x, _ in x })
            if oldSteps[name] == nil || newSteps[name] == nil {
                settings.append((name, oldSteps[name] == nil ? "(added)" : "(removed)", nil, nil))
                continue
            }
            for setting in Set(a.keys).union(b.keys).sorted() where a[setting] != b[setting] {
                settings.append((name, setting, a[setting], b[setting]))
            }
        }
        let lockBefore = oldLock.flatMap { try? LockFile.parse($0, file: lockPath) }
        let lockAfter = newLock.flatMap { try? LockFile.parse($0, file: lockPath) }
        let entriesBefore = lockBefore?.steps ?? [:], entriesAfter = lockAfter?.steps ?? [:]
        for name in Set(entriesBefore.keys).union(entriesAfter.keys).sorted() {
            if entriesBefore[name]?.key != entriesAfter[name]?.key { keyChanged.append(name) }
            let a = Dictionary((entriesBefore[name]?.metrics ?? []), uniquingKeysWith: { x, _ in x })
            let b = Dictionary((entriesAfter[name]?.metrics ?? []), uniquingKeysWith: { x, _ in x })
            for metric in Set(a.keys).union(b.keys).sorted() { metrics.append((name, metric, a[metric], b[metric])) }
        }
    }

    static func show(_ value: Value?) -> String {
        guard let value else { return "—" }
        if let number = value.double, value.int == nil { return String(format: "%.6g", number) }
        return value.string ?? value.canonicalJSON
    }

    static func change(_ a: Value?, _ b: Value?) -> String {
        guard let x = a?.double, let y = b?.double else { return a == b ? "" : "changed" }
        if x == y { return "0" }
        let relative = x != 0 ? String(format: " (%+.1f %%)", (y - x) / abs(x) * 100) : ""
        if let i = a?.int, let j = b?.int { return (j - i > 0 ? "+" : "") + "\(j - i)" + relative }
        return String(format: "%+.6g", y - x) + relative
    }

    var text: String {
        var out = ["== \(file): \(old) → \(new)"]
        if !parameters.isEmpty {
            out.append("parameters")
            out += parameters.map { "  \($0.0): \($0.1 ?? "—") → \($0.2 ?? "—")" }
        }
        if !settings.isEmpty {
            out.append("step settings")
            out += settings.map { $0.2 == nil && $0.3 == nil ? "  \($0.0) \($0.1)" : "  \($0.0).\($0.1): \($0.2 ?? "—") → \($0.3 ?? "—")" }
        }
        out.append("steps whose key changed (\(keyChanged.count)): " + (keyChanged.isEmpty ? "none" : keyChanged.joined(separator: ", ")))
        if !metrics.isEmpty {
            let rows = metrics.map { [$0.0, $0.1, Self.show($0.2), Self.show($0.3), Self.change($0.2, $0.3)] }
            let header = ["step", "metric", "old", "new", "change"]
            let widths = (0..<5).map { column in (rows + [header]).map { $0[column].count }.max() ?? 0 }
            out.append("metrics")
            for row in [header] + rows {
                let line = row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                out.append("  " + line.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
            }
        }
        return out.joined(separator: "\n")
    }

    var markdown: String {
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        var out = ["### `\(file)`: \(old) → \(new)", ""]
        if !parameters.isEmpty {
            out += ["| parameter | old | new |", "|---|---|---|"]
            out += parameters.map { "| \(cell($0.0)) | \(cell($0.1 ?? "—")) | \(cell($0.2 ?? "—")) |" }
            out.append("")
        }
        if !settings.isEmpty {
            out += ["| step | setting | old | new |", "|---|---|---|---|"]
            out += settings.map { "| \(cell($0.0)) | \(cell($0.1)) | \(cell($0.2 ?? "—")) | \(cell($0.3 ?? "—")) |" }
            out.append("")
        }
        out.append("**Steps whose key changed (\(keyChanged.count)):** " + (keyChanged.isEmpty ? "none" : keyChanged.map { "`\($0)`" }.joined(separator: ", ")))
        if !metrics.isEmpty {
            out += ["", "| step | metric | old | new | change |", "|---|---|---|---|---|"]
            out += metrics.map { "| \(cell($0.0)) | \(cell($0.1)) | \(cell(Self.show($0.2))) | \(cell(Self.show($0.3))) | \(cell(Self.change($0.2, $0.3))) |" }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
