import FlowConfig
import Foundation

/// Runs one step to completion in a scratch directory and files its results in the store.
///
/// Order matters for crash safety: outputs are moved into the store first, the record last,
/// so a record never names an output that is not there. The scratch directory is removed on
/// every path out, including cancellation.
public struct StepExecution: Sendable {
    public var store: Store
    public var workflow: Workflow
    public var kinds: KindRegistry

    public init(store: Store, workflow: Workflow, kinds: KindRegistry) {
        self.store = store
        self.workflow = workflow
        self.kinds = kinds
    }

    public func run(_ step: Step, document: KeyDocument, upstream: [String: StepRecord], threads: Int,
                    progress: (@Sendable (String) -> Void)? = nil) async throws -> StepRecord {
        guard let kind = kinds[step.kind] else {
            throw StepFailure(step: step.name, message: "no step kind '\(step.kind)' in this build of flow")
        }
        let started = Date()
        let scratch = try store.makeScratch(for: step.name)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let logPath = scratch + "/.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)

        let context = StepContext(step: step, workflow: workflow, scratch: scratch,
                                  inputs: try inputFiles(for: step, upstream: upstream, scratch: scratch),
                                  files: workspaceFiles(for: step), logPath: logPath, threads: threads, progressSink: progress)
        let result: StepResult
        do {
            result = try await kind.run(context)
            try Task.checkCancellation()
        } catch let failure as StepFailure {
            keepFailureLog(step, logPath, failure.message)
            throw StepFailure(step: failure.step, message: failure.message, log: failure.log ?? readLog(logPath))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            keepFailureLog(step, logPath, "\(error)")
            throw StepFailure(step: step.name, message: "\(error)", log: readLog(logPath))
        }

        try checkInputsUntouched(step, upstream: upstream, logPath: logPath)
        var outputs: [String: StepRecord.Output] = [:]
        var stamps: [Digest: ObjectStamp] = [:]
        for (name, path) in result.outputs.sorted(by: { $0.key < $1.key }) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                let message = "declared output '\(name)' (\((path as NSString).lastPathComponent)) was not written"
                keepFailureLog(step, logPath, message)
                throw StepFailure(step: step.name, message: message, log: readLog(logPath))
            }
            if isDirectory.boolValue {
                throw StepFailure(step: step.name, message: "output '\(name)' is a directory; declare its files one by one")
            }
            let stored: (Digest, Int, ObjectStamp)
            do {
                stored = try store.adopt(fileAt: path)
            } catch {
                keepFailureLog(step, logPath, "output '\(name)': \(error)")
                throw StepFailure(step: step.name, message: "output '\(name)': \(error)", log: readLog(logPath))
            }
            outputs[name] = .init(digest: stored.0, size: stored.1, file: (path as NSString).lastPathComponent)
            stamps[stored.0] = stored.2
        }
        let (log, logStamp) = try store.put(FileManager.default.contents(atPath: logPath) ?? Data())
        stamps[log] = logStamp
        var record = StepRecord(step: step.name, key: document.key, outputs: outputs,
                                metrics: result.metrics, log: log, seconds: Date().timeIntervalSince(started),
                                finished: ISO8601DateFormatter().string(from: Date()))
        record.stamps = stamps
        try store.write(record, document: document)
        try? FileManager.default.removeItem(atPath: failureLogPath(step.name))
        return record
    }

    /// A step reads its inputs through links into the store; one that wrote through them (a command
    /// appending to `${inputs.x}`) has damaged results other steps share. The damaged object is
    /// removed, so its producer runs again next time, and this step fails rather than store what it
    /// made from bytes that changed under it.
    func checkInputsUntouched(_ step: Step, upstream: [String: StepRecord], logPath: String) throws {
        for (dependency, record) in upstream.sorted(by: { $0.key < $1.key }) {
            for (output, entry) in record.outputs.sorted(by: { $0.key < $1.key }) {
                switch store.check(entry.digest, stamp: record.stamps[entry.digest]) {
                case .intact, .rehashed: continue
                case .missing, .damaged:
                    let message = "its input '\(output)' of step '\(dependency)' was modified or removed while it ran (steps must not write their inputs); the damaged copy was removed and '\(dependency)' will run again"
                    keepFailureLog(step, logPath, message)
                    throw StepFailure(step: step.name, message: message, log: readLog(logPath))
                }
            }
        }
    }

    /// The key document of `step`, from its configuration, its upstream records and its files' content.
    public func keyDocument(for step: Step, upstream: [String: StepRecord]) throws -> KeyDocument {
        guard let kind = kinds[step.kind] else {
            throw StepFailure(step: step.name, message: "no step kind '\(step.kind)' in this build of flow")
        }
        var inputs: [String: Digest] = [:]
        for dependency in step.dependencies {
            guard let record = upstream[dependency] else { continue }
            for (output, entry) in record.outputs { inputs["step:\(dependency):\(output)"] = entry.digest }
        }
        for (written, path) in workspaceFiles(for: step) {
            inputs["file:\(written)"] = try FileDigestCache.shared.digest(of: path)
        }
        // FLOW_KERNELS=openblas trains networks with OpenBLAS's CPU-specific kernels: other bits than the
        // portable default, so other keys (the default adds nothing, and keys stay as they are).
        if let kernels = ProcessInfo.processInfo.environment["FLOW_KERNELS"], !kernels.isEmpty, kernels != "portable" {
            inputs["environment:FLOW_KERNELS"] = Digest.of(kernels)
        }
        return KeyDocument(kind: step.kind, version: kind.version, config: step.config, inputs: inputs)
    }

    /// Upstream outputs as read-only links under `scratch/inputs/<step>/<file>`, so a command sees
    /// the file names the upstream step gave them rather than store digests.
    func inputFiles(for step: Step, upstream: [String: StepRecord], scratch: String) throws -> [String: [InputFile]] {
        var result: [String: [InputFile]] = [:]
        for input in step.inputs {
            result[input.path] = try input.steps.flatMap { dependency -> [InputFile] in
                guard let record = upstream[dependency] else { return [] }
                let directory = scratch + "/inputs/" + dependency
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                return try record.outputs.keys.sorted().map { output in
                    let entry = record.outputs[output]!
                    let link = directory + "/" + entry.file
                    if !FileManager.default.fileExists(atPath: link) {
                        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: store.objectPath(entry.digest))
                    }
                    return InputFile(step: dependency, output: output, path: link, digest: entry.digest.hex)
                }
            }
        }
        return result
    }

    func workspaceFiles(for step: Step) -> [String: String] {
        var files: [String: String] = [:]
        for site in step.files {
            files[site.file] = site.file.hasPrefix("/") ? site.file : workflow.directory + "/" + site.file
        }
        return files
    }

    public func failureLogPath(_ step: String) -> String {
        store.root + "/failed/" + ResultsDirectory.component(step) + ".log"
    }

    /// The failed run's log, ending with why it failed, for `flow show`.
    private func keepFailureLog(_ step: Step, _ logPath: String, _ message: String) {
        var data = FileManager.default.contents(atPath: logPath) ?? Data()
        if let last = data.last, last != UInt8(ascii: "\n") { data.append(UInt8(ascii: "\n")) }
        data.append(Data("error: \(message)\n".utf8))
        try? AtomicFile.write(data, to: failureLogPath(step.name))
    }

    private func readLog(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// The step kinds a build of flow knows, by name.
public struct KindRegistry: Sendable {
    public var kinds: [any StepKind]

    public init(_ kinds: [any StepKind]) { self.kinds = kinds }

    public subscript(name: String) -> (any StepKind)? { kinds.first { $0.name == name } }
    public var descriptions: [KindDescription] { kinds.map(\.description) }
}
