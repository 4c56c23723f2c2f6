import XCTest
@testable import ROOTIO
import TestSupport

/// The reader against uproot (pip-installed by `make setup`, used only for expected values and to
/// write test files) on the real CMS and ATLAS files in ../shared/data and on generated trees.
final class ROOTReaderTests: XCTestCase {
    static let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data").standardized.path

    func sample(_ name: String) throws -> String {
        let path = Self.data + "/" + name
        XCTAssertTrue(FileManager.default.fileExists(atPath: path), "the shared test data must lie beside the repository: \(path)")
        return path
    }

    /// uproot's reading of `branches`, as flat float64 values and entry offsets, written to files.
    func uprootColumns(_ file: String, tree: String, _ branches: [String], into directory: String) throws {
        let script = """
        import sys, numpy as np, uproot, awkward as ak
        path, tree, out = sys.argv[1], sys.argv[2], sys.argv[3]
        t = uproot.open(path)[tree]
        for i, name in enumerate(sys.argv[4:]):
            if name in t:
                a = t[name].array(library="ak")
            else:  # a leaf of a leaf list: `branch.leaf`, a field of uproot's record
                branch, leaf = name.rsplit(".", 1)
                a = ak.from_numpy(t[branch].array(library="np")[leaf])
            if a.ndim == 1:
                offsets = np.arange(len(a) + 1)
                flat = ak.to_numpy(a)
            else:
                offsets = np.concatenate([[0], np.cumsum(ak.to_numpy(ak.num(a)))])
                flat = ak.to_numpy(ak.flatten(a))
            flat.astype("<f8").tofile(f"{out}/{i}.values")
            offsets.astype("<i8").tofile(f"{out}/{i}.offsets")
        """
        _ = try runPython(script, arguments: [file, tree, directory] + branches)
    }

    func load<T>(_ path: String, as: T.Type) throws -> [T] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
    }

    /// Every listed branch equals uproot's reading, value for value.
    func assertMatchesUproot(_ file: String, tree: String, _ branches: [String], line: UInt = #line) throws {
        let directory = try temporaryDirectory("flow-root")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try uprootColumns(file, tree: tree, branches, into: directory)
        let t = try ROOTFile(path: file).tree(tree)
        for (i, name) in branches.enumerated() {
            let values = try load(directory + "/\(i).values", as: Double.self)
            let offsets = try load(directory + "/\(i).offsets", as: Int64.self).map(Int.init)
            switch try t.read(name) {
            case .flat(let read):
                XCTAssertEqual(offsets, Array(0...read.count), "\(name): uproot sees it as flat", line: line)
                XCTAssertEqual(read, values, "\(name)", line: line)
            case .jagged(let readOffsets, let read):
                XCTAssertEqual(readOffsets, offsets, "\(name): entry boundaries", line: line)
                XCTAssertEqual(read, values, "\(name)", line: line)
            }
        }
    }

    func testNanoAODDrellYanWeightsAndCollections() throws {
        let path = try sample("nano_dy.root")
        let file = try ROOTFile(path: path)
        XCTAssertEqual(Set(file.treeNames), ["Events", "Runs"])
        let events = try file.tree("Events")
        XCTAssertEqual(events.entries, 40)
        guard case .flat(let weights) = try events.read("genWeight") else { return XCTFail("genWeight is flat") }
        XCTAssertEqual(weights.filter { $0 < 0 }.count, 9, "9 of 40 negative, as the data README says")
        try assertMatchesUproot(path, tree: "Events", ["genWeight", "Generator_weight", "LHEWeight_originalXWGTUP", "nMuon", "Muon_pt",
                                                       "Muon_charge", "Muon_isGlobal", "Jet_pt", "MET_pt", "LHEPdfWeight", "GenPart_pdgId",
                                                       "GenPart_statusFlags", "event", "luminosityBlock"])
        try assertMatchesUproot(path, tree: "Runs", ["genEventSumw_", "genEventCount_"])
    }

    func testNanoAODv12TopsWithPerBranchCounters() throws {
        let path = try sample("nano_tt_v12.root")
        let events = try ROOTFile(path: path).tree("Events")
        XCTAssertEqual(events.entries, 200)
        guard case .flat(let weights) = try events.read("genWeight") else { return XCTFail() }
        XCTAssertEqual(weights.filter { $0 < 0 }.count, 1)
        try assertMatchesUproot(path, tree: "Events", ["genWeight", "GenPart_pt", "GenPart_eta", "GenPart_phi", "GenPart_mass",
                                                       "GenPart_pdgId", "GenPart_statusFlags", "GenPart_genPartIdxMother", "Muon_pt", "PSWeight"])
    }

    func testATLASPhysliteVectorBranches() throws {
        let path = try sample("PHYSLITE_example.root")
        let tree = try ROOTFile(path: path).tree("CollectionTree")
        XCTAssertEqual(tree.entries, 100)
        guard case .jagged(let offsets, let values) = try tree.read("EventInfoAuxDyn.mcEventWeights") else { return XCTFail() }
        let nominal = (0..<100).map { values[offsets[$0]] }
        XCTAssertEqual(nominal.filter { $0 < 0 }.count, 22, "22 of 100 negative nominal weights")
        try assertMatchesUproot(path, tree: "CollectionTree", ["EventInfoAuxDyn.mcEventWeights", "AnalysisElectronsAuxDyn.pt",
                                                               "AnalysisElectronsAuxDyn.eta", "EventInfoAuxDyn.mcChannelNumber"])
    }

    func testMissingTreesAndBranchesAreNamedWithCloseNames() throws {
        let path = try sample("nano_dy.root")
        let file = try ROOTFile(path: path)
        XCTAssertThrowsError(try file.tree("Event")) { error in
            XCTAssertEqual("\(error)", "\(path): no tree 'Event'; trees: Events, Runs")
        }
        XCTAssertThrowsError(try file.tree("Events").read("genWeigth")) { error in
            guard case .missingBranch(_, "Events", "genWeigth", let close) = error as? ROOTError else { return XCTFail("\(error)") }
            XCTAssertEqual(close.first, "genWeight")
        }
        XCTAssertThrowsError(try ROOTFile(path: #filePath)) { error in
            XCTAssertEqual(error as? ROOTError, .notROOT(file: #filePath))
        }
    }

    func testACorruptBasketNamesTheFileBranchAndEntries() throws {
        let directory = try temporaryDirectory("flow-root")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let copy = directory + "/damaged.root"
        try FileManager.default.copyItem(atPath: try sample("nano_dy.root"), toPath: copy)
        let branch = try XCTUnwrap(ROOTFile(path: copy).tree("Events").branchesByName["Muon_pt"])
        // Overwrite the middle of the basket's compressed bytes.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: copy))
        try handle.seek(toOffset: UInt64(branch.basketSeek[0] + branch.basketBytes[0] - 40))
        try handle.write(contentsOf: Data(repeating: 0x55, count: 30))
        try handle.close()
        XCTAssertThrowsError(try ROOTFile(path: copy).tree("Events").read("Muon_pt")) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(copy): branch 'Muon_pt', entries 0–39: "), "\(error)")
        }
    }

    /// ≥ 10⁶ entries in many baskets, written by uproot once per compression algorithm.
    func testLargeMultiBasketTreesInEveryCompression() throws {
        let directory = try temporaryDirectory("flow-root")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = """
        import sys, numpy as np, uproot, awkward as ak
        out = sys.argv[1]
        n, chunk = 1_000_000, 125_000
        rng = np.random.default_rng(7)
        x = rng.normal(size=n); w = np.where(rng.random(n) < 0.2, -1.0, 1.0) * rng.exponential(size=n)
        i = rng.integers(-2**31, 2**31 - 1, size=n, dtype=np.int64).astype(np.int32)
        counts = rng.integers(0, 5, size=n)
        jet = ak.unflatten(rng.exponential(50, size=counts.sum()).astype(np.float32), counts)
        for name, codec in [("none", None), ("zlib", uproot.ZLIB(4)), ("lz4", uproot.LZ4(4)), ("zstd", uproot.ZSTD(4)), ("lzma", uproot.LZMA(4))]:
            with uproot.recreate(f"{out}/{name}.root", compression=codec) as f:
                f.mktree("t", {"x": "float64", "w": "float32", "i": "int32", "b": "bool", "Jet_pt": "var * float32"})
                for s in range(0, n, chunk):
                    e = slice(s, s + chunk)
                    f["t"].extend({"x": x[e], "w": w[e].astype(np.float32), "i": i[e], "b": x[e] > 0, "Jet_pt": jet[e]})
        x.astype("<f8").tofile(f"{out}/x"); w.astype(np.float32).astype("<f8").tofile(f"{out}/w")
        i.astype("<f8").tofile(f"{out}/i"); ak.to_numpy(ak.flatten(jet)).astype("<f8").tofile(f"{out}/jet")
        np.concatenate([[0], np.cumsum(counts)]).astype("<i8").tofile(f"{out}/jet_offsets")
        """
        _ = try runPython(script, arguments: [directory])
        let x = try load(directory + "/x", as: Double.self), w = try load(directory + "/w", as: Double.self)
        let i = try load(directory + "/i", as: Double.self), jet = try load(directory + "/jet", as: Double.self)
        let jetOffsets = try load(directory + "/jet_offsets", as: Int64.self).map(Int.init)
        for codec in ["none", "zlib", "lz4", "zstd", "lzma"] {
            let tree = try ROOTFile(path: directory + "/\(codec).root").tree("t")
            XCTAssertEqual(tree.entries, 1_000_000)
            XCTAssertGreaterThanOrEqual(tree.branchesByName["x"]?.basketSeek.count ?? 0, 8, "\(codec): many baskets")
            XCTAssertEqual(try tree.read("x"), .flat(x), codec)
            XCTAssertEqual(try tree.read("w"), .flat(w), codec)
            XCTAssertEqual(try tree.read("i"), .flat(i), codec)
            XCTAssertEqual(try tree.read("b"), .flat(x.map { $0 > 0 ? 1 : 0 }), codec)
            XCTAssertEqual(try tree.read("Jet_pt"), .jagged(offsets: jetOffsets, values: jet), codec)
        }
    }

    /// The key list is sized from the directory record, and its header read whole however long the file's
    /// stored name and title are: files written under long paths (CMS Open Data NanoAOD, uproot's own
    /// samples) used to fail with "a record ends early".
    func testLongStoredNamesAndTitles() throws {
        let directory = NSTemporaryDirectory() + "flow-root-" + UUID().uuidString + "/" + String(repeating: "a_long_directory_name_", count: 8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let script = """
        import sys, numpy as np, uproot
        path = sys.argv[1] + "/" + "with_a_title_and_name_longer_than_sixty_four_bytes_together.root"
        with uproot.recreate(path) as f:
            f.mktree("t", {"x": "float64"}, title="a tree whose title is also long enough to matter here")
            f["t"].extend({"x": np.arange(10, dtype=np.float64)})
        print(path)
        """
        let path = String(decoding: try runPython(script, arguments: [directory]), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertGreaterThan(path.utf8.count, 200)
        let file = try ROOTFile(path: path)
        XCTAssertEqual(file.treeNames, ["t"])
        XCTAssertEqual(try file.tree("t").read("x"), .flat((0..<10).map(Double.init)))
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    /// CMS Open Data NanoAOD whose every basket is embedded in the tree record, flat and jagged branches
    /// alike, and two ROOT-written trees with long stored names: value for value as uproot reads them.
    func testFilesOfOtherToolsWithEmbeddedBasketsAndLongNames() throws {
        let nano = Self.fixtures + "/nanoAOD_2015_CMS_Open_Data_ttbar.root"
        let events = try ROOTFile(path: nano).tree("Events")
        XCTAssertEqual(events.entries, 200)
        XCTAssertFalse(events.branchesByName["genWeight"]!.embedded.isEmpty, "the file keeps its entries in embedded baskets")
        try assertMatchesUproot(nano, tree: "Events", ["run", "genWeight", "nJet", "Jet_pt", "Muon_eta", "GenPart_pdgId", "LHEPdfWeight"])
        try assertMatchesUproot(Self.fixtures + "/uproot-small-flat-tree.root", tree: "tree", ["Int32", "Int64", "Float32", "Float64", "ArrayInt32"])
        try assertMatchesUproot(Self.fixtures + "/uproot-sample-6.20.04-uncompressed.root", tree: "sample", ["n", "i1", "f8", "ai8", "Ai8"])
    }

    /// Trees in subdirectories are found by path and listed with it.
    func testTreesInSubdirectories() throws {
        let directory = try temporaryDirectory("flow-root")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = """
        import sys, numpy as np, uproot
        with uproot.recreate(sys.argv[1] + "/dirs.root") as f:
            f.mktree("one/two/tree", {"x": "float64"}).extend({"x": np.arange(5.0)})
            f.mktree("top", {"x": "float64"}).extend({"x": np.arange(3.0)})
            f["ntuple"] = {"x": np.arange(3.0)}  # uproot's default for a dict is an RNTuple
        """
        _ = try runPython(script, arguments: [directory])
        let file = try ROOTFile(path: directory + "/dirs.root")
        XCTAssertEqual(Set(file.treeNames), ["one/two/tree", "top"])
        XCTAssertEqual(try file.tree("one/two/tree").read("x"), .flat([0, 1, 2, 3, 4]))
        XCTAssertEqual(try file.tree("top").read("x"), .flat([0, 1, 2]))
        XCTAssertThrowsError(try file.tree("one/tree")) { XCTAssertTrue("\($0)".contains("one/two/tree"), "\($0)") }
        XCTAssertThrowsError(try file.tree("ntuple")) { XCTAssertTrue("\($0)".contains("RNTuple"), "\($0)") }
    }

    /// A leaf list's leaves as columns, Double32_t and Float16_t in every packing (ranges with 3 to 32 bits,
    /// scalars and arrays), as uproot reads them; a char* branch is named as text.
    func testLeafListsPackedRealsAndText() throws {
        let leafList = Self.fixtures + "/uproot-leaflist.root"
        try assertMatchesUproot(leafList, tree: "tree", ["leaflist.x", "leaflist.y", "leaflist.z"])
        let tree = try ROOTFile(path: leafList).tree("tree")
        XCTAssertEqual(try tree.read("x"), try tree.read("leaflist.x"), "a leaf's own name reads it when no other column has it")
        XCTAssertTrue(tree.branchNames.contains("leaflist.y"))
        XCTAssertThrowsError(try tree.read("leaflist")) { XCTAssertTrue("\($0)".contains("leaflist.x, leaflist.y, leaflist.z"), "\($0)") }

        let packed = Self.fixtures + "/uproot-double32-float16.root"
        let names = ["double32_32", "double32_30", "double32_20", "double32_10", "double32_5", "double32_3",
                     "float16_16", "float16_10", "float16_5", "float16_3", "array_30", "array_10"]
        try assertMatchesUproot(packed, tree: "tree", names)
        // The coarsest packing still lands within one step of the value written (-2 … 7 in 3 bits of [-2.71, 10]).
        guard case .flat(let coarse) = try ROOTFile(path: packed).tree("tree").read("double32_3") else { return XCTFail("flat") }
        XCTAssertEqual(coarse.first!, -2.0, accuracy: 12.71 / 8)

        let text = try ROOTFile(path: Self.fixtures + "/string-example.root")
        let refs = try text.tree(text.treeNames.first { $0.hasSuffix("Refs") } ?? "Refs")
        XCTAssertThrowsError(try refs.read("Links")) {
            XCTAssertTrue("\($0)".contains("'Links' holds text"), "\($0)")
            XCTAssertTrue("\($0)".contains("char*"), "\($0)")
        }
    }

    /// Every branch's type as uproot names it (`rootls -t`-like listing of `flow inspect`), on files with
    /// flat, counted, fixed-array, vector, leaf-list, packed and text branches.
    func testBranchTypesAreNamedAsUprootNamesThem() throws {
        let files = [Self.fixtures + "/nanoAOD_2015_CMS_Open_Data_ttbar.root", Self.fixtures + "/uproot-small-flat-tree.root",
                     Self.fixtures + "/uproot-leaflist.root", Self.fixtures + "/uproot-double32-float16.root",
                     Self.fixtures + "/string-example.root", Self.fixtures + "/uproot-small-evnt-tree-fullsplit.root",
                     try sample("PHYSLITE_example.root")]
        let script = """
        import sys, uproot
        for path in sys.argv[1:]:
            f = uproot.open(path)
            for name, cls in f.classnames().items():
                if cls == "TTree":
                    for b in f[name].branches:
                        print(path, name.split(";")[0], b.name, b.typename, sep="\\t")
        """
        let lines = String(decoding: try runPython(script, arguments: files), as: UTF8.self).split(separator: "\n")
        var compared = 0, trees: [String: TTree] = [:]
        for line in lines {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4 else { continue }
            let tree = try trees[parts[0] + "/" + parts[1]] ?? ROOTFile(path: parts[0]).tree(parts[1])
            trees[parts[0] + "/" + parts[1]] = tree
            guard let listed = tree.listing.first(where: { $0.name == parts[2] }) else {
                XCTFail("\(parts[0]): \(parts[2]) is not listed"); continue
            }
            // uproot names classes of split objects by their streamers, which flow does not read, and
            // passes class names it cannot interpret through as written.
            if listed.type.hasPrefix("(") || parts[3].contains("<") && !parts[3].hasPrefix("std::vector<") { continue }
            XCTAssertEqual(listed.type, parts[3], "\(parts[0]) \(parts[2])")
            compared += 1
        }
        XCTAssertGreaterThan(compared, 300)
    }

    /// Members of a class split into branches (`Event` with numbers, fixed arrays and counted arrays of
    /// every width, a nested object's members), value for value as uproot reads them; a branch named with
    /// its array length is found without it too. Vector members, whose element type only the class's
    /// streamer gives, are refused by name.
    func testSplitClassMembers() throws {
        let file = Self.fixtures + "/uproot-small-evnt-tree-fullsplit.root"
        var members = ["N", "P3.Px", "P3.Py", "P3.Pz"]
        for width in ["I16", "I32", "I64", "U16", "U32", "U64", "F32", "F64"] {
            members += [width, "Array\(width)[10]", "Slice" + width]
        }
        try assertMatchesUproot(file, tree: "tree", members)
        let tree = try ROOTFile(path: file).tree("tree")
        XCTAssertEqual(try tree.read("ArrayF64"), try tree.read("ArrayF64[10]"))
        XCTAssertThrowsError(try tree.read("StlVecF32")) { XCTAssertTrue("\($0)".contains("'StlVecF32' is a container member of class Event"), "\($0)") }
        XCTAssertThrowsError(try tree.read("StdStr")) { XCTAssertTrue("\($0)".contains("'StdStr' is a container member"), "\($0)") }
        XCTAssertThrowsError(try tree.read("Beg")) { XCTAssertTrue("\($0)".contains("'Beg' holds text"), "\($0)") }
    }
}
