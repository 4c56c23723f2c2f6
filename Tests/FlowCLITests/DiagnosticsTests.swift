import XCTest

/// How `flow` shows what it finds: `file:line:column: severity: message`, the source line and a caret;
/// warnings let a workflow run unless `--strict`.
final class DiagnosticsTests: FlowProcessTestCase {
    let oneFold = """
    flow: 1
    datasets:
      toy: {toy: {events: 100}}
    steps:
      net: {train: {data: toy, features: [x], folds: 1}}
    """

    func testAWarningIsShownWithItsLineAndStrictMakesItAnError() throws {
        try write(oneFold)
        let validate = try flow("validate", "w.yaml")
        XCTAssertEqual(validate.status, 0, validate.stderr)
        XCTAssertTrue(validate.stderr.contains("w.yaml:5:50: warning: with one fold"), validate.stderr)
        XCTAssertTrue(validate.stderr.contains("  net: {train: {data: toy, features: [x], folds: 1}}\n" + String(repeating: " ", count: 51) + "^"), validate.stderr)
        XCTAssertTrue(validate.stdout.contains("1 warning"), validate.stdout)
        let strict = try flow("validate", "--strict", "w.yaml")
        XCTAssertEqual(strict.status, 2)
        XCTAssertTrue(strict.stderr.contains("w.yaml:5:50: error: with one fold") && strict.stderr.contains("1 error in w.yaml"), strict.stderr)
        let run = try flow("run", "--strict", "w.yaml")
        XCTAssertEqual(run.status, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/.flow/steps"), "nothing ran")
    }

    func testEveryPositionedErrorQuotesItsLine() throws {
        try write("""
        flow: 1
        datasets:
          toy: {toy: {events: 100}}
        steps:
          net: {train: {data: toy, features: [x], calibration_fraction: 0}}
          net2: {train: {data: toy, features: [x], epochs: -1}}
        """)
        let validate = try flow("validate", "w.yaml")
        XCTAssertEqual(validate.status, 2)
        let lines = validate.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let headers = lines.indices.filter { lines[$0].hasPrefix("w.yaml:") }
        XCTAssertEqual(headers.count, 2, validate.stderr)
        for index in headers {
            XCTAssertTrue(lines[index + 1].hasPrefix("    net"), validate.stderr)
            XCTAssertTrue(lines[index + 2].trimmingCharacters(in: .whitespaces) == "^", validate.stderr)
        }
        XCTAssertTrue(validate.stderr.contains("calibration_fraction 0 leaves no events"), validate.stderr)
        XCTAssertTrue(validate.stderr.contains("2 errors in w.yaml"), validate.stderr)
    }

    /// A model set applied to a table other than the one it was trained on breaks cross-fitting:
    /// `validate` refuses it, with both positions' reasons.
    func testCrossFittingMistakesAreValidateTimeErrors() throws {
        try write("""
        flow: 1
        datasets:
          a: {toy: {events: 100, seed: 1}}
          b: {toy: {events: 100, seed: 2}}
        steps:
          mix: {merge: [a, b]}
          folds: {split: {data: mix, folds: 3}}
          net: {train: {data: folds, features: [x]}}
          calibrated: {calibrate: {model: net, data: folds}}
          wrong_table: {transform: {data: mix, model: calibrated}}
          wrong_model: {calibrate: {model: mix, data: mix}}
          nothing: {transform: {data: folds}}
        """)
        let validate = try flow("validate", "w.yaml")
        XCTAssertEqual(validate.status, 2)
        XCTAssertTrue(validate.stderr.contains("w.yaml:10:35: error: 'calibrated' was trained on 'folds'"), validate.stderr)
        XCTAssertTrue(validate.stderr.contains("w.yaml:11:36: error: 'mix' is a merge step; `model` takes a train step"), validate.stderr)
        // Both positions: the reference, and (as a note right after it) the step it names.
        XCTAssertTrue(validate.stderr.contains("w.yaml:6:3: note: 'mix' is declared here, as a merge step"), validate.stderr)
        XCTAssertTrue(validate.stderr.contains("w.yaml:9:3: note: 'calibrated' is declared here"), validate.stderr)
        XCTAssertTrue(validate.stderr.contains("3 errors in w.yaml"), validate.stderr)
        XCTAssertTrue(validate.stderr.contains("w.yaml:12:24: error: transform needs a `model`"), validate.stderr)
    }

    func testCutsSplitsAndExecutorKindsAreCheckedBeforeAnythingRuns() throws {
        try write("""
        flow: 1
        executor:
          kinds: {trian: {cpus: 2}}
        datasets:
          a: {toy: {events: 100}}
        steps:
          cut: {select: {data: a, cut: "x > > 1"}}
          part: {split: {data: a, fractions: {train: 0.7, test: 0.3}, keep: tran}}
          half: {split: {data: a}}
        """)
        let validate = try flow("validate", "w.yaml")
        XCTAssertEqual(validate.status, 2)
        for expected in ["w.yaml:3:11: error: 'trian' is not a step kind (did you mean 'train'?)",
                         "w.yaml:7:32: error: cut 'x > > 1':",
                         "w.yaml:8:69: error: 'tran' is not one of the fractions",
                         "w.yaml:9:17: error: split needs either `folds` or both `fractions` and `keep`"] {
            XCTAssertTrue(validate.stderr.contains(expected), "\(expected)\n\(validate.stderr)")
        }
    }

    /// Options that would do nothing, or settings a run would refuse after upstream work, are errors of
    /// `validate`, each at its own position.
    func testSettingsARunWouldRefuseAreValidateTimeErrors() throws {
        try write("""
        flow: 1
        datasets:
          a: {toy: {events: 100, negative_fraction: 0.5}}
          sm: {generate: {process: sm-ttbar, events: 100}}
        steps:
          folds: {split: {data: a, folds: 3}}
          trees: {train: {data: folds, features: [x], layers: [8], model: {kind: boosted-trees}}}
          bins: {train: {data: folds, features: [x], model: {kind: boosted-trees, max_bins: 300}}}
          net: {train: {data: folds, features: [x], folds: 4, model: {kind: network, leaves: 7}}}
          both: {transform: {data: folds, model: net, mode: abs}}
          lhe: {export: {data: folds, format: lhe}}
          cls: {classify: {background: sm, signal: sm, features: [mtt], test_fraction: 0}}
          local: {transform: {data: folds, model: net, form: local-mean}}
          stray: {transform: {data: folds, model: net, magnitude: net}}
          cells: {resample: {data: folds, features: [x, true_mean_weight]}}
        """)
        let validate = try flow("validate", "w.yaml")
        XCTAssertEqual(validate.status, 2)
        for expected in ["w.yaml:3:45: error: negative_fraction must be below 0.5",
                         "w.yaml:7:55: error: 'layers' is an option of the network",
                         "w.yaml:8:85: error: must be at most 255, got 300",
                         "w.yaml:9:52: error: 'folds' numbers 3 folds in its fold column, and `folds:` asks for 4",
                         "w.yaml:9:86: error: 'leaves' is an option of boosted-trees",
                         "w.yaml:10:53: error: transform takes a `model` or a baseline `mode`, not both",
                         "w.yaml:11:39: error: format lhe needs `source:`",
                         "w.yaml:12:80: error: test_fraction 0 leaves no events",
                         "w.yaml:13:54: error: the local-mean form needs a `magnitude`",
                         "w.yaml:14:59: error: `magnitude` is for `form: local-mean`",
                         "w.yaml:15:45: error: true_mean_weight is the exact E[w|x], for validation only",
                         "11 errors in w.yaml"] {
            XCTAssertTrue(validate.stderr.contains(expected), "\(expected)\n\(validate.stderr)")
        }
    }
}
