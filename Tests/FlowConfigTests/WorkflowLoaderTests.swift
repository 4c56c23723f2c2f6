import XCTest
import FlowConfig
import FlowSteps
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
        return try Catalog.loader.load(path: path, overrides: overrides)
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
            command:
              run: echo ${params.m}
              outptus: {x: x.txt}
          b:
            command:
              run: [not, a, string]
          c:
            command:
              inputs: {x: {step: nowhere}}
              run: echo
          d:
            comand: {run: echo}
        """)
        let rendered = found.map(\.description)
        XCTAssertEqual(found.count, 5, rendered.joined(separator: "\n"))
        let expected: [(Int, Int, String)] = [
            (7, 12, "unknown reference '${params.m}' (did you mean 'params.n'?)"),
            (8, 7, "unknown key 'outptus' (did you mean 'outputs'?)"),
            (11, 12, "expected a string, found a list"),
            (14, 26, "unknown step or dataset 'nowhere'"),
            (17, 5, "unknown key 'comand' in 'd' (did you mean 'command'?)"),
        ]
        for ((line, column, message), diagnostic) in zip(expected, found) {
            XCTAssertEqual(diagnostic.description, "\(directory!)/w.yaml:\(line):\(column): error: \(message)")
        }
    }

    func testMissingRequiredKeysWrongVersionAndDuplicateNames() {
        let found = diagnostics("""
        flow: 2
        datasets:
          a: {command: {run: x}}
        steps:
          a:
            command: {outputs: {}}
        """).map(\.message)
        XCTAssertTrue(found.contains { $0.contains("unsupported workflow format '2'") }, "\(found)")
        XCTAssertTrue(found.contains { $0.contains("duplicate name 'a'") }, "\(found)")
        XCTAssertTrue(found.contains { $0.contains("unknown key 'command' in 'a' ('command' belongs under steps)") }, "\(found)")
    }

    func testCyclesAreNamed() {
        let found = diagnostics("""
        flow: 1
        steps:
          a: {command: {run: x, inputs: {i: {step: c}}}}
          b: {command: {run: x, inputs: {i: {step: a}}}}
          c: {command: {run: x, inputs: {i: {step: b}}}}
        """)
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.message, "dependency cycle: a → c → b → a")
    }

    func testMissingFilesAreReported() {
        let found = diagnostics("""
        flow: 1
        steps:
          a: {command: {run: x, inputs: {s: nothere.py}}}
        """)
        XCTAssertEqual(found.first?.message.hasPrefix("file 'nothere.py' does not exist"), true)
        XCTAssertEqual(found.first?.mark.line, 3)
    }

    func testWholeValueInterpolationKeepsTheParameterType() throws {
        let workflow = try load("""
        flow: 1
        params: {n: 10, seed: 7}
        steps:
          a:
            command:
              run: echo ${params.n}-${params.seed}
              env:
                SEED: ${params.seed}
        """)
        let config = try XCTUnwrap(workflow.step(named: "a")?.config)
        XCTAssertEqual(config["run"], .string("echo 10-7"))
        XCTAssertEqual(config["env"]?["SEED"], .int(7))
    }

    func testParamOverridesReplaceValuesAndUnknownOnesAreErrors() throws {
        let text = """
        flow: 1
        params: {n: 10}
        steps:
          a: {command: {run: "echo ${params.n}"}}
        """
        XCTAssertEqual(try load(text, overrides: [("n", "20")]).step(named: "a")?.config["run"], .string("echo 20"))
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
            command: {run: "gen ${matrix.mass} ${matrix.width}", outputs: {e: e.csv}}
          fit:
            matrix: {mass: "${params.masses}", width: [0.03, 0.1]}
            command: {run: fit, inputs: {e: {step: sim}}}
          per_mass:
            matrix: {mass: [400, 500, 600]}
            command: {run: combine, inputs: {e: {step: sim}}}
          all:
            command: {run: summary, inputs: {e: {step: fit}, s: {step: "sim[mass=400,width=0.1]"}}}
        """)
        let sims = workflow.steps.filter { $0.family == "sim" }.map(\.name)
        XCTAssertEqual(sims, ["sim[mass=400,width=0.03]", "sim[mass=400,width=0.1]", "sim[mass=500,width=0.03]",
                              "sim[mass=500,width=0.1]", "sim[mass=600,width=0.03]", "sim[mass=600,width=0.1]"])
        XCTAssertEqual(workflow.step(named: "sim[mass=500,width=0.1]")?.config["run"], .string("gen 500 0.1"))
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
          s: {command: {run: echo, env: {A: 1, B: two}, outputs: {o: o.txt}}}
        """)
        let b = try load("""
        # a comment
        steps:
          s:
            command:
              outputs:
                o: o.txt     # trailing comment
              env:
                B: two
                A: 1
              run: echo
        flow: 1
        """)
        XCTAssertEqual(a.steps[0].config.canonicalJSON, b.steps[0].config.canonicalJSON)
    }

    func testSyntaxErrorsBecomeOneDiagnosticWithTheLineQuoted() {
        XCTAssertThrowsError(try load("flow: 1\nsteps: {a: [}\n")) { error in
            let failure = error as? ValidationFailed
            XCTAssertEqual(failure?.diagnostics.count, 1)
            XCTAssertTrue(failure?.description.contains("^") == true, "\(error)")
        }
    }
}
