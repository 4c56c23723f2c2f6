import XCTest

/// The remote tests against the real XRootD server on this machine (`make xrootd`, which `make test-e2e`
/// and CI start: Debian's xrootd-server at root://localhost:1094), through its own client tools.
final class XRootDRemoteTests: RemoteTestCase {
    var server: String { ProcessInfo.processInfo.environment["FLOW_TEST_XROOTD"] ?? "root://localhost:1094" }
    var base: String!

    override var remoteURL: String { server + "/" + base }

    func testASecondWorkspaceComputesNothingAndGetsIdenticalResults() throws { try secondWorkspaceComputesNothing() }
    func testAFlippedByteOnTheRemoteIsNamedAndTheStepComputedAgain() throws { try flippedByteIsNamedAndComputedAgain() }
    func testAnInterruptedPushLeavesNothingVisible() throws { try interruptedPushLeavesNothingVisible() }
    func testConcurrentPushesOfTheSameObjectsAreSafe() throws { try concurrentPushesAreSafe() }

    override func setUpWithError() throws {
        try super.setUpWithError()
        base = "/flow-test-\(UUID().uuidString.prefix(8).lowercased())"
        let probe = try tool("xrdfs", [server, "ls", "/"])
        if probe.status != 0 {
            struct NoServer: Error {}
            // On CI the server is part of the job: its absence is a failure, not a reason to skip.
            guard ProcessInfo.processInfo.environment["CI"] == "true" else {
                throw XCTSkip("no XRootD server at \(server) (`make xrootd` starts one): \(probe.output)")
            }
            XCTFail("the XRootD server must be running at \(server) (`make xrootd`, .ci/run start it): \(probe.output)")
            throw NoServer()
        }
    }

    override func tearDown() {
        // The test's folder on the server, entry by entry (xrdfs has no recursive remove), deepest first.
        if let base, let listed = try? tool("xrdfs", [server, "ls", "-l", "-R", base]), listed.status == 0 {
            let entries = listed.output.split(separator: "\n").compactMap { line in line.split(separator: " ").last.map { (line.first, String($0)) } }
            let files = entries.filter { $0.0 == "-" }.map { "rm \($0.1)" }
            let folders = entries.filter { $0.0 == "d" }.map(\.1).sorted { $0.count > $1.count }.map { "rmdir \($0)" }
            _ = try? tool("xrdfs", [server], input: (files + folders + ["rmdir \(base)", "exit"]).joined(separator: "\n") + "\n")
        }
        super.tearDown()
    }

    func tool(_ name: String, _ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/" + name)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["XRD_CONNECTIONWINDOW": "5", "XRD_CONNECTIONRETRY": "2"]) { own, _ in own }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/" + name) else { return (127, "\(name) is not installed") }
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testAServerThatDoesNotAnswerIsNamedAndTheRunComputesLocally() throws {
        let path = try workspace("w", files: ["w.yaml": chain])
        try flow(in: path, "remote", "add", "closed", "root://localhost:1//flow", "--default")
        let run = try flow(in: path, "run", "w.yaml")
        XCTAssertTrue(run.stdout.contains("remote 'closed' cannot be read"), run.stdout)
        XCTAssertTrue(run.stdout.contains("3 ran"), run.stdout)
        let push = try flow(in: path, expecting: 1, "push")
        XCTAssertTrue(push.stderr.contains("root://localhost:1//flow"), push.stderr)
    }

    override func readRemote(_ path: String) throws -> Data? {
        let local = directory + "/read-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: local) }
        guard try tool("xrdcp", ["-s", "-f", "\(server)/\(base!)/\(path)", local]).status == 0 else { return nil }
        return FileManager.default.contents(atPath: local)
    }

    override func writeRemote(_ path: String, _ data: Data) throws {
        let local = directory + "/write-\(UUID().uuidString)"
        try data.write(to: URL(fileURLWithPath: local))
        defer { try? FileManager.default.removeItem(atPath: local) }
        let copied = try tool("xrdcp", ["-s", "-f", "-p", local, "\(server)/\(base!)/\(path)"])
        XCTAssertEqual(copied.status, 0, copied.output)
    }

    override func listRemote() throws -> [String] {
        let listed = try tool("xrdfs", [server, "ls", "-l", "-R", base])
        guard listed.status == 0 else { return [] }
        // Long listing: files start with '-', directories with 'd'; the path is the last field.
        return listed.output.split(separator: "\n").filter { $0.hasPrefix("-") }.compactMap { line in
            line.split(separator: " ").last.map { String($0.dropFirst(base.count + 1)) }
        }
    }
}
