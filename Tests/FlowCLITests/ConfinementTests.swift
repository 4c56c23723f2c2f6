import XCTest

/// A workflow can do nothing it does not declare: no write outside the workspace, no value read as
/// shell syntax, no process left behind, and every error `run` would find is found by `validate`.
final class ConfinementTests: FlowProcessTestCase {
    /// Runs `flow validate` and `flow run` on `workflow` and expects both to stop with the same
    /// positioned error before anything runs.
    func expectInvalid(_ workflow: String, _ message: String, at position: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try write(workflow)
        let validate = try flow("validate", "w.yaml")
        XCTAssertEqual(validate.status, 2, validate.stdout + validate.stderr, file: file, line: line)
        XCTAssertTrue(validate.stderr.contains("w.yaml:\(position)") && validate.stderr.contains(message), validate.stderr, file: file, line: line)
        let run = try flow("run", "w.yaml")
        XCTAssertEqual(run.status, 2, file: file, line: line)
        XCTAssertTrue(run.stderr.contains("w.yaml:\(position)") && run.stderr.contains(message), run.stderr, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/.flow/steps"), "nothing ran", file: file, line: line)
    }

    func testEscapesOutOfTheWorkspaceAreRefused() throws {
        try expectInvalid("""
        flow: 1
        name: ../../outside
        steps:
          a: {command: {run: "true"}}
        """, "cannot name a workflow", at: "2:7")
        try expectInvalid("""
        flow: 1
        steps:
          a: {command: {run: "echo x > ${outputs.o}", outputs: {o: ../x}}}
        """, "must be a relative path", at: "3:60")
        try expectInvalid("""
        flow: 1
        steps:
          a: {command: {run: "echo x > ${outputs.o}", outputs: {o: /tmp/x}}}
        """, "must be a relative path", at: "3:60")
    }

    func testAMatrixValueCannotClimbOutOfResults() throws {
        let outside = directory + "/../flow-escape-\(UUID().uuidString)"
        try write("""
        flow: 1
        steps:
          a:
            matrix: {v: ["/../../../flow-escape", ".."]}
            command: {run: "echo ${matrix.v} > ${outputs.o}", outputs: {o: o.txt}}
        """)
        let run = try flow("run", "w.yaml")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: outside))
        let results = try FileManager.default.contentsOfDirectory(atPath: directory + "/results/w").sorted()
        XCTAssertEqual(results, ["a[v=%2F..%2F..%2F..%2Fflow-escape]", "a[v=..]"])
        XCTAssertEqual(try String(contentsOfFile: directory + "/results/w/a[v=..]/o.txt", encoding: .utf8), "..\n")
    }

    /// A matrix value longer than a file name allows still gets its own results directory.
    func testALongMatrixValueGetsADirectoryOfItsOwn() throws {
        let long = String(repeating: "x", count: 300)
        try write("""
        flow: 1
        steps:
          a:
            matrix: {v: ["\(long)a", "\(long)b"]}
            command: {run: "echo ${matrix.v} > ${outputs.o}", outputs: {o: o.txt}}
        """)
        let run = try flow("run", "w.yaml")
        XCTAssertEqual(run.status, 0, run.stderr)
        let results = try FileManager.default.contentsOfDirectory(atPath: directory + "/results/w")
        XCTAssertEqual(results.count, 2)
        for name in results {
            XCTAssertLessThanOrEqual(name.utf8.count, 200)
            let text = try String(contentsOfFile: directory + "/results/w/\(name)/o.txt", encoding: .utf8)
            XCTAssertTrue(text == long + "a\n" || text == long + "b\n")
        }
    }

    func testASymbolicLinkOutputIsRefusedAndItsTargetUntouched() throws {
        let target = directory + "/precious.txt"
        try write("keep me", to: "precious.txt")
        chmod(target, 0o600)
        try write("""
        flow: 1
        steps:
          a: {command: {run: "ln -s \(target) ${outputs.o}", outputs: {o: o.txt}}}
        """)
        let run = try flow("run", "w.yaml")
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("symbolic link"), run.stderr)
        var info = stat()
        XCTAssertEqual(stat(target, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600, "the link's target keeps its mode")
    }

    /// Values that would run commands if spliced unquoted, through params, matrix values and file names,
    /// in unquoted, single- and double-quoted contexts: each arrives as the exact text.
    func testNoValueIsReadAsShellSyntax() throws {
        let nasty = ["$(touch pwned1)", "`touch pwned2`", "a; touch pwned3", "it's \"quoted\"", "two\nlines", "with  spaces", "' ; touch pwned4 ; '", "\\\" ; touch pwned5"]
        var params = ""
        for (i, value) in nasty.enumerated() {
            params += "  p\(i): \(jsonString(value))\n"
        }
        var steps = ""
        for i in nasty.indices {
            steps += """
              u\(i):
                command: {run: "printf '%s|' ${params.p\(i)} > ${outputs.o}", outputs: {o: o.txt}}
              s\(i):
                command: {run: "printf '%s|' '${params.p\(i)}' > ${outputs.o}", outputs: {o: o.txt}}
              d\(i):
                command: {run: "printf '%s|' \\"${params.p\(i)}\\" > ${outputs.o}", outputs: {o: o.txt}}
              c\(i):
                command: {run: "echo ok > ${outputs.o} # ${params.p\(i)}", outputs: {o: o.txt}}

            """
        }
        steps += """
          m:
            matrix: {v: \(jsonArray(nasty))}
            command: {run: "printf '%s|' ${matrix.v} > ${outputs.o}", outputs: {o: o.txt}}
          f:
            command: {run: "printf '%s|' x > ${outputs.o}", outputs: {o: "odd $(touch pwned6) name;.txt"}}
          g:
            command:
              run: "cat ${inputs.f} > ${outputs.o}; printf '%s|' \\"${inputs.f}\\" >> ${outputs.o}"
              inputs: {f: {step: f}}
              outputs: {o: o.txt}

        """
        try write("flow: 1\nparams:\n" + params + "steps:\n" + steps)
        let run = try flow("run", "w.yaml")
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        for (i, value) in nasty.enumerated() {
            for context in ["u", "s", "d"] {
                XCTAssertEqual(try String(contentsOfFile: directory + "/results/w/\(context)\(i)/o.txt", encoding: .utf8), value + "|", "\(context) \(value)")
            }
            XCTAssertEqual(try String(contentsOfFile: directory + "/results/w/c\(i)/o.txt", encoding: .utf8), "ok\n")
        }
        let matrixResults = try FileManager.default.contentsOfDirectory(atPath: directory + "/results/w").filter { $0.hasPrefix("m[") }
        XCTAssertEqual(matrixResults.count, nasty.count)
        for name in matrixResults {
            let text = try String(contentsOfFile: directory + "/results/w/\(name)/o.txt", encoding: .utf8)
            XCTAssertTrue(nasty.contains(String(text.dropLast())), text)
        }
        XCTAssertTrue(try String(contentsOfFile: directory + "/results/w/g/o.txt", encoding: .utf8).hasPrefix("x|"))
        let created = try FileManager.default.subpathsOfDirectory(atPath: directory).filter { $0.contains("pwned") && !$0.hasPrefix("results") && !$0.contains("odd") }
        XCTAssertEqual(created, [], "no value ran as a command")
        XCTAssertTrue(try subpaths().allSatisfy { !$0.hasSuffix("/pwned1") })
    }

    func testAParameterOverrideIsNotACommand() throws {
        try write("""
        flow: 1
        params: {label: plain}
        steps:
          a: {command: {run: "echo ${params.label} > ${outputs.o}", outputs: {o: o.txt}}}
        """)
        let run = try flow("run", "w.yaml", "-p", "label=$(touch pwned)")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try String(contentsOfFile: directory + "/results/w/a/o.txt", encoding: .utf8), "$(touch pwned)\n")
        XCTAssertFalse(try subpaths().contains { $0.hasSuffix("pwned") })
    }

    func testAReferenceInAHereDocumentIsAnError() throws {
        try expectInvalid("""
        flow: 1
        params: {x: 1}
        steps:
          a:
            command:
              run: |
                cat <<EOF > ${outputs.o}
                ${params.x}
                EOF
              outputs: {o: o.txt}
        """, "here-document", at: "6:12")
    }

    func testBackgroundChildrenOfAFinishedStepAreStopped() throws {
        try write("""
        flow: 1
        steps:
          a: {command: {run: "sleep 300 & echo $! > ../../../child.pid; echo done > ${outputs.o}", outputs: {o: o.txt}}}
        """)
        let run = try flow("run", "w.yaml")
        XCTAssertEqual(run.status, 0, run.stderr)
        let pid = try XCTUnwrap(Int32(String(contentsOfFile: directory + "/child.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        usleep(200_000)
        XCTAssertFalse(isRunning(pid), "the step's background job was killed with its group")
    }

    func testAStalePidFileNeverKillsAnUnrelatedProcess() throws {
        // A process-group leader that is not flow's: it reads like a step's command in a pid file.
        let bystander = Process()
        bystander.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        bystander.arguments = ["-c", "import os, time; os.setpgid(0, 0); time.sleep(60)"]
        try bystander.run()
        defer { bystander.terminate() }
        usleep(300_000)
        let pid = bystander.processIdentifier
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let started = try XCTUnwrap(UInt64(stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")[19]))
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        let host = String(cString: name).map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        try write("""
        flow: 1
        steps:
          a: {command: {run: "echo ok > ${outputs.o}", outputs: {o: o.txt}}}
        """)
        for (recorded, survives) in [(started + 1, true), (started, false)] {
            let scratch = directory + "/.flow/tmp/a-\(String(host))-1-\(recorded)"
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            try "\(pid) \(recorded)\n".write(toFile: scratch + "/.pgid", atomically: true, encoding: .utf8)
            XCTAssertEqual(try flow("run", "w.yaml", "--force", "a").status, 0)
            usleep(200_000)
            XCTAssertEqual(isRunning(pid), survives, survives ? "another start time: another process, left alone" : "its own start time: stopped")
            XCTAssertFalse(FileManager.default.fileExists(atPath: scratch), "the stale scratch directory is cleared")
        }
    }

    func testValidateFindsWhatRunWouldFind() throws {
        try expectInvalid("""
        flow: 1
        steps:
          a: {command: {run: "echo > ${outputs.o}", outputs: {o: a.txt}}}
          b:
            command:
              run: "cat ${inputs.x} > ${outputs.o}"
              inputs: {x: {step: a, output: nope}}
              outputs: {o: b.txt}
        """, "step 'a' has no output 'nope'", at: "7:37")
        try expectInvalid("""
        flow: 1
        steps:
          a: {command: {run: "cat ${inputs.undeclared} > ${outputs.o}", outputs: {o: a.txt}}}
        """, "'${inputs.undeclared}' names no declared input", at: "3:22")
        try expectInvalid("""
        flow: 1
        steps:
          a: {command: {run: "true", outputs: {o: x/a.txt, p: y/a.txt}}}
        """, "have the same file name 'a.txt'", at: "3:55")
    }

    func testNumbersARunCouldNotAllocateAreRejectedWithPositions() throws {
        let cases: [(String, String, String)] = [
            ("  g: {generate: {process: sm-ttbar, events: 9223372036854775807}}", "must be at most 1000000000", "4:45"),
            ("  t: {toy: {events: 9223372036854775807}}", "must be at most 1000000000", "4:21"),
        ]
        for (dataset, message, position) in cases {
            try expectInvalid("flow: 1\nsteps: {}\ndatasets:\n" + dataset + "\n", message, at: position)
        }
        let stepCases: [(String, String, String)] = [
            ("  c: {compare: {reference: t, candidate: t, observables: [x], bins: 4294967296}}", "must be at most 10000", "6:69"),
            ("  m: {train: {data: t, features: [x], layers: [100000000000]}}", "must be at most 100000", "6:48"),
            ("  r:\n    retries: 9223372036854775807\n    command: {run: \"true\"}", "must be at most 100", "7:14"),
        ]
        for (step, message, position) in stepCases {
            try expectInvalid("flow: 1\ndatasets:\n  t: {toy: {events: 100}}\n\nsteps:\n" + step + "\n", message, at: position)
        }
    }

    func testAHugeMatrixIsRefusedQuickly() throws {
        let axis = "[" + (0..<10).map(String.init).joined(separator: ", ") + "]"
        let axes = (0..<7).map { "a\($0): \(axis)" }.joined(separator: ", ")
        let started = Date()
        try expectInvalid("""
        flow: 1
        steps:
          s:
            matrix: {\(axes)}
            command: {run: "true"}
        """, "10000000 points, more than the limit", at: "4:13")
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }

    /// Hostile YAML: each is a positioned error from `validate` within seconds, never a crash or a hang.
    func testDeepNestingAndAliasBombsArePositionedErrors() throws {
        let deep = "flow: 1\nsteps:\n  a: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n"
        var bomb = "flow: 1\nparams:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...10 {
            bomb += "  l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        bomb += "steps:\n  a: {command: {run: \"true\"}}\n"
        for (text, message, position) in [(deep, "nesting deeper than", "3:"), (bomb, "aliases expand the document", "")] {
            try write(text)
            let started = Date()
            let validate = try flow("validate", "w.yaml")
            XCTAssertEqual(validate.status, 2, validate.stderr)
            XCTAssertTrue(validate.stderr.contains(message) && validate.stderr.contains("w.yaml:\(position)"), validate.stderr)
            XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        }
    }

    private func subpaths() throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: directory)
    }

    private func jsonString(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed]), as: UTF8.self)
    }

    private func jsonArray(_ values: [String]) -> String {
        "[" + values.map(jsonString).joined(separator: ", ") + "]"
    }
}
