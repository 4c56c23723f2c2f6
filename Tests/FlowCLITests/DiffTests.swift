import XCTest

/// `flow diff` in a real git repository: a commit that changes one parameter.
final class DiffTests: FlowProcessTestCase {
    let workflow = """
    flow: 1
    params: {n: 1000, label: x}
    steps:
      a:
        command: {run: "seq 1 ${params.n} > ${outputs.o}", outputs: {o: a.txt}}
      b:
        command:
          run: "awk '{s += $1} END {print s; printf \\"{\\\\\\"sum\\\\\\": %d, \\\\\\"count\\\\\\": %d}\\", s, NR > \\"m.json\\"}' ${inputs.a} > ${outputs.o}"
          inputs: {a: {step: a}}
          outputs: {o: b.txt}
          metrics: m.json
      c:
        command: {run: "echo ${params.label} > ${outputs.o}", outputs: {o: c.txt}}
    """

    func git(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["-C", directory, "-c", "user.name=flow", "-c", "user.email=flow@localhost"] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "git \(arguments)")
    }

    func testAChangedParameterItsStepsAndTheirMetricsAreListed() throws {
        try git("init", "-q")
        try write(workflow)
        XCTAssertEqual(try flow("run", "w.yaml").status, 0)
        try git("add", "w.yaml", "w.lock")
        try git("commit", "-qm", "n = 1000")
        try write(workflow.replacingOccurrences(of: "n: 1000", with: "n: 2000"))
        XCTAssertEqual(try flow("run", "w.yaml").status, 0)
        try git("commit", "-qam", "n = 2000")

        let diff = try flow("diff", "HEAD~1")
        XCTAssertEqual(diff.status, 0, diff.stderr)
        XCTAssertTrue(diff.stdout.contains("  n: 1000 → 2000"), diff.stdout)
        XCTAssertFalse(diff.stdout.contains("label"), "an unchanged parameter is not listed: \(diff.stdout)")
        XCTAssertTrue(diff.stdout.contains("steps whose key changed (2): a, b"), "c does not read n: \(diff.stdout)")
        XCTAssertTrue(diff.stdout.contains("b     count   1000    2000     +1000 (+100.0 %)"), diff.stdout)
        XCTAssertTrue(diff.stdout.contains("b     sum     500500  2001000  +1500500 (+299.8 %)"), diff.stdout)

        let markdown = try flow("diff", "HEAD~1", "HEAD", "--format", "md").stdout
        XCTAssertTrue(markdown.contains("| n | 1000 | 2000 |"), markdown)
        XCTAssertTrue(markdown.contains("**Steps whose key changed (2):** `a`, `b`"), markdown)
        XCTAssertTrue(markdown.contains("| b | sum | 500500 | 2001000 | +1500500 (+299.8 %) |"), markdown)
        XCTAssertTrue(try flow("diff").stdout.contains("no differences between HEAD and the working tree"))
        XCTAssertEqual(try flow("diff", "no-such-revision").status, 2)
    }
}
