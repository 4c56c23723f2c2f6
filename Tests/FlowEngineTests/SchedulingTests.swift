import XCTest
import FlowConfig
import FlowEngine
import FlowSteps

final class SchedulingTests: XCTestCase {
    var space: TestWorkspace!

    override func setUpWithError() throws { space = try TestWorkspace() }
    override func tearDown() { space.remove() }

    func testIndependentStepsRunAtTheSameTime() async throws {
        // Each step waits for the other's marker: they can only both succeed side by side.
        let wait = "touch \(space.directory)/$FLOW_STEP; for i in $(seq 200); do [ -f \(space.directory)/$OTHER ] && exit 0; sleep 0.05; done; exit 1"
        try space.write("""
        flow: 1
        steps:
          left: {command: {run: "\(wait)", env: {OTHER: right}}}
          right: {command: {run: "\(wait)", env: {OTHER: left}}}
        """)
        let outcomes = try await space.run(jobs: 2)
        XCTAssertEqual(outcomes.ran, ["left", "right"])
    }

    let failing = """
    flow: 1
    steps:
      broken: {command: {run: "echo about to fail; exit 3"}}
      after: {command: {run: "true", inputs: {b: {step: broken}}}}
      independent: {command: {run: "true"}}
    """

    func testAFailureStopsNewWorkAndNamesTheStepWithItsLog() async throws {
        try space.write(failing)
        let outcomes = try await space.run(jobs: 1)
        XCTAssertEqual(outcomes.failed, ["broken"])
        XCTAssertEqual(outcomes.skipped, ["after", "independent"])
        guard case .failed(let failure)? = outcomes["broken"] else { return XCTFail() }
        XCTAssertEqual(failure.message, "command exited with status 3")
        XCTAssertEqual(failure.log, "about to fail\n")
    }

    func testRetriesRerunAFailedStep() async throws {
        // Fails the first time (no marker yet), succeeds the second; a step without retries stays failed.
        let flaky = "if [ -f \(space.directory)/$FLOW_STEP.tried ]; then echo ok > $OUT; else touch \(space.directory)/$FLOW_STEP.tried; exit 1; fi"
        try space.write("""
        flow: 1
        steps:
          flaky: {command: {run: "\(flaky)", env: {OUT: out.txt}, outputs: {o: out.txt}}, retries: 2}
          strict: {command: {run: "\(flaky)", env: {OUT: out.txt}, outputs: {o: out.txt}}}
        """)
        let outcomes = try await space.run(RunOptions(keepGoing: true), jobs: 2)
        XCTAssertEqual(outcomes.ran, ["flaky"])
        XCTAssertEqual(outcomes.failed, ["strict"])
    }

    func testKeepGoingRunsIndependentBranches() async throws {
        try space.write(failing)
        let outcomes = try await space.run(RunOptions(keepGoing: true), jobs: 1)
        XCTAssertEqual(outcomes.failed, ["broken"])
        XCTAssertEqual(outcomes.ran, ["independent"])
        XCTAssertEqual(outcomes.skipped, ["after"])
    }

    func testAMissingDeclaredOutputFailsTheStep() async throws {
        try space.write("""
        flow: 1
        steps:
          lazy: {command: {run: "true", outputs: {o: o.txt}}}
        """)
        let outcomes = try await space.run()
        guard case .failed(let failure)? = outcomes["lazy"] else { return XCTFail("\(outcomes)") }
        XCTAssertEqual(failure.message, "declared output 'o' (o.txt) was not written")
    }

    func testCancellationStopsRunningStepsAndKeepsFinishedOnes() async throws {
        try space.write("""
        flow: 1
        steps:
          quick: {command: {run: "echo done > ${outputs.o}", outputs: {o: o.txt}}}
          slow: {command: {run: "sleep 60", inputs: {q: {step: quick}}}}
        """)
        let observer = RecordingObserver()
        let workspace = try space.workspace()
        let task = Task { try await workspace.run(options: RunOptions(), jobs: 2, observer: observer) }
        observer.onStart = { step in if step.name == "slow" { DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { task.cancel() } } }
        let started = Date()
        let outcomes = try await task.value
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "the sleeping command was stopped")
        XCTAssertEqual(outcomes.ran, ["quick"])
        XCTAssertEqual(outcomes.skipped, ["slow"])
        let scratch = try FileManager.default.contentsOfDirectory(atPath: space.directory + "/.flow/tmp")
        XCTAssertEqual(scratch, [], "scratch directories are removed")
        let again = try await space.run(RunOptions(targets: ["quick"]))
        XCTAssertEqual(again.cached, ["quick"])
    }

    func testASecondRunInTheSameWorkspaceIsRefused() throws {
        try space.write("flow: 1\nsteps:\n  a: {command: {run: 'true'}}\n")
        let store = Store(root: space.directory + "/.flow")
        let held = try WorkspaceLock(store: store, wait: false)
        XCTAssertThrowsError(try WorkspaceLock(store: store, wait: false)) { error in
            XCTAssertTrue("\(error)".contains("another flow run (pid \(getpid()))"), "\(error)")
        }
        withExtendedLifetime(held) {}
    }

    func testFanInSeesEveryMatrixPointUnderItsOwnName() async throws {
        try space.write("""
        flow: 1
        steps:
          sim:
            matrix: {mass: [400, 500]}
            command: {run: "echo ${matrix.mass} > ${outputs.o}", outputs: {o: events.txt}}
          all:
            command: {run: "for f in ${inputs.e}; do echo $f; cat $f; done > ${outputs.o}", inputs: {e: {step: sim}}, outputs: {o: all.txt}}
        """)
        let outcomes = try await space.run()
        let record = try XCTUnwrap(outcomes["all"]?.record)
        let text = try String(contentsOfFile: Store(root: space.directory + "/.flow").objectPath(record.outputs["o"]!.digest), encoding: .utf8)
        let lines = text.split(separator: "\n").map { String($0) }
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines[0].hasSuffix("/inputs/sim[mass=400]/events.txt"), lines[0])
        XCTAssertEqual(lines[1], "400")
        XCTAssertEqual(lines[3], "500")
    }
}
