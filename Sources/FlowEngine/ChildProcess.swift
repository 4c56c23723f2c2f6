import CFiles
import CSpawn
import Foundation

/// Runs a program in its own process group, its output appended to a log file.
///
/// The own group lets flow stop a command and everything it started (a shell pipeline, a
/// Python interpreter's workers) with one signal, when a run is interrupted or cancelled.
public enum ChildProcess {
    /// Runs `arguments` and returns its exit status (or 128 + signal). Cancelling the calling
    /// task sends SIGTERM to the group, then SIGKILL after `grace` seconds.
    /// `pgidFile`, if given, receives the group id and its start time while the process runs.
    /// When the program exits, whatever it left running in its group (background jobs) is killed:
    /// a finished step leaves no process behind.
    public static func run(_ arguments: [String], directory: String, environment: [String: String],
                           logPath: String, pgidFile: String? = nil, grace: Double = 5) async throws -> Int32 {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)
        flow_spawn_add_closefrom(&fileActions, 3)
        flow_spawn_add_chdir(&fileActions, directory)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &fileActions, &attributes, argv, envp)
        guard status == 0 else {
            throw EngineError.io("cannot start \(arguments[0]): \(String(cString: strerror(status)))")
        }
        if let pgidFile { try? ProcessGroupFile(pgid: pid, started: flow_process_start_time(pid)).write(to: pgidFile) }

        let child = pid
        return try await withTaskCancellationHandler {
            let code = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
                // waitpid blocks, so it gets a thread of its own rather than one of the task pool's.
                Thread.detachNewThread {
                    // Wait without reaping, so the group id stays reserved while its stragglers are
                    // killed; then reap.
                    var info = siginfo_t()
                    while waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
                    kill(-child, SIGKILL)
                    var status: Int32 = 0
                    while waitpid(child, &status, 0) < 0 && errno == EINTR {}
                    let exited = status & 0x7f == 0
                    continuation.resume(returning: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f))
                }
            }
            // Wait for stragglers of the group (background jobs of the shell) only when cancelled.
            if Task.isCancelled { throw CancellationError() }
            return code
        } onCancel: {
            kill(-child, SIGTERM)
            DispatchQueue.global().asyncAfter(deadline: .now() + grace) { kill(-child, SIGKILL) }
        }
    }
}

extension ChildProcess {
    /// What a short-lived helper program printed and how it ended.
    public struct Captured: Sendable {
        public var status: Int32
        public var output: String
        public var errors: String
    }

    /// Runs a helper program (git, rsvg-convert, a Slurm client) to completion and returns what it printed.
    /// Both pipes are drained at once, so neither can fill up and stall the program; it reads `input`
    /// (commands for an interactive client), or nothing. `environment` adds to (or replaces in) flow's own.
    public static func capture(_ path: String, _ arguments: [String], input: Data? = nil,
                               environment: [String: String] = [:]) throws -> Captured {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let inputPipe = input.map { _ in Pipe() }
        if let inputPipe { process.standardInput = inputPipe } else { process.standardInput = FileHandle.nullDevice }
        try process.run()
        final class Box: @unchecked Sendable { var data = Data() }
        let errorData = Box(), done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errorData.data = errors.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        if let input, let inputPipe {
            // A program that exits before reading everything must not take flow down with SIGPIPE.
            signal(SIGPIPE, SIG_IGN)
            // Written beside the readers: input larger than a pipe's buffer waits for the program to read it.
            DispatchQueue.global().async {
                try? inputPipe.fileHandleForWriting.write(contentsOf: input)
                try? inputPipe.fileHandleForWriting.close()
            }
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        process.waitUntilExit()
        return Captured(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                        errors: String(decoding: errorData.data, as: UTF8.self))
    }

    /// The path of `program` on PATH, if it is there.
    public static func executable(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// The `.pgid` file of a running command: its process group and the leader's start time.
///
/// A run killed with `kill -9` leaves it behind; the next run stops the group only if the pid still
/// belongs to the process that was started (same start time), never an unrelated one that reused it.
public struct ProcessGroupFile: Sendable, Equatable {
    public var pgid: Int32
    public var started: UInt64

    public init(pgid: Int32, started: UInt64) {
        self.pgid = pgid
        self.started = started
    }

    public static func read(_ path: String) -> ProcessGroupFile? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let pgid = Int32(parts[0]), pgid > 1, let started = UInt64(parts[1]), started > 0 else { return nil }
        return ProcessGroupFile(pgid: pgid, started: started)
    }

    public func write(to path: String) throws {
        try AtomicFile.write("\(pgid) \(started)\n", to: path)
    }

    /// Whether the group's leader is the process this file was written for.
    public var isAlive: Bool { flow_process_start_time(pgid) == started }

    /// Kills the group if its leader is still the process that was started.
    public func kill() {
        if isAlive { Glibc.kill(-pgid, SIGKILL) }
    }
}
