import XCTest
import FlowConfig
import FlowEngine

final class CachingTests: XCTestCase {
    var space: TestWorkspace!

    override func setUpWithError() throws { space = try TestWorkspace() }
    override func tearDown() { space.remove() }

    let diamond = """
    flow: 1
    params: {x: 1, y: 2}
    steps:
      a:
        write: {text: "a${params.x}", file: a.txt}
      b:
        write: {text: "b${params.y}", file: b.txt}
      c:
        concat:
          inputs: [a]
          file: c.txt
      d:
        concat:
          inputs: [b, c]
          file: d.txt
    """

    func testSecondRunExecutesNothing() async throws {
        try space.write(diamond)
        let first = try await space.run()
        XCTAssertEqual(first.ran, ["a", "b", "c", "d"])
        let second = try await space.run()
        XCTAssertEqual(second.ran, [])
        XCTAssertEqual(second.cached, ["a", "b", "c", "d"])
        let record = try XCTUnwrap(second["d"]?.record)
        let output = try String(contentsOfFile: space.directory + "/.flow/objects/" + record.outputs["o"]!.digest.hex.prefix(2) + "/" + record.outputs["o"]!.digest.hex.dropFirst(2), encoding: .utf8)
        XCTAssertEqual(output, "b2\na1\n")
    }

    func testChangingOneParamRerunsExactlyThatStepAndItsDependents() async throws {
        try space.write(diamond)
        try await space.run()
        let changed = try await space.run(overrides: [("x", "5")])
        XCTAssertEqual(changed.ran, ["a", "c", "d"])
        XCTAssertEqual(changed.cached, ["b"])
        let again = try await space.run(overrides: [("y", "7")])
        XCTAssertEqual(again.ran, ["b", "d"], "x is back to 1: a and c come from the store")
    }

    func testReformattedWorkflowRerunsNothing() async throws {
        try space.write(diamond)
        try await space.run()
        try space.write("""
        # the same analysis, written differently
        steps:
          d:
            concat:
              file: d.txt
              inputs:
                - b
                - c      # the order of the list is the order of the bytes
          c:
            concat:
              file: c.txt
              inputs: [a]
          b:
              write:
                  file: b.txt
                  text: "b${params.y}"
          a: {write: {file: a.txt, text: 'a${params.x}'}}
        params:
          y: 2
          x: 1
        flow: 1
        """)
        let outcomes = try await space.run()
        XCTAssertEqual(outcomes.ran, [])
        XCTAssertEqual(outcomes.cached.count, 4)
    }

    func testIdenticalOutputsStopTheRerunAtTheStepThatMadeThem() async throws {
        try space.write("""
        flow: 1
        params: {threshold: 10}
        steps:
          select:
            write: {text: same, note: "${params.threshold}", file: o.txt}
          fit:
            concat: {inputs: [select], file: o.txt}
        """)
        try await space.run()
        let outcomes = try await space.run(overrides: [("threshold", "20")])
        XCTAssertEqual(outcomes.ran, ["select"])
        XCTAssertEqual(outcomes.cutoff, ["fit"])
    }

    func testForcedStepRunsAgain() async throws {
        try space.write(diamond)
        try await space.run()
        let outcomes = try await space.run(RunOptions(force: ["b"]))
        XCTAssertEqual(outcomes.ran, ["b"])
        XCTAssertEqual(outcomes.cutoff, ["d"], "b wrote the same bytes, so d is reused")
    }

    func testTargetsRunOnlyWhatTheyNeed() async throws {
        try space.write(diamond)
        let outcomes = try await space.run(RunOptions(targets: ["c"]))
        XCTAssertEqual(Set(outcomes.keys), ["a", "c"])
        XCTAssertEqual(outcomes.ran, ["a", "c"])
    }

    func testAMovedWorkspaceStillHitsTheCache() async throws {
        try space.write(diamond)
        try await space.run()
        let moved = space.directory + "-moved"
        try FileManager.default.moveItem(atPath: space.directory, toPath: moved)
        defer { try? FileManager.default.removeItem(atPath: moved) }
        let workflow = try FakeKinds.loader.load(path: moved + "/w.yaml")
        let outcomes = try await Workspace(workflow: workflow, kinds: FakeKinds.registry)
            .run(options: RunOptions(), jobs: 2, observer: RecordingObserver())
        XCTAssertEqual(outcomes.cached.count, 4)
    }

    func testEditedInputFileRerunsItsReaders() async throws {
        try space.write("data-1\n", to: "data.txt")
        try space.write("""
        flow: 1
        steps:
          read: {concat: {files: [data.txt], file: o.txt}}
          other: {write: {text: x, file: o.txt}}
        """)
        try await space.run()
        try space.write("data-2\n", to: "data.txt")
        let status = try space.workspace().status().first { $0.step.name == "read" }
        XCTAssertEqual(status?.reasons, ["file 'data.txt' changed"])
        let outcomes = try await space.run()
        XCTAssertEqual(outcomes.ran, ["read"])
    }

    func testStatusNamesTheChangedSetting() async throws {
        try space.write(diamond)
        try await space.run()
        let statuses = try space.workspace(overrides: [("y", "3")]).status()
        let byName = Dictionary(uniqueKeysWithValues: statuses.map { ($0.step.name, $0) })
        XCTAssertTrue(byName["a"]!.isUpToDate)
        XCTAssertEqual(byName["b"]!.reasons, ["config 'text' changed: 'b2' → 'b3'"])
        XCTAssertEqual(byName["d"]!.reasons, ["upstream 'b' not up to date"])
    }

    func testLockFileListsEveryStepAndRoundTrips() async throws {
        try space.write(diamond)
        try await space.run()
        let path = space.directory + "/w.lock"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lock = try XCTUnwrap(LockFile.read(path))
        XCTAssertEqual(lock.steps.keys.sorted(), ["a", "b", "c", "d"])
        XCTAssertEqual(lock.text, text)
        let before = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        try await space.run()
        let after = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        XCTAssertEqual(before, after, "a no-op run leaves the lock file alone")
    }

    func testARecordWhoseOutputIsGoneIsNotTrusted() async throws {
        try space.write(diamond)
        let first = try await space.run()
        let digest = try XCTUnwrap(first["a"]?.record?.outputs["o"]?.digest)
        let store = Store(root: space.directory + "/.flow")
        try FileManager.default.removeItem(atPath: store.objectPath(digest))
        let outcomes = try await space.run()
        XCTAssertEqual(outcomes.ran, ["a"])
        XCTAssertEqual(outcomes.cutoff, ["c"])
    }

    func testGarbageCollectionKeepsWhatTheLockFileNames() async throws {
        try space.write(diamond)
        try await space.run()
        try await space.run(overrides: [("x", "9")])
        let store = Store(root: space.directory + "/.flow")
        let report = try GarbageCollector(store: store, workspaceRoot: space.directory, keepRecent: 0).collect(dryRun: false)
        XCTAssertEqual(report.records, 3, "the x=1 records of a, c and d are unreferenced")
        XCTAssertGreaterThan(report.objects, 0)
        let outcomes = try await space.run(overrides: [("x", "9")])
        XCTAssertEqual(outcomes.cached.count, 4, "what the lock file names survived")
    }

    func testDigestIsSHA256() {
        XCTAssertEqual(Digest.of("abc").hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
