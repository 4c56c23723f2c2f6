import XCTest

/// Two workspaces in temporary folders stand in for two machines sharing one remote: the first computes
/// and pushes, the second pulls or reads through and computes nothing. The same tests run against a
/// directory remote (`DirectoryRemoteTests`) and the real local XRootD server (`XRootDRemoteTests`).
class RemoteTestCase: FlowProcessTestCase {
    // What each kind of remote provides.
    var remoteURL: String { fatalError("a remote kind's test class says where its remote is") }
    /// The bytes of a file on the remote (relative to its root), nil when absent.
    func readRemote(_ path: String) throws -> Data? { fatalError() }
    /// Writes a file on the remote directly, as a damaged disk or a killed upload would leave it.
    func writeRemote(_ path: String, _ data: Data) throws { fatalError() }
    /// Every file on the remote, relative to its root.
    func listRemote() throws -> [String] { fatalError() }

    var repository: String { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path }

    /// A fresh workspace (a folder with `.git`, as a clone has) holding `files`, with the remote added as default.
    func workspace(_ name: String, files: [String: String]) throws -> String {
        let path = directory + "/" + name
        try FileManager.default.createDirectory(atPath: path + "/.git", withIntermediateDirectories: true)
        for (file, text) in files { try text.write(toFile: path + "/" + file, atomically: true, encoding: .utf8) }
        try flow(in: path, "remote", "add", "origin", remoteURL, "--default")
        return path
    }

    @discardableResult
    func flow(in path: String, expecting status: Int32 = 0, _ arguments: String...) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: flowBinary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: path)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let result = finish((process, out, err))
        XCTAssertEqual(result.status, status, "flow \(arguments.joined(separator: " ")): \(result.stdout)\(result.stderr)")
        return result
    }

    /// Every file under results/, relative path → bytes.
    func results(_ path: String) -> [String: Data] {
        var files: [String: Data] = [:]
        let root = path + "/results"
        for case let file as String in FileManager.default.enumerator(atPath: root)?.allObjects ?? [] {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + file, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[file] = FileManager.default.contents(atPath: root + "/" + file)
            }
        }
        return files
    }

    /// The digest the lock file names for `step`'s output `o`.
    func outputDigest(_ path: String, _ step: String, lock: String = "w.lock") throws -> String {
        let lines = try String(contentsOfFile: path + "/" + lock, encoding: .utf8).split(separator: "\n").map(String.init)
        let start = try XCTUnwrap(lines.firstIndex(of: "  \(step):"))
        return String(try XCTUnwrap(lines[start...].first { $0.hasPrefix("      o: ") }).dropFirst("      o: ".count))
    }

    func objectPath(_ hex: String) -> String { "objects/\(hex.prefix(2))/\(hex.dropFirst(2))" }

    // MARK: What both kinds are tested for (each kind's class calls these from its own test methods, so
    // that this base class has no tests of its own to run)

    func secondWorkspaceComputesNothing() throws {
        let workflow = try String(contentsOfFile: repository + "/examples/toy-1d.yaml", encoding: .utf8)
        let first = try workspace("first", files: ["toy-1d.yaml": workflow])
        try flow(in: first, "run", "toy-1d.yaml", "-p", "events=20000")
        let pushed = try flow(in: first, "push")
        XCTAssertTrue(pushed.stdout.contains("pushed 6 records"), pushed.stdout)
        XCTAssertTrue(try flow(in: first, "push").stdout.contains("pushed 0 records and 0 objects"), "only what is missing goes up")

        // The second machine has the analysis from git: the workflow and its lock file.
        let lock = try String(contentsOfFile: first + "/toy-1d.lock", encoding: .utf8)
        let second = try workspace("second", files: ["toy-1d.yaml": workflow, "toy-1d.lock": lock])
        let run = try flow(in: second, "run", "toy-1d.yaml", "-p", "events=20000")
        XCTAssertTrue(run.stdout.contains("all 6 steps up to date"), run.stdout)
        XCTAssertFalse(run.stdout.contains("ran "), run.stdout)
        XCTAssertEqual(results(second), results(first))
        XCTAssertEqual(try String(contentsOfFile: second + "/toy-1d.lock", encoding: .utf8), lock)

        // The third pulls first, then runs without the remote.
        let third = try workspace("third", files: ["toy-1d.yaml": workflow, "toy-1d.lock": lock])
        XCTAssertTrue(try flow(in: third, "pull").stdout.contains("pulled 6 records"))
        let local = try flow(in: third, "run", "toy-1d.yaml", "-p", "events=20000", "--no-remote")
        XCTAssertTrue(local.stdout.contains("all 6 steps up to date"), local.stdout)
        XCTAssertFalse(local.stdout.contains("downloaded"), local.stdout)
        XCTAssertEqual(results(third), results(first))
        XCTAssertEqual(try flow(in: third, "verify").status, 0)
    }

    func flippedByteIsNamedAndComputedAgain() throws {
        let first = try workspace("first", files: ["w.yaml": chain])
        try flow(in: first, "run", "w.yaml", "--push")
        let hex = try outputDigest(first, "a")
        var bytes = try XCTUnwrap(try readRemote(objectPath(hex)))
        bytes[2] ^= 0x01
        try writeRemote(objectPath(hex), bytes)

        let lock = try String(contentsOfFile: first + "/w.lock", encoding: .utf8)
        let second = try workspace("second", files: ["w.yaml": chain, "w.lock": lock])
        let pull = try flow(in: second, expecting: 1, "pull")
        XCTAssertTrue(pull.stderr.contains("object \(hex.prefix(12)) (output 'o' of step 'a') is damaged there"), pull.stderr)
        XCTAssertTrue(pull.stdout.contains("pulled 2 records"), "b and c are whole: \(pull.stdout)")

        let third = try workspace("third", files: ["w.yaml": chain, "w.lock": lock])
        let run = try flow(in: third, "run", "w.yaml", "--push")
        XCTAssertTrue(run.stdout.contains("a: remote 'origin': object \(hex.prefix(12)) (output 'o' of step 'a') is damaged there"), run.stdout)
        XCTAssertTrue(run.stdout.contains("ran    a"), run.stdout)
        XCTAssertTrue(run.stdout.contains("pulled b"), "a computed again gives the same bytes, so b's key: \(run.stdout)")
        XCTAssertEqual(results(third), results(first))
        // --push replaced the damaged copy: a fourth machine gets everything.
        let fourth = try workspace("fourth", files: ["w.yaml": chain, "w.lock": lock])
        XCTAssertTrue(try flow(in: fourth, "run", "w.yaml").stdout.contains("all 3 steps up to date"))
        XCTAssertEqual(try readRemote(objectPath(hex)), FileManager.default.contents(atPath: first + "/results/w/a/a.txt"))
    }

    func interruptedPushLeavesNothingVisible() throws {
        let first = try workspace("first", files: ["w.yaml": chain])
        try flow(in: first, "run", "w.yaml")
        let hex = try outputDigest(first, "a")
        let whole = try XCTUnwrap(FileManager.default.contents(atPath: first + "/results/w/a/a.txt"))
        // What a push killed during its upload leaves: part of an object under a temporary name.
        try writeRemote("tmp/12345-killed/" + String(hex.dropFirst(2)), whole.prefix(100))
        let lock = try String(contentsOfFile: first + "/w.lock", encoding: .utf8)
        let second = try workspace("second", files: ["w.yaml": chain, "w.lock": lock])
        let run = try flow(in: second, "run", "w.yaml")
        XCTAssertTrue(run.stdout.contains("3 ran"), "nothing of the killed push is seen: \(run.stdout)")
        XCTAssertNil(try readRemote(objectPath(hex)))
        XCTAssertFalse(try listRemote().contains { $0.hasPrefix("steps/") || $0.hasPrefix("objects/") })

        try flow(in: first, "push")
        XCTAssertFalse(try listRemote().contains { $0.hasPrefix("tmp/") && !$0.hasPrefix("tmp/12345-killed") }, "a push leaves no temporary file")
        let third = try workspace("third", files: ["w.yaml": chain, "w.lock": lock])
        XCTAssertTrue(try flow(in: third, "run", "w.yaml").stdout.contains("all 3 steps up to date"))
        XCTAssertEqual(results(third), results(first))
    }

    func concurrentPushesAreSafe() throws {
        let one = try workspace("one", files: ["w.yaml": chain])
        let two = try workspace("two", files: ["w.yaml": chain])
        try flow(in: one, "run", "w.yaml")
        try flow(in: two, "run", "w.yaml")
        let pushes = try [one, two].map { path -> (Process, Pipe, Pipe) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: flowBinary)
            process.arguments = ["push"]
            process.currentDirectoryURL = URL(fileURLWithPath: path)
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            return (process, out, err)
        }
        for push in pushes {
            let result = finish(push)
            XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        }
        let objects = try listRemote().filter { $0.hasPrefix("objects/") }
        XCTAssertEqual(objects.count, Set(objects).count)
        let lock = try String(contentsOfFile: one + "/w.lock", encoding: .utf8)
        let three = try workspace("three", files: ["w.yaml": chain, "w.lock": lock])
        XCTAssertTrue(try flow(in: three, "pull").stdout.contains("pulled 3 records"))
        XCTAssertEqual(try flow(in: three, "verify").status, 0)
    }
}

/// A remote that is a directory (a shared mount).
final class DirectoryRemoteTests: RemoteTestCase {
    override var remoteURL: String { directory + "/remote" }

    func testASecondWorkspaceComputesNothingAndGetsIdenticalResults() throws { try secondWorkspaceComputesNothing() }
    func testAFlippedByteOnTheRemoteIsNamedAndTheStepComputedAgain() throws { try flippedByteIsNamedAndComputedAgain() }
    func testAnInterruptedPushLeavesNothingVisible() throws { try interruptedPushLeavesNothingVisible() }
    func testConcurrentPushesOfTheSameObjectsAreSafe() throws { try concurrentPushesAreSafe() }

    override func readRemote(_ path: String) throws -> Data? { FileManager.default.contents(atPath: remoteURL + "/" + path) }

    override func writeRemote(_ path: String, _ data: Data) throws {
        let file = remoteURL + "/" + path
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: file)
        try data.write(to: URL(fileURLWithPath: file))
    }

    override func listRemote() throws -> [String] {
        var files: [String] = []
        for case let path as String in FileManager.default.enumerator(atPath: remoteURL)?.allObjects ?? [] {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: remoteURL + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(path) }
        }
        return files
    }

    func testRemotesAreAddedListedAndRemoved() throws {
        let path = try workspace("w", files: ["w.yaml": chain])
        try flow(in: path, "remote", "add", "eos", "root://eosuser.cern.ch//eos/user/a/alice/flow")
        let list = try flow(in: path, "remote", "list").stdout
        XCTAssertTrue(list.contains("* origin  \(remoteURL)"), list)
        XCTAssertTrue(list.contains("  eos  root://eosuser.cern.ch//eos/user/a/alice/flow"), list)
        let config = try String(contentsOfFile: path + "/.flow/config", encoding: .utf8)
        XCTAssertTrue(config.contains("\"default\": \"origin\""), config)
        XCTAssertTrue(try flow(in: path, expecting: 2, "remote", "add", "bad name", "/tmp").stderr.contains("a remote's name"))
        XCTAssertTrue(try flow(in: path, expecting: 2, "remote", "add", "x", "root://host/no-double-slash").stderr.contains("relative path"))
        XCTAssertTrue(try flow(in: path, expecting: 2, "remote", "add", "x", "root://host//a b").stderr.contains("spaces"))
        try flow(in: path, "remote", "remove", "origin")
        XCTAssertFalse(try flow(in: path, "remote", "list").stdout.contains("origin"))
        XCTAssertTrue(try flow(in: path, expecting: 2, "push").stderr.contains("no remote named and no default"))
        XCTAssertTrue(try flow(in: path, expecting: 2, "run", "w.yaml", "--push", "--no-remote").stderr.contains("--no-remote"))
        // The run uses no remote when there is no default.
        XCTAssertTrue(try flow(in: path, "run", "w.yaml").stdout.contains("3 ran"))
    }

    func testAnUnreachableRemoteIsNamedAndTheRunComputesLocally() throws {
        let path = try workspace("w", files: ["w.yaml": chain])
        try flow(in: path, "remote", "add", "gone", directory + "/not-mounted", "--default")
        try FileManager.default.removeItem(atPath: directory + "/not-mounted")
        let run = try flow(in: path, "run", "w.yaml")
        XCTAssertTrue(run.stdout.contains("not-mounted does not exist"), run.stdout)
        XCTAssertEqual(run.stdout.components(separatedBy: "cannot be read").count, 2, "said once: \(run.stdout)")
        XCTAssertTrue(run.stdout.contains("3 ran"), run.stdout)
    }
}
