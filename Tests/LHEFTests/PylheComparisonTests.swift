import Foundation
import XCTest
import LHEF
import TestSupport

/// Real LHE files of many generators (Fixtures/README.md) read by flow and by pylhe (pip-installed by
/// `make setup`, used only for expected values): the same events, event by event — process, XWGTUP, every
/// particle's id, status, mothers and four-momentum and mass, every named weight — bit for bit.
final class PylheComparisonTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: fixtures)) ?? [])
            .filter { $0.hasSuffix(".lhe") || $0.hasSuffix(".lhe.gz") }.sorted()
    }

    /// pylhe's reading of each file: an index (events, particles, weight ids) and per file one float64
    /// array: weight, process, particle count per event; the nine particle columns; each named weight.
    static let script = """
    import sys, json, math, numpy as np, pylhe
    out = sys.argv[1]; index = {}
    for path in sys.argv[2:]:
        name = path.rsplit("/", 1)[1]
        events = list(pylhe.LHEFile.fromfile(path).events)
        info = [[e.eventinfo.weight for e in events], [e.eventinfo.pid for e in events], [len(e.particles) for e in events]]
        fields = ["id", "status", "mother1", "mother2", "px", "py", "pz", "e", "m"]
        particles = [[getattr(p, f) for e in events for p in e.particles] for f in fields]
        ids = []
        for e in events:
            for k in e.weights:
                if k not in ids: ids.append(k)
        weights = [[e.weights.get(k, math.nan) for e in events] for k in ids]
        np.concatenate([np.asarray(c, dtype="<f8").ravel() for c in info + particles + weights]).tofile(f"{out}/{name}.bin")
        index[name] = {"events": len(events), "particles": len(particles[0]), "weight_ids": ids}
    json.dump(index, open(f"{out}/index.json", "w"))
    """

    func testEveryFixtureReadsAsPylheReadsIt() throws {
        let directory = try temporaryDirectory("flow-pylhe")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = Self.files
        XCTAssertGreaterThanOrEqual(files.count, 15, "the fixtures are in \(Self.fixtures)")
        _ = try runPython(Self.script, arguments: [directory] + files.map { Self.fixtures + "/" + $0 })
        let index = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/index.json"))) as? [String: [String: Any]])
        for name in files {
            let expected = try XCTUnwrap(index[name], name)
            let events = expected["events"] as! Int, particleCount = expected["particles"] as! Int
            let ids = expected["weight_ids"] as! [String]
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name).bin"))
            var values = data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }[...]
            func take(_ n: Int) -> [Double] { defer { values = values.dropFirst(n) }; return Array(values.prefix(n)) }

            let file = try LHEFile(path: Self.fixtures + "/" + name)
            XCTAssertEqual(file.events.count, events, name)
            guard file.events.count == events else { continue }
            XCTAssertEqual(file.events.map(\.weight), take(events), "\(name): XWGTUP")
            XCTAssertEqual(file.events.map { Double($0.processID) }, take(events), "\(name): IDPRUP")
            XCTAssertEqual(file.events.map { Double($0.particles.count) }, take(events), "\(name): particles per event")
            let p = file.particles
            XCTAssertEqual(p.count, particleCount, name)
            for (field, column) in zip(["id", "status", "mother1", "mother2", "px", "py", "pz", "e", "m"],
                                       [p.pdgId, p.status, p.mother1, p.mother2, p.px, p.py, p.pz, p.e, p.mass]) {
                XCTAssertEqual(column, take(particleCount), "\(name): particle \(field)")
            }
            XCTAssertEqual(file.weightIDs, ids, "\(name): named weights")
            for id in ids {
                let expected = take(events), read = try XCTUnwrap(file.namedWeight(id), "\(name): \(id)").values
                XCTAssertTrue(zip(read, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } && read.count == expected.count,
                              "\(name): named weight \(id)")
            }
        }
    }

    /// A copy with unchanged weights is the file itself, byte for byte, for every generator's file.
    func testUnchangedWeightsCopyEveryFixtureExactly() throws {
        for name in Self.files where !name.hasSuffix(".gz") {
            let path = Self.fixtures + "/" + name
            let file = try LHEFile(path: path, reading: [])
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            XCTAssertEqual(try file.rewritten(weights: file.events.map(\.weight)), original, name)
        }
    }

    /// GiBUU gives NPRUP = 8 but lists no process: its events are read, with process 0.
    func testGiBUUsFileReads() throws {
        let file = try LHEFile(path: Self.fixtures + "/pylhe-testfile-pr29.lhe")
        XCTAssertTrue(file.processes.isEmpty)
        XCTAssertEqual(file.events.count, 791)
        XCTAssertEqual(Set(file.events.map(\.processID)), [0])
    }

    /// A gzipped file read whole or a chunk at a time gives the same events; what a read does not keep is
    /// still read through.
    func testPartialContentsKeepEventsAndWeights() throws {
        let path = Self.fixtures + "/pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz"
        let all = try LHEFile(path: path), light = try LHEFile(path: path, reading: [])
        XCTAssertEqual(light.events.map(\.weight), all.events.map(\.weight))
        XCTAssertEqual(light.particles.count, 0)
        XCTAssertTrue(light.weightIDs.isEmpty)
        XCTAssertEqual(all.weightIDs.count, 145)
        let memory = try LHEFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), file: "jj.lhe.gz")
        XCTAssertEqual(memory.events, all.events)
        XCTAssertEqual(memory.particles.px, all.particles.px)
    }
}
