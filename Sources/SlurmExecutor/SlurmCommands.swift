import FlowEngine
import Foundation

/// A job's state as Slurm reports it (`JobState=`, `%T`).
public struct JobStatus: Sendable, Equatable {
    public var id: String
    public var state: String
    public var reason: String

    /// States after which the job will not run again.
    static let finalStates: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                                           "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "REVOKED", "SPECIAL_EXIT"]
    public var isFinal: Bool { Self.finalStates.contains(state) }
    public var isCompleted: Bool { state == "COMPLETED" }
    /// A dependency that failed leaves a job pending for ever; the engine must cancel it.
    public var isStuck: Bool { state == "PENDING" && reason == "DependencyNeverSatisfied" }
}

/// The Slurm client programs flow uses: sbatch to submit, squeue and scontrol to watch, scancel to stop.
/// Never `sbatch --wait`, whose polls back off to 2, 10, 42 s.
public struct SlurmCommands: Sendable {
    public init() {}

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Submits `script` and returns the job id sbatch prints (`--parsable`: `ID` or `ID;cluster`).
    public func submit(_ script: String, options: [String]) async throws -> String {
        let result = try await Self.run("sbatch", ["--parsable"] + options + [script])
        let id = result.output.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw Failure(description: "sbatch failed (exit \(result.status)): \(result.errors.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return id
    }

    /// The states of the given jobs, in one squeue call; a job Slurm has forgotten is absent.
    public func states(of ids: [String]) async throws -> [String: JobStatus] {
        guard !ids.isEmpty else { return [:] }
        let result = try await Self.run("squeue", ["-h", "-t", "all", "-j", ids.joined(separator: ","), "-o", "%i|%T|%r"])
        if result.status != 0 {
            // squeue rejects the whole list when one id is unknown to it; ask one by one.
            guard ids.count > 1 else { return [:] }
            var states: [String: JobStatus] = [:]
            for id in ids { states.merge(try await self.states(of: [id])) { a, _ in a } }
            return states
        }
        var states: [String: JobStatus] = [:]
        for line in result.output.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3 else { continue }
            states[fields[0]] = JobStatus(id: fields[0], state: fields[1], reason: fields[2])
        }
        return states
    }

    /// `ExitCode=status:signal` of a finished job, from `scontrol show job -o`.
    public func exitCode(of id: String) async -> String? {
        guard let result = try? await Self.run("scontrol", ["show", "job", "-o", id]), result.status == 0 else { return nil }
        return result.output.split(separator: " ").first { $0.hasPrefix("ExitCode=") }.map { String($0.dropFirst("ExitCode=".count)) }
    }

    public func cancel(_ ids: [String]) async {
        guard !ids.isEmpty else { return }
        _ = try? await Self.run("scancel", ids)
    }

    /// Runs a Slurm client program found on PATH, off the task pool's threads.
    static func run(_ program: String, _ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        guard let path = ChildProcess.executable(program) else {
            throw Failure(description: "\(program) not found on PATH: the Slurm client (Debian: slurm-client) must be installed")
        }
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    let result = try ChildProcess.capture(path, arguments)
                    continuation.resume(returning: (result.status, result.output, result.errors))
                } catch {
                    continuation.resume(throwing: Failure(description: "cannot start \(program): \(error)"))
                }
            }
        }
    }
}
