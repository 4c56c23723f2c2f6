import XCTest
import FlowConfig
import FlowEngine

final class SchedulingTests: XCTestCase {
    var space: TestWorkspace!

    override func setUpWithError() throws { space = try TestWorkspace() }
    override func tearDown() { space.remove() }

    func testIndependentStepsRunAtTheSameTime() async throws {
        // Each step waits for the other's marker: they can only both succeed side by side.
        try space.write("""
        flow: 1
        steps:
          left: {meet: {directory: "\(space.directory)", other: right}}
          right: {meet: {directory: "\(space.directory)", other: left}}
        """)
        let outcomes = try await space.run(jobs: 2)
        XCTAssertEqual(outcomes.ran, ["left", "right"])
    }

    let failing = """
    flow: 1
    steps:
      broken: {fail: {log: about to fail, message: gave up with status 3}}
      after: {concat: {inputs: [broken]}}
      independent: {write: {text: independent}}
    """

    func testAFailureStopsNewWorkAndNamesTheStepWithItsLog() async throws {
        try space.write(failing)
        let outcomes = try await space.run(jobs: 1)
        XCTAssertEqual(outcomes.failed, ["broken"])
        XCTAssertEqual(outcomes.skipped, ["after", "independent"])
        guard case .failed(let failure)? = outcomes["broken"] else { return XCTFail() }
        XCTAssertEqual(failure.message, "gave up with status 3")
        XCTAssertEqual(failure.log, "about to fail\n")
    }

    func testRetriesRerunAFailedStep() async throws {
        // Fails the first time (no marker yet), succeeds the second; a step without retries stays failed.
        try space.write("""
        flow: 1
        steps:
          flaky: {flaky: {marker: "\(space.directory)/flaky.tried"}, retries: 2}
          strict: {flaky: {marker: "\(space.directory)/strict.tried"}}
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
          lazy: {lazy: {file: o.txt}}
        """)
        let outcomes = try await space.run()
        guard case .failed(let failure)? = outcomes["lazy"] else { return XCTFail("\(outcomes)") }
        XCTAssertEqual(failure.message, "declared output 'o' (o.txt) was not written")
    }

    func testCancellationStopsRunningStepsAndKeepsFinishedOnes() async throws {
        try space.write("""
        flow: 1
        steps:
          quick: {write: {text: done, file: o.txt}}
          slow: {sleep: {seconds: 60, inputs: [quick]}}
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
        try space.write("flow: 1\nsteps:\n  a: {write: {text: a}}\n")
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
            write: {text: "${matrix.mass}", file: events.txt}
          all:
            concat: {inputs: [sim], paths: true, file: all.txt}
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
