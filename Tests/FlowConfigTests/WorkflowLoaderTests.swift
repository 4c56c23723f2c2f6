import XCTest
import FlowConfig
import YAMLNode

final class WorkflowLoaderTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "flow-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: directory + "/script.sh", contents: Data("echo hi\n".utf8))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func load(_ text: String, overrides: [(String, String)] = []) throws -> Workflow {
        let path = directory + "/w.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try FakeKinds.loader.load(path: path, overrides: overrides)
    }

    func diagnostics(_ text: String) -> [Diagnostic] {
        do {
            _ = try load(text)
            XCTFail("expected the workflow to be rejected")
            return []
        } catch let failure as ValidationFailed {
            return failure.diagnostics
        } catch {
            XCTFail("unexpected error \(error)")
            return []
        }
    }

    func testFiveIndependentErrorsAreAllReportedAtTheirPositions() {
        let found = diagnostics("""
        flow: 1
        name: broken
        params: {n: 10}
        steps:
          a:
            write:
              text: echo ${params.m}
              fiel: x.txt
          b:
            write:
              text: [not, a, string]
          c:
            concat:
              inputs: [nowhere]
              file: c.txt
          d:
            wrte: {text: echo}
        """)
        let rendered = found.map(\.description)
        XCTAssertEqual(found.count, 5, rendered.joined(separator: "\n"))
        let expected: [(Int, Int, String)] = [
            (7, 13, "unknown reference '${params.m}' (did you mean 'params.n'?)"),
            (8, 7, "unknown key 'fiel' (did you mean 'file'?)"),
            (11, 13, "expected a string, found a list"),
            (14, 16, "unknown step or dataset 'nowhere'"),
            (17, 5, "unknown key 'wrte' in 'd' (did you mean 'write'?)"),
        ]
        for ((line, column, message), diagnostic) in zip(expected, found) {
            XCTAssertEqual(diagnostic.description, "\(directory!)/w.yaml:\(line):\(column): error: \(message)")
        }
    }

    func testMissingRequiredKeysWrongVersionAndDuplicateNames() {
        let found = diagnostics("""
        flow: 2
        datasets:
          a: {write: {text: x}}
          n: {numbers: {seed: 1}}
        steps:
          a:
            write: {file: x}
          b:
            write: {file: x}
        """).map(\.message)
        XCTAssertTrue(found.contains { $0.contains("unsupported workflow format '2'") }, "\(found)")
        XCTAssertTrue(found.contains { $0.contains("duplicate name 'a'") }, "\(found)")
        XCTAssertTrue(found.contains { $0.contains("unknown key 'write' in 'a' ('write' belongs under steps)") }, "\(found)")
        XCTAssertTrue(found.contains { $0 == "missing required key 'count'" }, "\(found)")
        XCTAssertTrue(found.contains { $0 == "missing required key 'text'" }, "\(found)")
    }

    func testCyclesAreNamed() {
        let found = diagnostics("""
        flow: 1
        steps:
          a: {concat: {inputs: [c]}}
          b: {concat: {inputs: [a]}}
          c: {concat: {inputs: [b]}}
        """)
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.message, "dependency cycle: a → c → b → a")
    }

    func testMissingFilesAreReported() {
        let found = diagnostics("""
        flow: 1
        steps:
          a: {concat: {files: [script.sh, nothere.py]}}
        """)
        XCTAssertEqual(found.count, 1, "script.sh exists: \(found)")
        XCTAssertEqual(found.first?.message.hasPrefix("file 'nothere.py' does not exist"), true)
        XCTAssertEqual(found.first?.mark.line, 3)
        XCTAssertEqual(found.first?.mark.column, 35)
    }

    func testWholeValueInterpolationKeepsTheParameterType() throws {
        let workflow = try load("""
        flow: 1
        params: {n: 10, seed: 7}
        steps:
          a:
            write:
              text: echo ${params.n}-${params.seed}
              meta:
                SEED: ${params.seed}
              note: ${params.n}
        """)
        let config = try XCTUnwrap(workflow.step(named: "a")?.config)
        XCTAssertEqual(config["text"], .string("echo 10-7"))
        XCTAssertEqual(config["meta"]?["SEED"], .int(7))
        XCTAssertEqual(config["note"], .int(10))
    }

    func testParamOverridesReplaceValuesAndUnknownOnesAreErrors() throws {
        let text = """
        flow: 1
        params: {n: 10}
        steps:
          a: {write: {text: "echo ${params.n}"}}
        """
        XCTAssertEqual(try load(text).step(named: "a")?.config["text"], .string("echo 10"))
        XCTAssertEqual(try load(text, overrides: [("n", "20")]).step(named: "a")?.config["text"], .string("echo 20"))
        XCTAssertThrowsError(try load(text, overrides: [("m", "20")])) { error in
            XCTAssertTrue("\(error)".contains("no parameter 'm' (did you mean 'n'?)"), "\(error)")
        }
    }

    func testMatrixExpandsIntoPredictablyNamedSteps() throws {
        let workflow = try load("""
        flow: 1
        params: {masses: [400, 500, 600]}
        steps:
          sim:
            matrix: {mass: "${params.masses}", width: [0.03, 0.1]}
            write: {text: "gen ${matrix.mass} ${matrix.width}", file: e.csv}
          fit:
            matrix: {mass: "${params.masses}", width: [0.03, 0.1]}
            concat: {inputs: [sim]}
          per_mass:
            matrix: {mass: [400, 500, 600]}
            concat: {inputs: [sim]}
          all:
            concat: {inputs: [fit, "sim[mass=400,width=0.1]"]}
        """)
        let sims = workflow.steps.filter { $0.family == "sim" }.map(\.name)
        XCTAssertEqual(sims, ["sim[mass=400,width=0.03]", "sim[mass=400,width=0.1]", "sim[mass=500,width=0.03]",
                              "sim[mass=500,width=0.1]", "sim[mass=600,width=0.03]", "sim[mass=600,width=0.1]"])
        XCTAssertEqual(workflow.step(named: "sim[mass=500,width=0.1]")?.config["text"], .string("gen 500 0.1"))
        XCTAssertEqual(workflow.step(named: "fit[mass=500,width=0.1]")?.dependencies, ["sim[mass=500,width=0.1]"],
                       "the same matrix pairs points")
        XCTAssertEqual(workflow.step(named: "per_mass[mass=500]")?.dependencies,
                       ["sim[mass=500,width=0.03]", "sim[mass=500,width=0.1]"], "a smaller matrix fans in the rest")
        XCTAssertEqual(workflow.step(named: "all")?.dependencies.count, 7, "no matrix fans in all points")
    }

    func testReformattingDoesNotChangeTheResolvedConfiguration() throws {
        let a = try load("""
        flow: 1
        steps:
          s: {write: {text: echo, meta: {A: 1, B: two}, file: o.txt}}
        """)
        let b = try load("""
        # a comment
        steps:
          s:
            write:
              file: o.txt     # trailing comment
              meta:
                B: two
                A: 1
              text: echo
        flow: 1
        """)
        XCTAssertEqual(a.steps[0].config.canonicalJSON, b.steps[0].config.canonicalJSON)
        let edited = try load("""
        flow: 1
        steps:
          s: {write: {text: echo, meta: {A: 1, B: three}, file: o.txt}}
        """)
        XCTAssertNotEqual(a.steps[0].config.canonicalJSON, edited.steps[0].config.canonicalJSON, "a changed value changes it")
    }

    func testSyntaxErrorsBecomeOneDiagnosticWithTheLineQuoted() {
        XCTAssertThrowsError(try load("flow: 1\nsteps: {a: [}\n")) { error in
            let failure = error as? ValidationFailed
            XCTAssertEqual(failure?.diagnostics.count, 1)
            XCTAssertTrue(failure?.description.contains("^") == true, "\(error)")
        }
    }
}
