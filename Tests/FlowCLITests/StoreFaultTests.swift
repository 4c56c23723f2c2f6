import XCTest

/// Faults a user's machine produces, tried on the real `flow` binary: damaged store objects, writes
/// through results/, a conflicted lock file, a killed run, escapes out of the workspace, shell injection.
final class StoreFaultTests: FlowProcessTestCase {
    func run(_ arguments: String...) throws -> Result {
        let result = try finish(start(arguments))
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        return result
    }

    func object(of step: String, _ file: String) throws -> String {
        let lock = try String(contentsOfFile: directory + "/w.lock", encoding: .utf8)
        let lines = lock.split(separator: "\n").map(String.init)
        let start = try XCTUnwrap(lines.firstIndex(of: "  \(step):"))
        let line = try XCTUnwrap(lines[start...].first { $0.hasPrefix("      o: ") })
        let hex = String(line.dropFirst("      o: ".count))
        return directory + "/.flow/objects/" + hex.prefix(2) + "/" + hex.dropFirst(2)
    }

    func result(_ step: String, _ file: String) throws -> String {
        try String(contentsOfFile: directory + "/results/w/\(step)/\(file)", encoding: .utf8)
    }

    func damage(_ path: String, _ how: (FileHandle) throws -> Void) throws {
        chmod(path, 0o644)
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        try how(handle)
        try handle.close()
    }

    func testFlippedTruncatedAndDeletedObjectsAreDetectedAndRecomputed() throws {
        try write(chain)
        try run("run", "w.yaml")
        XCTAssertEqual(try result("c", "c.txt"), "500500\n500500\n")
        let faults: [(String, (String) throws -> Void)] = [
            ("flip", { path in try self.damage(path) { h in try h.seek(toOffset: 2); h.write(Data("9".utf8)) } }),
            ("truncate", { path in try self.damage(path) { h in try h.truncate(atOffset: 100) } }),
            ("delete", { path in XCTAssertEqual(unlink(path), 0) }),
        ]
        for (name, fault) in faults {
            try fault(try object(of: "a", "a.txt"))
            let status = try flow("status", "w.yaml")
            XCTAssertFalse(status.stdout.contains("all 3 steps up to date"), "\(name): \(status.stdout)")
            let rerun = try run("run", "w.yaml")
            XCTAssertTrue(rerun.stdout.contains("ran    a"), "\(name): \(rerun.stdout)")
            if name != "delete" { XCTAssertTrue(rerun.stdout.contains("no longer match"), "\(name) is said: \(rerun.stdout)") }
            XCTAssertTrue(rerun.stdout.contains("cached b"), "early cutoff after the repair: \(rerun.stdout)")
            XCTAssertEqual(try String(contentsOfFile: try object(of: "a", "a.txt"), encoding: .utf8).split(separator: "\n").count, 1000)
            XCTAssertEqual(try result("c", "c.txt"), "500500\n500500\n")
        }
        XCTAssertEqual(try flow("verify").status, 0)
    }

    func testDownstreamNeverReadsADamagedUpstreamObject() throws {
        try write(chain)
        try run("run", "w.yaml")
        try damage(try object(of: "a", "a.txt")) { h in try h.truncate(atOffset: 10) }
        // Edit b so it must run: it must read a's recomputed output, not the truncated one.
        try write(chain.replacingOccurrences(of: "print s}", with: "print s + 0}"))
        let rerun = try run("run", "w.yaml")
        XCTAssertTrue(rerun.stdout.contains("ran    a"), rerun.stdout)
        XCTAssertEqual(try result("b", "b.txt"), "500500\n")
    }

    func testWritingToResultsCannotDamageTheStore() throws {
        try write(chain)
        try run("run", "w.yaml")
        let copy = directory + "/results/w/a/a.txt"
        chmod(copy, 0o644)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: copy))
        handle.seekToEndOfFile()
        handle.write(Data("appended\n".utf8))
        try handle.close()
        XCTAssertEqual(try String(contentsOfFile: try object(of: "a", "a.txt"), encoding: .utf8).split(separator: "\n").last, "1000")
        XCTAssertEqual(try flow("verify").status, 0)
        let rerun = try run("run", "w.yaml")
        XCTAssertTrue(rerun.stdout.contains("all 3 steps up to date") || !rerun.stdout.contains("ran "), rerun.stdout)
        XCTAssertEqual(try result("a", "a.txt").split(separator: "\n").last, "1000", "the results copy is restored")
    }

    func testForceReplacesADamagedObjectEvenWithoutRecords() throws {
        try write(chain)
        try run("run", "w.yaml")
        let path = try object(of: "a", "a.txt")
        try damage(path) { h in try h.seek(toOffset: 0); h.write(Data("7".utf8)) }
        try FileManager.default.removeItem(atPath: directory + "/.flow/steps")
        try run("run", "w.yaml", "--force", "a")
        XCTAssertTrue(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("1\n2\n"))
        XCTAssertEqual(try flow("verify").status, 0)
    }

    func testAStepThatWritesItsInputFailsAndItsProducerRunsAgain() throws {
        try write("""
        flow: 1
        steps:
          a:
            command: {run: "echo clean > ${outputs.o}", outputs: {o: a.txt}}
          b:
            command:
              run: "echo dirt >> ${inputs.a}; cat ${inputs.a} > ${outputs.o}"
              inputs: {a: {step: a}}
              outputs: {o: b.txt}
        """)
        let first = try flow("run", "w.yaml")
        XCTAssertEqual(first.status, 1)
        XCTAssertTrue(first.stdout.contains("FAILED b"), first.stdout)
        XCTAssertTrue(first.stderr.contains("was modified or removed while it ran"), first.stderr)
        let verify = try flow("verify")
        XCTAssertEqual(verify.status, 0, "the damaged object was removed: \(verify.stdout)")
        let status = try flow("status", "w.yaml")
        XCTAssertTrue(status.stdout.contains("a"), status.stdout)
    }

    func testVerifyNamesTheDamagedStepAndRepairRemovesIt() throws {
        try write(chain)
        try run("run", "w.yaml")
        try damage(try object(of: "b", "b.txt")) { h in h.write(Data("x".utf8)) }
        let verify = try flow("verify")
        XCTAssertEqual(verify.status, 1)
        XCTAssertTrue(verify.stdout.contains("DAMAGED") && verify.stdout.contains("b (o)"), verify.stdout)
        XCTAssertEqual(try flow("verify", "--repair").status, 0)
        XCTAssertEqual(try flow("verify").status, 0)
        let rerun = try run("run", "w.yaml")
        XCTAssertTrue(rerun.stdout.contains("ran    b"), rerun.stdout)
        XCTAssertEqual(try result("c", "c.txt"), "500500\n500500\n")
    }

    func testGCRefusesAConflictedLockFileAndRemovesNothing() throws {
        try write(chain)
        try run("run", "w.yaml")
        let objects = try FileManager.default.subpathsOfDirectory(atPath: directory + "/.flow/objects").count
        let lock = try String(contentsOfFile: directory + "/w.lock", encoding: .utf8)
        try ("<<<<<<< HEAD\n" + lock + "=======\nsteps: {}\n>>>>>>> other\n").write(toFile: directory + "/w.lock", atomically: true, encoding: .utf8)
        let gc = try flow("gc", "--keep-hours", "0")
        XCTAssertEqual(gc.status, 2)
        XCTAssertTrue(gc.stderr.contains("w.lock:1") && gc.stderr.contains("conflict"), gc.stderr)
        XCTAssertEqual(try FileManager.default.subpathsOfDirectory(atPath: directory + "/.flow/objects").count, objects)
    }

    func testGCAfterAKilledRunKeepsItsFinishedSteps() throws {
        try write("""
        flow: 1
        steps:
          first:
            command: {run: "echo one > ${outputs.o}", outputs: {o: one.txt}}
          second:
            command:
              run: "touch ../../../started; sleep 60; cat ${inputs.f} > ${outputs.o}"
              inputs: {f: {step: first}}
              outputs: {o: two.txt}
        """)
        let running = try start(["run", "w.yaml"])
        waitFor("started")
        kill(running.0.processIdentifier, SIGKILL)
        _ = finish(running)
        let lock = try String(contentsOfFile: directory + "/w.lock", encoding: .utf8)
        XCTAssertTrue(lock.contains("first:"), "the lock file names the finished step: \(lock)")
        let gc = try flow("gc", "--keep-hours", "0")
        XCTAssertEqual(gc.status, 0, gc.stderr)
        try write("", to: "started")
        try write(try String(contentsOfFile: directory + "/w.yaml", encoding: .utf8).replacingOccurrences(of: "sleep 60; ", with: ""))
        let rerun = try run("run", "w.yaml")
        XCTAssertTrue(rerun.stdout.contains("cached first"), rerun.stdout)
    }

    func testGCAllCommitsKeepsWhatAnOlderCommitsLockFileNames() throws {
        try write(chain)
        try run("run", "w.yaml")
        for command in [["init", "-q"], ["add", "w.yaml", "w.lock"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one"]] {
            let git = Process()
            git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            git.arguments = ["-C", directory] + command
            try git.run()
            git.waitUntilExit()
            XCTAssertEqual(git.terminationStatus, 0)
        }
        let before = try object(of: "a", "a.txt")
        try write(chain.replacingOccurrences(of: "seq 1 1000", with: "seq 1 10"))
        try run("run", "w.yaml")
        XCTAssertEqual(try flow("gc", "--keep-hours", "0", "--all-commits").status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: before), "kept: the committed lock file names it")
        XCTAssertEqual(try flow("gc", "--keep-hours", "0").status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: before), "without --all-commits only the working tree's lock files count")
    }

    /// A write killed before its rename leaves a temporary file among the objects: no damage, and gc clears it.
    func testALeftoverTemporaryFileIsNoDamageAndGCRemovesIt() throws {
        try write(chain)
        try run("run", "w.yaml")
        let object = try object(of: "a", "a.txt")
        let leftover = (object as NSString).deletingLastPathComponent + "/.\((object as NSString).lastPathComponent).123.456.tmp"
        try "partial".write(toFile: leftover, atomically: false, encoding: .utf8)
        let verify = try flow("verify")
        XCTAssertEqual(verify.status, 0, verify.stdout)
        XCTAssertEqual(try flow("gc").status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: leftover))
        XCTAssertTrue(FileManager.default.fileExists(atPath: object))
    }
}
