import XCTest

/// `flow` as a user runs it: a real process, real signals, real exit codes. The helpers of the CLI tests.
class FlowProcessTestCase: XCTestCase {
    /// a → b → c, each step's output a known function of the one before.
    let chain = """
    flow: 1
    steps:
      a:
        command: {run: "seq 1 1000 > ${outputs.o}", outputs: {o: a.txt}}
      b:
        command:
          run: "awk '{s += $1} END {print s}' ${inputs.a} > ${outputs.o}"
          inputs: {a: {step: a}}
          outputs: {o: b.txt}
      c:
        command:
          run: "cat ${inputs.b} ${inputs.b} > ${outputs.o}"
          inputs: {b: {step: b}}
          outputs: {o: c.txt}
    """

    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "flow-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    /// The `flow` executable built beside this test bundle.
    var flowBinary: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("flow").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("flow").path,
            Bundle.main.bundleURL.appendingPathComponent("flow").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func start(_ arguments: [String]) throws -> (Process, Pipe, Pipe) {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: flowBinary), "build flow first: \(flowBinary)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: flowBinary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    func finish(_ started: (Process, Pipe, Pipe)) -> Result {
        let (process, out, err) = started
        // Both pipes are drained at once: a process that fills one while the other is read would block.
        final class Box: @unchecked Sendable { var data = Data() }
        let stderr = Box(), done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            stderr.data = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr.data, as: UTF8.self))
    }

    func flow(_ arguments: String...) throws -> Result { finish(try start(arguments)) }

    func write(_ text: String, to name: String = "w.yaml") throws {
        try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }

    func waitFor(_ file: String, timeout: Double = 30) {
        let deadline = Date().addingTimeInterval(timeout)
        while !FileManager.default.fileExists(atPath: directory + "/" + file) && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/" + file), "\(file) never appeared")
    }

    /// Alive and not a zombie (an unreaped child of a dead parent still answers `kill(pid, 0)`).
    func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }
}

final class CLITests: FlowProcessTestCase {
    func testFiveErrorsArePrintedWithPositionsAndNothingRuns() throws {
        try write("""
        flow: 1
        params: {n: 1}
        steps:
          a: {command: {run: "touch ran; echo ${params.nn}"}}
          b: {command: {run: x, outptus: {}}}
          c: {command: {run: x, inputs: {i: {step: missing}}}}
          d: {command: {run: 5, shell: zsh}}
        """)
        let result = try flow("run", "w.yaml")
        XCTAssertEqual(result.status, 2)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("w.yaml:") }
        XCTAssertEqual(errors.count, 5, result.stderr)
        for line in errors { XCTAssertNotNil(line.range(of: #"^w\.yaml:\d+:\d+: error: "#, options: .regularExpression), String(line)) }
        XCTAssertTrue(result.stderr.contains("5 errors in w.yaml"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/ran"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/.flow"))
    }

    func testUsageErrorsExitWithTwo() throws {
        XCTAssertEqual(try flow("run").status, 2)
        XCTAssertEqual(try flow("frobnicate").status, 2)
    }

    func testSecondRunSaysEverythingIsUpToDate() throws {
        try write("""
        flow: 1
        steps:
          a: {command: {run: "echo a > ${outputs.o}", outputs: {o: a.txt}}}
          b: {command: {run: "cat ${inputs.a} > ${outputs.o}", inputs: {a: {step: a}}, outputs: {o: b.txt}}}
        """)
        let first = try flow("run", "w.yaml")
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("2 ran, 0 cached"), first.stdout)
        let second = try flow("run", "w.yaml")
        XCTAssertEqual(second.status, 0)
        XCTAssertTrue(second.stdout.contains("all 2 steps up to date"), second.stdout)
        let status = try flow("status", "w.yaml")
        XCTAssertTrue(status.stdout.contains("every step is up to date"), status.stdout)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/results/w/b/b.txt")
        // A copy of its own: writing to it cannot reach the store.
        XCTAssertEqual(attributes[.referenceCount] as? Int, 1, "a copy, not a link into the store")
        XCTAssertEqual((attributes[.posixPermissions] as? Int).map { $0 & 0o222 }, 0, "read-only, like the store")
        XCTAssertEqual(try String(contentsOfFile: directory + "/results/w/b/b.txt", encoding: .utf8), "a\n")
    }

    /// The quick example, shrunk: the run points at its page (with PNG copies of the plots beside it), and
    /// changing only the classifier's layers reruns only the classifier and the report.
    func testChangingTheClassifierRerunsOnlyItAndTheReport() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/pseudoscalar-quick.yaml")
        let workflow = try String(contentsOf: example, encoding: .utf8)
        try write(workflow, to: "quick.yaml")
        let first = try flow("run", "quick.yaml", "-p", "events=3000", "-p", "epochs=1")
        XCTAssertEqual(first.status, 0, first.stderr + first.stdout)
        let page = directory + "/results/pseudoscalar-quick/report.html"
        XCTAssertTrue(first.stdout.contains("report: \(page)"), first.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: page))
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/results/pseudoscalar-quick/report/closure-mtt.png"), "PNG copies (rsvg-convert)")

        let changed = workflow.replacingOccurrences(of: "layers: [64, 64]", with: "layers: [32]")
        XCTAssertNotEqual(changed, workflow, "the example's classifier layers")
        try write(changed, to: "quick.yaml")
        let second = try flow("run", "quick.yaml", "-p", "events=3000", "-p", "epochs=1")
        XCTAssertEqual(second.status, 0, second.stderr)
        let ran = second.stdout.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            return words.firstIndex(of: "ran").flatMap { $0 + 1 < words.count ? String(words[$0 + 1]) : nil }
        }
        XCTAssertEqual(Set(ran), ["classifier", "report"], second.stdout)
    }

    func testAFailedStepExitsOneAndShowsItsLog() throws {
        try write("""
        flow: 1
        steps:
          broken: {command: {run: "echo something went wrong >&2; exit 4"}}
        """)
        let result = try flow("run", "w.yaml")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("command exited with status 4"), result.stderr)
        XCTAssertTrue(result.stderr.contains("│ something went wrong"), result.stderr)
        XCTAssertTrue(result.stderr.contains("failed: broken"), result.stderr)
        let show = try flow("show", "w.yaml", "broken")
        XCTAssertTrue(show.stdout.contains("something went wrong"), show.stdout)
    }

    /// Steps that sleep until the test has killed flow, then finish at once.
    let interruptible = """
    flow: 1
    steps:
      first: {command: {run: "echo 1 > ${outputs.o}", outputs: {o: first.txt}}}
      second:
        command:
          run: |
            if [ ! -f "$FLOW_WORKFLOW_DIR/resume" ]; then touch "$FLOW_WORKFLOW_DIR/started"; sleep 60; fi
            cat ${inputs.f} > ${outputs.o}
          inputs: {f: {step: first}}
          outputs: {o: second.txt}
    """

    func testKillNineMidStepLeavesAStoreTheNextRunCompletes() throws {
        try write(interruptible)
        let running = try start(["run", "w.yaml", "-j", "1"])
        waitFor("started")
        let scratch = try FileManager.default.contentsOfDirectory(atPath: directory + "/.flow/tmp")
        XCTAssertEqual(scratch.count, 1)
        waitFor(".flow/tmp/\(scratch[0])/.pgid")
        let pgid = try XCTUnwrap(Int32(String(contentsOfFile: directory + "/.flow/tmp/\(scratch[0])/.pgid", encoding: .utf8)
            .split(separator: " ")[0]))
        kill(running.0.processIdentifier, SIGKILL)
        _ = finish(running)
        XCTAssertTrue(isRunning(pgid), "the orphaned command is still running")

        try write("", to: "resume")
        let rerun = try flow("run", "w.yaml")
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(rerun.stdout.contains("cached first"), rerun.stdout)
        XCTAssertTrue(rerun.stdout.contains("ran    second"), rerun.stdout)
        XCTAssertTrue(rerun.stdout.contains("1 ran, 1 cached"), rerun.stdout)
        usleep(100_000)
        XCTAssertFalse(isRunning(pgid), "the orphan of the killed run was stopped")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory + "/.flow/tmp"), [])
    }

    func testInterruptStopsTheStepAndKeepsFinishedOnes() throws {
        try write(interruptible)
        let running = try start(["run", "w.yaml"])
        waitFor("started")
        kill(running.0.processIdentifier, SIGINT)
        let result = finish(running)
        XCTAssertEqual(result.status, 130, result.stderr)
        XCTAssertTrue(result.stderr.contains("interrupted"), result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory + "/.flow/tmp"), [])
        let lock = try String(contentsOfFile: directory + "/w.lock", encoding: .utf8)
        XCTAssertTrue(lock.contains("  first:"), lock)
        XCTAssertFalse(lock.contains("  second:"), lock)
        let status = try flow("status", "w.yaml")
        XCTAssertTrue(status.stdout.contains("up to date  first"), status.stdout)
    }

    func testASecondConcurrentRunIsRefusedWithAClearMessage() throws {
        try write(interruptible)
        let running = try start(["run", "w.yaml"])
        waitFor("started")
        let second = try flow("run", "w.yaml")
        XCTAssertEqual(second.status, 2)
        XCTAssertTrue(second.stderr.contains("another flow run (pid \(running.0.processIdentifier)) is using the store"), second.stderr)
        kill(running.0.processIdentifier, SIGINT)
        XCTAssertEqual(finish(running).status, 130)
    }

    func testDagValidateAndSchemaCommands() throws {
        try write("""
        flow: 1
        steps:
          sim: {matrix: {m: [1, 2]}, command: {run: "true"}}
          all: {command: {run: "true", inputs: {s: {step: sim}}}}
        """)
        let dot = try flow("dag", "w.yaml")
        XCTAssertTrue(dot.stdout.contains("\"sim[m=1]\" -> \"all\";"), dot.stdout)
        let mermaid = try flow("dag", "w.yaml", "--format", "mermaid")
        XCTAssertTrue(mermaid.stdout.hasPrefix("flowchart LR"), mermaid.stdout)
        XCTAssertEqual(try flow("validate", "w.yaml").status, 0)
        let schema = try flow("schema")
        XCTAssertTrue(schema.stdout.contains("\"$schema\": \"https://json-schema.org/draft/2020-12/schema\""))
    }

    /// `flow inspect` of a ROOT file lists trees, branches and types, and summarises a weight branch.
    func testInspectOfAROOTFileListsBranchesAndSummarisesTheWeight() throws {
        let nano = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../ROOTIOTests/Fixtures/nanoAOD_2015_CMS_Open_Data_ttbar.root").standardized.path
        let listing = try flow("inspect", nano, "--weight", "genWeight")
        XCTAssertEqual(listing.status, 0, listing.stderr)
        XCTAssertTrue(listing.stdout.contains("Events: 200 entries"), listing.stdout)
        XCTAssertTrue(listing.stdout.contains("Kish N_eff"), listing.stdout)
        XCTAssertNotNil(listing.stdout.range(of: #"\n  Jet_pt +float\[\] +\d+ +\d+\n"#, options: .regularExpression), listing.stdout)
        let missing = try flow("inspect", nano, "--weight", "gen_weight")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no tree has a branch 'gen_weight'"), missing.stderr)
    }

    /// `flow inspect` of a POWHEG LHE file: its process with XSECUP, XERRUP, XMAXUP and its event count, the
    /// named weights, and the summary of XWGTUP (two of its six events are negative) or of a named weight;
    /// an unknown weight id is an error naming it.
    func testInspectOfAnLHEFileSummarisesProcessesAndWeights() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../LHEFTests/Fixtures").standardized.path
        let powheg = fixtures + "/pylhe-testfile-powheg-box-v2-hvq.lhe"
        let listing = try flow("inspect", powheg)
        XCTAssertEqual(listing.status, 0, listing.stderr)
        XCTAssertTrue(listing.stdout.contains(": 6 events, 1 process"), listing.stdout)
        XCTAssertNotNil(listing.stdout.range(of: #"\n +10001 +6 +7217\.2 +887\.364 +1\n"#, options: .regularExpression), listing.stdout)
        XCTAssertTrue(listing.stdout.contains("named weights (45): MUR1.0_MUF1.0_PDF99208082,"), listing.stdout)
        XCTAssertTrue(listing.stdout.contains("f = 0.3333 of events"), listing.stdout)
        let named = try flow("inspect", powheg, "--weight", "MUR2.0_MUF2.0_PDF99208082")
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertTrue(named.stdout.contains("weight 'MUR2.0_MUF2.0_PDF99208082':"), named.stdout)
        let missing = try flow("inspect", powheg, "--weight", "nope")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no named weight 'nope'"), missing.stderr)
    }
}
