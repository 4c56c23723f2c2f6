import XCTest
@testable import EventData
import TestSupport

final class FormatTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = try temporaryDirectory("flow-data")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    func file(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    var sample: EventTable {
        try! EventTable([("weight", [1.5, -0.25, 3e-7]), ("mtt", [400, 512.25, 1e3]), ("chel", [-0.5, 0.1, 0.999])])
    }

    func testCSVRoundTripsExactly() throws {
        let path = directory + "/t.csv"
        try CSV.write(sample, to: path)
        XCTAssertEqual(try CSV.read(path), sample)
    }

    func testCSVErrorsNameFileColumnAndRow() throws {
        let bad = try file("bad.csv", "weight,mtt\n1,400\n2,4x0\n")
        XCTAssertThrowsError(try CSV.read(bad)) { error in
            XCTAssertEqual("\(error)", "\(bad): column 'mtt', row 2 (line 3): '4x0' is not a number")
        }
        let ragged = try file("ragged.csv", "weight,mtt\n1,400\n2\n")
        XCTAssertThrowsError(try CSV.read(ragged)) { error in
            XCTAssertEqual("\(error)", "\(ragged): row 2 (line 3) has 1 fields, the header has 2")
        }
        let empty = try file("empty.csv", "")
        XCTAssertThrowsError(try CSV.read(empty)) { XCTAssertEqual("\($0)", "\(empty): the file holds no events") }
        let headerOnly = try file("header.csv", "weight,mtt\n")
        XCTAssertThrowsError(try CSV.read(headerOnly)) { XCTAssertEqual("\($0)", "\(headerOnly): the file holds no events") }
    }

    func testNonFiniteValuesAreErrorsUnlessDroppedOrKept() throws {
        let path = try file("nan.csv", "weight,mtt\n1,400\nnan,410\n2,inf\n")
        let table = try CSV.read(path)
        XCTAssertThrowsError(try table.checkingFinite(.error, dataset: "nan.csv")) { error in
            XCTAssertEqual("\(error)", "nan.csv: column 'weight', row 2: nan is not a finite number (set `nonfinite: drop` to skip such rows)")
        }
        XCTAssertEqual(try table.checkingFinite(.drop, dataset: "nan.csv").rowCount, 1)
        XCTAssertEqual(try table.checkingFinite(.keep, dataset: "nan.csv").rowCount, 3)
    }

    func testMissingColumnListsWhatIsThere() {
        XCTAssertThrowsError(try sample.column("mt", in: "sm")) { error in
            XCTAssertEqual("\(error)", "sm: no column 'mt' (similar: mtt); it has weight, mtt, chel")
        }
    }

    func testNPYAndNPZRoundTrip() throws {
        let npy = directory + "/t.npy", npz = directory + "/t.npz"
        try NPY.write(sample, to: npy)
        try NPZ.write(sample, to: npz)
        XCTAssertEqual(try NPY.read(npy), sample)
        XCTAssertEqual(try NPZ.read(npz), sample)
        XCTAssertEqual(try DataFiles.read(npz), sample)
        XCTAssertEqual(try NPZ.encode(sample), try NPZ.encode(sample), "fixed timestamps: equal tables, equal bytes")
    }

    /// The files flow writes are what numpy reads, and numpy's files (savez, savez_compressed,
    /// other dtypes, a structured array) are what flow reads.
    func testNumpyReadsFlowFilesAndFlowReadsNumpyFiles() throws {
        try NPY.write(sample, to: directory + "/flow.npy")
        try NPZ.write(sample, to: directory + "/flow.npz")
        let script = """
        import numpy as np, sys, json
        d = sys.argv[1]
        a = np.load(d + "/flow.npy")
        z = np.load(d + "/flow.npz")
        out = {"npy_fields": list(a.dtype.names), "npy_mtt": a["mtt"].tolist(), "npz_keys": sorted(z.files),
               "npz_weight": z["weight"].tolist()}
        np.savez(d + "/np.npz", weight=np.array([1.0, -2.0]), n=np.array([3, 4], dtype=np.int32), f=np.array([0.5, 1.5], dtype=np.float32))
        np.savez_compressed(d + "/npc.npz", weight=np.arange(1000, dtype=np.float64), flag=np.arange(1000) % 2 == 0)
        rec = np.zeros(2, dtype=[("weight", "<f8"), ("id", "<i8")]); rec["weight"] = [0.25, 0.75]; rec["id"] = [7, 8]
        np.save(d + "/rec.npy", rec)
        print(json.dumps(out))
        """
        let data = try runPython(script, arguments: [directory])
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(result["npy_fields"] as? [String], ["weight", "mtt", "chel"])
        XCTAssertEqual(result["npy_mtt"] as? [Double], [400, 512.25, 1000])
        XCTAssertEqual(result["npz_keys"] as? [String], ["chel", "mtt", "weight"])
        XCTAssertEqual(result["npz_weight"] as? [Double], [1.5, -0.25, 3e-7])

        let plain = try NPZ.read(directory + "/np.npz")
        XCTAssertEqual(plain["weight"], [1, -2])
        XCTAssertEqual(plain["n"], [3, 4])
        XCTAssertEqual(plain["f"], [0.5, 1.5])
        let compressed = try NPZ.read(directory + "/npc.npz")
        XCTAssertEqual(compressed["weight"]?.last, 999)
        XCTAssertEqual(compressed["flag"]?.prefix(3), [1, 0, 1])
        let record = try NPY.read(directory + "/rec.npy")
        XCTAssertEqual(record["weight"], [0.25, 0.75])
        XCTAssertEqual(record["id"], [7, 8])
    }

    func testCorruptFilesGetClearErrors() throws {
        let notZip = try file("x.npz", "hello")
        XCTAssertThrowsError(try NPZ.read(notZip)) { XCTAssertTrue("\($0)".contains("not an .npz (zip) file"), "\($0)") }
        let notNpy = try file("x.npy", "hello world")
        XCTAssertThrowsError(try NPY.read(notNpy)) { XCTAssertTrue("\($0)".contains("not a .npy file"), "\($0)") }
    }
}
