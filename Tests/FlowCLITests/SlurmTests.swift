import XCTest

/// `flow run --executor slurm` against the real one-node Slurm cluster that `make test` starts
/// (`../shared/slurm/start-local-slurm.sh`): real sbatch, squeue, scontrol and scancel.
final class SlurmTests: FlowProcessTestCase {
    /// Unique per test, so the jobs of one test are told apart in the queue by their name.
    var workflowName: String!

    override func setUpWithError() throws {
        try super.setUpWithError()
        workflowName = "slurmtest-\(UUID().uuidString.prefix(8).lowercased())"
        let probe = try shell("squeue -h -o %i >/dev/null && sinfo -h -o %T")
        struct NoCluster: Error {}
        guard probe.status == 0 else {
            XCTFail("Slurm must be running (make test starts it): \(probe.output)")
            throw NoCluster()
        }
    }

    func shell(_ command: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The jobs of this test's workflow that Slurm still lists, with their states.
    func jobs(states: String = "all") -> [String] {
        let listing = try? shell("squeue -h -t \(states) -o '%j|%T' | grep '^flow:\(workflowName!):' || true")
        return (listing?.output ?? "").split(separator: "\n").map(String.init)
    }

    func testFanOutAndFanInGiveTheSameDigestsAsALocalRunAndARerunSubmitsNothing() throws {
        let workflow = """
        flow: 1
        name: \(workflowName!)
        executor: {kind: local, time: "5:00", cpus: 1}
        datasets:
          toy: {toy: {events: 5000, seed: 3}}
        steps:
          part:
            matrix: {i: [1, 2, 3, 4, 5, 6, 7, 8]}
            command:
              run: "echo part ${matrix.i}; seq ${matrix.i} 8 | sha256sum > ${outputs.o}"
              outputs: {o: part.txt}
          folds: {split: {data: toy, folds: 3}}
          summary:
            command:
              run: "cat ${inputs.parts} > ${outputs.o}; wc -c < ${inputs.events} >> ${outputs.o}"
              inputs: {parts: {step: part}, events: {step: folds}}
              outputs: {o: summary.txt}
        """
        try FileManager.default.createDirectory(atPath: directory + "/local", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/cluster", withIntermediateDirectories: true)
        try write(workflow, to: "local/w.yaml")
        try write(workflow, to: "cluster/w.yaml")

        let local = try flow("run", "local/w.yaml")
        XCTAssertEqual(local.status, 0, local.stderr)
        let cluster = try flow("run", "cluster/w.yaml", "--executor", "slurm")
        XCTAssertEqual(cluster.status, 0, cluster.stderr + cluster.stdout)
        XCTAssertTrue(cluster.stdout.contains("11 ran, 0 cached"), cluster.stdout)
        XCTAssertEqual(cluster.stdout.components(separatedBy: "Slurm job ").count - 1, 11, "one job per step: \(cluster.stdout)")
    
        XCTAssertEqual(try String(contentsOfFile: directory + "/cluster/w.lock", encoding: .utf8),
                       try String(contentsOfFile: directory + "/local/w.lock", encoding: .utf8),
                       "the same keys and output digests as the local run")
        let completed = jobs().filter { $0.hasSuffix("|COMPLETED") }.count
        XCTAssertEqual(completed, 11, jobs().joined(separator: "\n"))

        let again = try flow("run", "cluster/w.yaml", "--executor", "slurm")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("all 11 steps up to date"), again.stdout)
        XCTAssertEqual(jobs().count, 11, "a second run submits nothing")
    }

    func testAFailedJobNamesTheStepShowsItsLogAndLeavesNothingQueued() throws {
        try write("""
        flow: 1
        name: \(workflowName!)
        executor: {kind: slurm, poll_interval: 0.1}
        steps:
          broken: {command: {run: "echo computing the broken thing; exit 3"}}
          after: {command: {run: "true", inputs: {b: {step: broken}}}}
          later: {command: {run: "true", inputs: {a: {step: after}}}}
        """)
        let result = try flow("run", "w.yaml")
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        let everything = result.stdout + result.stderr
        XCTAssertTrue(everything.contains("FAILED broken"), everything)
        XCTAssertTrue(everything.contains("command exited with status 3"), everything)
        XCTAssertTrue(everything.contains("computing the broken thing"), "the step's log: \(everything)")
        XCTAssertTrue(everything.contains("exit code 1:0"), "Slurm's view of the job: \(everything)")
        XCTAssertEqual(jobs(states: "PENDING,RUNNING,CONFIGURING"), [], "nothing of the workflow left in the queue")
        XCTAssertEqual(jobs().count, 1, "dependents are never submitted: \(jobs())")
        let show = try flow("show", "w.yaml", "broken")
        XCTAssertTrue(show.stdout.contains("computing the broken thing"), show.stdout)
    }

    /// A job whose dependency failed stays PENDING (DependencyNeverSatisfied) for ever on clusters without
    /// kill_invalid_depend: flow cancels it and fails the step instead of waiting.
    func testAJobThatCanNeverStartIsCancelled() throws {
        let failed = try shell("sbatch --parsable -o /dev/null --wrap 'exit 1'").output.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(failed.isEmpty)
        let deadline = Date().addingTimeInterval(30)
        while try shell("scontrol show job -o \(failed)").output.contains("JobState=FAILED") == false && Date() < deadline { usleep(100_000) }
        try write("""
        flow: 1
        name: \(workflowName!)
        executor: {kind: slurm, sbatch_flags: ["--dependency=afterok:\(failed)"]}
        steps:
          blocked: {command: {run: "true"}}
        """)
        let result = try flow("run", "w.yaml")
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue((result.stdout + result.stderr).contains("can never be satisfied"), result.stdout + result.stderr)
        XCTAssertEqual(jobs(states: "PENDING,RUNNING"), [], "the blocked job was cancelled")
    }

    func testASiteFileChoosesTheExecutorAndIsValidatedWithPositions() throws {
        try write("""
        flow: 1
        name: \(workflowName!)
        steps:
          a: {command: {run: "echo $SLURM_JOB_PARTITION $SLURM_CPUS_PER_TASK > ${outputs.o}", outputs: {o: o.txt}}}
        """)
        try write("kind: slurm\npartition: debug\ncpus: 2\n", to: "site.yaml")
        let run = try flow("run", "w.yaml", "--executor-config", "site.yaml")
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("Slurm job"), run.stdout)
        XCTAssertEqual(try String(contentsOfFile: directory + "/results/\(workflowName!)/a/o.txt", encoding: .utf8), "debug 2\n")
        try write("kind: pbs\ncpus: 0\n", to: "bad.yaml")
        let bad = try flow("run", "w.yaml", "--executor-config", "bad.yaml", "--force", "a")
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("bad.yaml:1:7") && bad.stderr.contains("bad.yaml:2:7"), bad.stderr)
    }

    func testRetriesResubmitAFailedJob() throws {
        try write("""
        flow: 1
        name: \(workflowName!)
        steps:
          flaky:
            retries: 1
            command:
              run: "if [ -f \(directory!)/tried ]; then echo done > ${outputs.o}; else touch \(directory!)/tried; exit 1; fi"
              outputs: {o: o.txt}
        """)
        let result = try flow("run", "w.yaml", "--executor", "slurm")
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("retrying (attempt 2 of 2)"), result.stdout)
        XCTAssertEqual(jobs().map { $0.split(separator: "|").last.map(String.init) ?? "" }.sorted(), ["COMPLETED", "FAILED"])
    }

    func testInterruptCancelsTheWorkflowsJobsAndStatusShowsThemInFlight() throws {
        try write("""
        flow: 1
        name: \(workflowName!)
        executor: {kind: slurm, kinds: {command: {time: "10:00"}}}
        steps:
          slow:
            matrix: {i: [1, 2, 3]}
            command: {run: "sleep 60"}
          after: {command: {run: "true", inputs: {s: {step: slow}}}}
        """)
        let run = try start(["run", "w.yaml"])
        let deadline = Date().addingTimeInterval(60)
        while jobs(states: "RUNNING").count < 2 && Date() < deadline { usleep(100_000) }
        XCTAssertEqual(jobs(states: "RUNNING").count, 2, "two one-CPU jobs run on the two CPUs: \(jobs())")

        let status = try flow("status", "w.yaml")
        XCTAssertTrue(status.stdout.contains("RUNNING"), status.stdout)
        XCTAssertTrue(status.stdout.contains("slow[i=1]") && status.stdout.contains("Slurm job"), status.stdout)

        kill(run.0.processIdentifier, SIGINT)
        let result = finish(run)
        XCTAssertEqual(result.status, 130, result.stdout + result.stderr)
        XCTAssertEqual(jobs(states: "PENDING,RUNNING,CONFIGURING,COMPLETING"), [], "scancel'ed: \(jobs())")
        XCTAssertFalse(jobs().contains { $0.hasPrefix("flow:\(workflowName!):after|") }, "the fan-in was never submitted")
        let after = try flow("status", "w.yaml")
        XCTAssertFalse(after.stdout.contains("Slurm job"), after.stdout)
    }
}
