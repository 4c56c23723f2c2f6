import XCTest
import FlowConfig
import FlowEngine
import Network
@testable import FlowSteps

/// A kind's `version` is in every cache key, so a change to what a kind writes must come with a new
/// version, or stored results made by the old code are reused. This test runs every kind on a small
/// fixed input and compares the digest of what each wrote with `Fixtures/kind-fingerprints.json`:
/// changed outputs under an unchanged version fail it.
///
/// With the portable kernels (the default) a network's bits are the same on every CPU, so every kind
/// is fingerprinted once for every machine. With `FLOW_KERNELS=openblas`, the kinds whose outputs pass
/// through a network are fingerprinted per kernel family (`Kernels.family`, e.g. "openblas-Haswell"),
/// since OpenBLAS's kernels differ per CPU family. After a deliberate change: bump the kind's version,
/// then `FLOW_UPDATE_FINGERPRINTS=1 swift test --filter KindFingerprintTests` rewrites the file.
final class KindFingerprintTests: XCTestCase {
    static let workflow = """
    flow: 1
    datasets:
      sm: {generate: {process: sm-ttbar, events: 3000, seed: 3}}
      res: {generate: {process: pseudoscalar-resonance, events: 1000, seed: 4}}
      toy: {toy: {events: 2000, seed: 5}}
      sample: {generate: {process: pseudoscalar-interference, events: 500, seed: 6, truth: true}}
      csv: {load: {path: table.csv, weight: w}}
    steps:
      mix: {merge: [sm, res]}
      folds: {split: {data: mix, folds: 3}}
      cut: {select: {data: folds, cut: "mtt > 300", derive: [m_ll]}}
      trees: {train: {data: cut, features: [mtt, chel], model: {kind: boosted-trees, iterations: 5}, folds: 3}}
      net: {train: {data: cut, features: [mtt, chel], layers: [4], epochs: 1, folds: 3}}
      calibrated: {calibrate: {model: trees, data: cut}}
      weights: {transform: {data: cut, model: calibrated}}
      closure: {compare: {reference: cut, candidate: weights, observables: [mtt], bins: 5}}
      classifier: {classify: {background: sm, signal: weights, features: [mtt, chel], model: {kind: boosted-trees, iterations: 5}, bins: 5}}
      report: {report: {closure: closure, weights: weights}}
      exported: {export: {data: weights, format: csv}}
      shell: {command: {run: "echo 1 > ${outputs.o}", outputs: {o: o.txt}}}
      exact: {truth: {data: sample, samples: [sample]}}
      cells: {resample: {data: cut, features: [mtt, chel]}}
    """
    /// Steps whose outputs pass through a network's products (a network, or a step reading one's output):
    /// CPU-dependent under OpenBLAS's kernels.
    static let blasDependent: Set<String> = ["net", "closure", "report"]

    static var fixture: String { URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/kind-fingerprints.json" }

    func testEveryKindsOutputsMatchItsVersionsFingerprint() async throws {
        let directory = NSTemporaryDirectory() + "flow-fingerprints-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "x,w\n1,0.5\n2,-0.25\n3,1\n".write(toFile: directory + "/table.csv", atomically: true, encoding: .utf8)
        let (workspace, outcomes) = try await runWorkflow(Self.workflow, in: directory)

        let core = Kernels.family, perFamily = Kernels.choice == .openblas
        var portable: [(String, Value)] = [], blas: [(String, Value)] = []
        for step in workspace.workflow.steps.sorted(by: { $0.name < $1.name }) {
            let record = try XCTUnwrap(outcomes[step.name]?.record, "\(step.name): \(String(describing: outcomes[step.name]))")
            let digest = Digest.of(record.outputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.digest.hex)\n" }.joined())
            let version = try XCTUnwrap(Catalog.registry[step.kind]).version
            let entry: (String, Value) = (step.name, .object([("kind", .string(step.kind)), ("outputs", .string(digest.hex)), ("version", .int(version))]))
            if perFamily && Self.blasDependent.contains(step.name) { blas.append(entry) } else { portable.append(entry) }
        }
        XCTAssertEqual(Set(portable.compactMap { $0.1["kind"]?.string } + blas.compactMap { $0.1["kind"]?.string }),
                       Set(Catalog.registry.kinds.map(\.name)), "every kind is fingerprinted")

        let committed = FileManager.default.contents(atPath: Self.fixture).flatMap { try? Value(json: $0) }
        if ProcessInfo.processInfo.environment["FLOW_UPDATE_FINGERPRINTS"] == "1" {
            // Other kernel families keep only the fingerprints still valid: those of unchanged versions.
            let versions = Dictionary((portable + blas).map { ($0.0, $0.1["version"]) }, uniquingKeysWith: { a, _ in a })
            var cores = (committed?["blas"]?.object ?? []).filter { $0.0 != core }.map { name, entries -> (String, Value) in
                (name, .object((entries.object ?? []).filter { versions[$0.0] == $0.1["version"] }))
            }
            if perFamily { cores.append((core, .object(blas))) }
            // A run with OpenBLAS records its family's entries and the CPU-independent steps; the portable
            // kernels' entries for the network steps stay as committed.
            let kept = perFamily
                ? (portable + (committed?["portable"]?.object ?? []).filter { Self.blasDependent.contains($0.0) }).sorted { $0.0 < $1.0 }
                : portable
            let document = Value.object([("blas", .object(cores.sorted { $0.0 < $1.0 })), ("portable", .object(kept))])
            try document.prettyJSON.write(toFile: Self.fixture, atomically: true, encoding: .utf8)
            return
        }
        let file = try XCTUnwrap(committed, "\(Self.fixture) is missing: run with FLOW_UPDATE_FINGERPRINTS=1")
        compare(portable, file["portable"])
        if let recorded = file["blas"]?[core] {
            // A core recorded before a kind's version changed has no fingerprint for it yet.
            let known = blas.filter { recorded[$0.0] != nil }
            if known.count < blas.count { print("note: \(core) has no fingerprint yet for \(blas.filter { recorded[$0.0] == nil }.map(\.0))") }
            compare(known, recorded)
        } else if perFamily {
            print("note: no fingerprints recorded for \(core); checked the \(portable.count) CPU-independent steps only")
        }
    }

    private func compare(_ current: [(String, Value)], _ recorded: Value?) {
        for (step, entry) in current {
            guard let old = recorded?[step] else {
                XCTFail("step '\(step)' has no recorded fingerprint: run with FLOW_UPDATE_FINGERPRINTS=1")
                continue
            }
            let kind = entry["kind"]?.string ?? ""
            if old["version"] != entry["version"] {
                XCTFail("'\(kind)' is now version \(entry["version"]!.canonicalJSON) (recorded \(old["version"]?.canonicalJSON ?? "none")): record its new fingerprint with FLOW_UPDATE_FINGERPRINTS=1")
            } else if old["outputs"] != entry["outputs"] {
                XCTFail("the outputs of '\(kind)' (step '\(step)') changed but its version did not: bump the kind's version, so stored results of the old code are not reused, then record the fingerprint with FLOW_UPDATE_FINGERPRINTS=1")
            }
        }
    }
}
