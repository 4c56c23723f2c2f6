import BoostedTrees
import Foundation
import ModelContainer
import Network
import XCTest

/// The model container and the two model files on it: bit-identical round trips, deterministic bytes,
/// every class of damage refused with the file, the problem and the byte, and mutated files never crash.
final class ModelContainerTests: XCTestCase {
    // MARK: Fixtures

    /// Two small networks with awkward values: −0, subnormals, the extremes of Float, quantile knots.
    static func networks() -> [StoredModel] {
        let architecture = Architecture(inputs: 2, hidden: [3], activation: .silu, objective: .binaryCrossEntropy)
        var a = DenseNetwork<Float>(architecture: architecture, seed: 7,
                                    standardisation: Standardisation(mean: [-0.0, 0.25], scale: [1e-300, 3],
                                                                     quantiles: [[-1, 0, 0, 2, .infinity], [-.infinity, 0.1, 0.2, 0.3, 0.4]]))
        a.parameters[0] = -0.0
        a.parameters[1] = .leastNonzeroMagnitude
        a.parameters[2] = .greatestFiniteMagnitude
        a.parameters[3] = -.greatestFiniteMagnitude
        let b = DenseNetwork<Float>(architecture: Architecture(inputs: 2, hidden: [], activation: .relu, objective: .meanSquaredError), seed: 8)
        return [StoredModel(network: a, features: ["m_tt", "cos θ"], notes: ["fold": "0", "quote\"back\\slash": "tab\tnew\nline\u{1}"]),
                StoredModel(network: b, features: ["x", "y"])]
    }

    static func trees() -> [StoredTrees] {
        var state: UInt64 = 1
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) * 0x1p-53
        }
        let x = (0..<3000).map { _ in uniform() }
        let y = (0..<1000).map { i in x[3 * i] + 0.4 * x[3 * i + 2] > 0.6 ? 1.0 : 0.0 }
        var settings = BoostingSettings()
        settings.iterations = 6
        settings.tree.maxLeaves = 5
        settings.threads = 1
        let model = BoostedTrees.fit(x: x, y: y, features: 3, settings: settings).0
        var second = model
        second.baseline = -0.0
        second.loss = .squaredError
        return [StoredTrees(model: model, features: ["a", "b", "c"], notes: ["fold": "0"]),
                StoredTrees(model: second, features: ["a", "b", "c"], notes: ["fold": "1", "é": "ü"])]
    }

    static let path = "test.model"

    func networkBytes() -> [UInt8] { [UInt8](ModelFile.encode(Self.networks())) }
    func treeBytes() throws -> [UInt8] { [UInt8](try TreeModelFile.encode(Self.trees())) }

    /// The bytes with a fresh checksum (an independent bitwise CRC-32, so this also pins the polynomial).
    static func resealed(_ bytes: [UInt8]) -> [UInt8] {
        var out = Array(bytes.dropLast(4))
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in out {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        crc ^= 0xFFFF_FFFF
        withUnsafeBytes(of: crc.littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// The error `body` throws, failing the test when it throws none or another type.
    func refusal(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> ModelContainerError? {
        do {
            try body()
            XCTFail("accepted", file: file, line: line)
        } catch let error as ModelContainerError {
            XCTAssertTrue(error.description.hasPrefix(Self.path + ": ") || error.description.hasPrefix("/"), "\(error)", file: file, line: line)
            return error
        } catch {
            XCTFail("unexpected error type: \(error)", file: file, line: line)
        }
        return nil
    }

    func assertRefused(_ bytes: [UInt8], network: Bool = true, _ fragment: String, at offset: Int? = nil,
                       file: StaticString = #filePath, line: UInt = #line) {
        let error = refusal({
            if network { _ = try ModelFile.decode(Data(bytes), path: Self.path) } else { _ = try TreeModelFile.decode(bytes, path: Self.path) }
        }, file: file, line: line)
        guard let error else { return }
        XCTAssertTrue(error.message.contains(fragment), "“\(error.message)” lacks “\(fragment)”", file: file, line: line)
        if let offset { XCTAssertEqual(error.offset, offset, "\(error)", file: file, line: line) }
        XCTAssertTrue(error.description.contains("(byte "), "\(error)", file: file, line: line)
    }

    /// A valid file's container, changed by `edit`, encoded again (a consistent, correctly sealed file).
    func edited(_ bytes: [UInt8], kind: ModelContainer.Kind = .network, _ edit: (inout ModelContainer) -> Void) throws -> [UInt8] {
        var container = try ModelContainer.decode(bytes, path: Self.path, expecting: kind)
        edit(&container)
        return container.encoded()
    }

    func replace<T: SectionElement>(_ name: String, in container: inout ModelContainer, with values: [T]) {
        let i = container.sections.firstIndex { $0.name == name }!
        container.sections[i] = ModelContainer.Section(name: name, values: values)
    }

    // MARK: Round trips and determinism

    func testNetworksReadBackBitForBit() throws {
        let models = Self.networks()
        let bytes = networkBytes()
        let read = try ModelFile.decode(Data(bytes), path: Self.path)
        XCTAssertEqual(read.count, 2)
        for (r, m) in zip(read, models) {
            XCTAssertEqual(r.network.architecture, m.network.architecture)
            XCTAssertEqual(r.network.parameters.map(\.bitPattern), m.network.parameters.map(\.bitPattern))
            XCTAssertEqual(r.network.standardisation.mean.map(\.bitPattern), m.network.standardisation.mean.map(\.bitPattern))
            XCTAssertEqual(r.network.standardisation.scale.map(\.bitPattern), m.network.standardisation.scale.map(\.bitPattern))
            XCTAssertEqual(r.network.standardisation.quantiles.map { $0.map(\.bitPattern) }, m.network.standardisation.quantiles.map { $0.map(\.bitPattern) })
            XCTAssertEqual(r.features, m.features)
            XCTAssertEqual(r.notes, m.notes)
        }
        XCTAssertEqual([UInt8](ModelFile.encode(read)), bytes)

        let path = NSTemporaryDirectory() + "flow-\(UUID().uuidString).flownet"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ModelFile.write(models, to: path)
        XCTAssertEqual([UInt8](FileManager.default.contents(atPath: path)!), bytes)
        XCTAssertFalse(TreeModelFile.isTreeFile(path))
        XCTAssertEqual(ModelContainer.kind(ofFileAt: path), .network)
        let x = [0.3, 0.7, -1, 5]
        XCTAssertEqual(try ModelFile.read(path)[0].network.predict(x).map(\.bitPattern), models[0].network.predict(x).map(\.bitPattern))
    }

    func testTreesReadBackBitForBit() throws {
        let models = Self.trees()
        let bytes = try treeBytes()
        let read = try TreeModelFile.decode(bytes, path: Self.path)
        XCTAssertEqual(read, models)
        XCTAssertEqual(read[1].model.baseline.bitPattern, (-0.0).bitPattern)
        XCTAssertEqual([UInt8](try TreeModelFile.encode(read)), bytes)

        let path = NSTemporaryDirectory() + "flow-\(UUID().uuidString).flowgbt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TreeModelFile.write(models, to: path)
        XCTAssertTrue(TreeModelFile.isTreeFile(path))
        XCTAssertEqual([UInt8](FileManager.default.contents(atPath: path)!), bytes)
        let x = (0..<30).map { Double($0) / 30 }
        XCTAssertEqual(try TreeModelFile.read(path)[0].model.predict(x), models[0].model.predict(x))
    }

    func testSameModelsSameBytes() throws {
        XCTAssertEqual(networkBytes(), networkBytes())
        XCTAssertEqual(try treeBytes(), try treeBytes())
        // Notes are a dictionary: whatever its order, the header is the same.
        var a = Self.networks(), b = Self.networks()
        a[0].notes = [:]; b[0].notes = [:]
        for k in 0..<40 { a[0].notes["k\(k)"] = "\(k)" }
        for k in (0..<40).reversed() { b[0].notes["k\(k)"] = "\(k)" }
        XCTAssertEqual(ModelFile.encode(a), ModelFile.encode(b))
        XCTAssertEqual(ModelFile.encode([]), ModelFile.encode([]))
        XCTAssertEqual(try ModelFile.decode(ModelFile.encode([]), path: Self.path).count, 0)
    }

    /// The layout the spec describes, byte for byte at the fixed offsets.
    func testLayoutIsTheDocumentedOne() throws {
        let model = StoredModel(network: DenseNetwork(architecture: Architecture(inputs: 1, hidden: []), parameters: [0.5, -2],
                                                      standardisation: .identity(1)), features: ["x"], notes: ["fold": "0"])
        let bytes = [UInt8](ModelFile.encode([model]))
        XCTAssertEqual(Array(bytes[0..<8]), [0x89, 0x46, 0x4C, 0x4F, 0x57, 0x0D, 0x0A, 0x1A])
        XCTAssertEqual(Array(bytes[8..<12]), [1, 0, 0, 0])
        XCTAssertEqual(Array(bytes[12..<20]), Array("network".utf8) + [0])
        let headerLength = Int(bytes[20]) | Int(bytes[21]) << 8
        XCTAssertEqual(Array(bytes[22..<24]), [0, 0])
        XCTAssertEqual(Array(bytes[24..<28]), [4, 0, 0, 0])
        let header = String(decoding: bytes[28..<28 + headerLength], as: UTF8.self)
        XCTAssertEqual(header, #"{"metadata":{"models":[{"activation":"relu","features":["x"],"hidden":[],"inputs":1,"notes":{"fold":"0"},"#
                       + #""objective":"bce","quantile_knots":0}]},"sections":[{"count":2,"name":"0/parameters","type":"f32"},"#
                       + #"{"count":1,"name":"0/mean","type":"f64"},{"count":1,"name":"0/scale","type":"f64"},"#
                       + #"{"count":0,"name":"0/quantiles","type":"f64"}]}"#)
        var p = 28 + headerLength
        XCTAssertEqual(Array(bytes[p..<p + 16]), [8, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0x3F] + [0, 0, 0, 0xC0])
        p += 16
        XCTAssertEqual(Array(bytes[p..<p + 16]), [8, 0, 0, 0, 0, 0, 0, 0] + Array(repeating: 0, count: 8))
        p += 16
        XCTAssertEqual(Array(bytes[p..<p + 16]), [8, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        p += 16
        XCTAssertEqual(Array(bytes[p..<p + 8]), Array(repeating: 0, count: 8))
        p += 8
        XCTAssertEqual(bytes.count, p + 4)
        XCTAssertEqual(Self.resealed(bytes), bytes, "CRC-32 of everything before it")
        XCTAssertEqual(Array(try treeBytes()[12..<20]), Array("trees".utf8) + [0, 0, 0])
    }

    func testHeaderJSONIsCanonicalAndReadsBack() throws {
        let value = HeaderValue.object(["b": .array([.int(-3), .int(Int.max), .null, .bool(true)]), "a": .string("\"\\\n\r\t\u{7}é/€"),
                                        "ab": .object([:]), "A": .array([])])
        let text = String(decoding: value.canonicalJSON, as: UTF8.self)
        XCTAssertEqual(text, #"{"A":[],"a":"\"\\\n\r\t\u0007é/€","ab":{},"b":[-3,9223372036854775807,null,true]}"#)
        var container = ModelContainer(kind: .trees, metadata: value)
        container.append("u8", [UInt8(1), 255])
        container.append("i32", [Int32.min, -1])
        let read = try ModelContainer.decode(container.encoded(), path: Self.path, expecting: .trees)
        XCTAssertEqual(read, container)
        XCTAssertEqual(read.sections[1].values(Int32.self), [Int32.min, -1])
        XCTAssertNil(read.sections[1].values(Float.self))
    }

    // MARK: Damage, class by class

    func testTruncatedFilesAreRefusedAtEveryLength() throws {
        for bytes in [networkBytes(), try treeBytes()] {
            let network = bytes[12] == UInt8(ascii: "n")
            for n in 0..<bytes.count {
                assertRefused(Array(bytes.prefix(n)), network: network, "truncated")
            }
        }
    }

    func testWrongMagicAndEarlierFormatsAreNamed() {
        var bytes = networkBytes()
        bytes[1] = UInt8(ascii: "G")
        assertRefused(bytes, "not a flow model file", at: 0)
        assertRefused(Array("flownet 1\n{\"inputs\": 2}\n".utf8), "earlier text-headed format (\"flownet 1\")", at: 0)
        assertRefused(Array("flowgbt 1\n{}\n".utf8), network: false, "earlier text-headed format (\"flowgbt 1\")", at: 0)
        assertRefused(Array("PK\u{3}\u{4}".utf8), "not a flow model file", at: 0)
    }

    func testUnknownVersionIsRefused() {
        var bytes = networkBytes()
        bytes[8] = 2
        assertRefused(Self.resealed(bytes), "format version 2; this flow reads version 1", at: 8)
        bytes[8] = 1; bytes[11] = 0x80
        assertRefused(bytes, "format version 2147483649", at: 8)
    }

    func testTheOtherKindIsRefused() throws {
        assertRefused(try treeBytes(), network: true, "a boosted-trees model (.flowgbt) where a network model (.flownet) is expected", at: 12)
        assertRefused(networkBytes(), network: false, "a network model (.flownet) where a boosted-trees model (.flowgbt) is expected", at: 12)
        var bytes = networkBytes()
        bytes.replaceSubrange(12..<20, with: Array("forest\0\0".utf8))
        assertRefused(Self.resealed(bytes), "unknown kind tag \"forest\"", at: 12)

        let dir = NSTemporaryDirectory() + "flow-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TreeModelFile.write(Self.trees(), to: dir + "/m.flowgbt")
        let error = refusal { _ = try ModelFile.read(dir + "/m.flowgbt") }
        XCTAssertEqual(error?.description, dir + "/m.flowgbt: a boosted-trees model (.flowgbt) where a network model (.flownet) is expected (byte 12)")
        XCTAssertEqual(refusal { _ = try ModelFile.read(dir + "/missing") }?.description, dir + "/missing: cannot read the file")
        XCTAssertFalse(TreeModelFile.isTreeFile(dir + "/missing"))
        try Data("flowgbt 1\n".utf8).write(to: URL(fileURLWithPath: dir + "/old"))
        XCTAssertFalse(TreeModelFile.isTreeFile(dir + "/old"))
    }

    func testTrailingBytesAreRefused() throws {
        let bytes = networkBytes()
        assertRefused(bytes + [0], "1 byte after the checksum", at: bytes.count)
        assertRefused(bytes + bytes, "\(bytes.count) bytes after the checksum", at: bytes.count)
        assertRefused(try treeBytes() + [0x0A], network: false, "after the checksum")
    }

    func testDamagedBytesFailTheChecksum() {
        let bytes = networkBytes()
        for i in [40, bytes.count / 2, bytes.count - 14] {  // the header, a section, the last scale
            var damaged = bytes
            damaged[i] ^= 0x10
            assertRefused(damaged, "checksum mismatch", at: bytes.count - 4)
        }
    }

    func testCorruptLengthsAllocateNothing() {
        let bytes = networkBytes()
        func set(_ value: UInt64, at offset: Int, size: Int) -> [UInt8] {
            var b = bytes
            for k in 0..<size { b[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
            return Self.resealed(b)
        }
        assertRefused(set(UInt64(UInt32.max), at: 20, size: 4), "truncated: the header's 4294967295 bytes")
        assertRefused(set(UInt64(UInt32.max), at: 24, size: 4), "truncated: 4294967295 sections")
        let headerLength = Int(bytes[20]) | Int(bytes[21]) << 8 | Int(bytes[22]) << 16
        let first = 28 + headerLength
        assertRefused(set(.max, at: first, size: 8), "declares 18446744073709551615 bytes", at: first)
        assertRefused(set(1 << 62, at: first, size: 8), "truncated: section 1 of 8", at: first)
    }

    func testSectionSizesThatDisagreeWithTheHeaderAreRefused() throws {
        // The container's own table: the length prefix against count × type.
        let bytes = networkBytes()
        let headerLength = Int(bytes[20]) | Int(bytes[21]) << 8
        var header = String(decoding: bytes[28..<28 + headerLength], as: UTF8.self)
        let count = header.range(of: #"{"count":"#)!
        header.insert("1", at: count.upperBound)  // 13 parameters become 113
        var damaged = Array(bytes[0..<20])
        withUnsafeBytes(of: UInt32(header.utf8.count).littleEndian) { damaged.append(contentsOf: $0) }
        damaged += Array(bytes[24..<28]) + Array(header.utf8) + Array(bytes[(28 + headerLength)...])
        assertRefused(Self.resealed(damaged), "section \"0/parameters\" has 52 bytes, the header's 113 × f32 need 452", at: 28 + header.utf8.count)

        // The kind's shapes: a container consistent in itself whose sections disagree with the architecture.
        assertRefused(try edited(bytes) { replace("0/parameters", in: &$0, with: [Float](repeating: 1, count: 12)) },
                      "section \"0/parameters\" holds 12 elements, the header's shapes need 13")
        assertRefused(try edited(bytes) { replace("1/mean", in: &$0, with: [1.0, 2, 3]) },
                      "section \"1/mean\" holds 3 elements, the header's shapes need 2")
        assertRefused(try edited(bytes) { replace("0/mean", in: &$0, with: [Float(1), 2]) }, "section \"0/mean\" holds f32, expected f64")
        assertRefused(try edited(bytes) { $0.sections.swapAt(1, 2) }, "section 2 is \"0/scale\", expected \"0/mean\"")
        assertRefused(try edited(bytes) { $0.sections.removeLast() }, "section \"1/quantiles\" is missing")
        assertRefused(try edited(bytes) { $0.append("extra", [UInt8(0)]) }, "unexpected section \"extra\"")
        assertRefused(try edited(bytes) { c in
            guard case .object(var m) = c.metadata, case .array(var models)? = m["models"], case .object(var first) = models[0] else { return }
            first["hidden"] = .array([.int(1 << 20), .int(1 << 20)])
            models[0] = .object(first); m["models"] = .array(models); c.metadata = .object(m)
        }, "section \"0/parameters\" holds 13 elements, the header's shapes need 1099516870657")
        assertRefused(try edited(bytes) { c in
            guard case .object(var m) = c.metadata, case .array(var models)? = m["models"], case .object(var first) = models[0] else { return }
            first["hidden"] = .array([.int(Int.max / 2), .int(Int.max / 2)])
            models[0] = .object(first); m["models"] = .array(models); c.metadata = .object(m)
        }, "model 0's shapes are too large")
        assertRefused(try edited(bytes) { c in
            guard case .object(var m) = c.metadata, case .array(var models)? = m["models"], case .object(var first) = models[1] else { return }
            first["features"] = .array([.string("x")])
            models[1] = .object(first); m["models"] = .array(models); c.metadata = .object(m)
        }, "header: model 1 names 1 features for 2 inputs", at: 28)
        assertRefused(try edited(bytes) { c in
            guard case .object(var m) = c.metadata, case .array(var models)? = m["models"], case .object(var first) = models[1] else { return }
            first["activation"] = .string("tanh")
            models[1] = .object(first); m["models"] = .array(models); c.metadata = .object(m)
        }, "header: metadata.models[1].activation must be one of \"relu\"", at: 28)

        let trees = try treeBytes()
        assertRefused(try edited(trees, kind: .trees) { replace("1/value", in: &$0, with: [0.0]) }, network: false,
                      "section \"1/value\" holds 1 elements, the header's shapes need")
        assertRefused(try edited(trees, kind: .trees) { replace("0/baseline", in: &$0, with: [0.0, 1.0]) }, network: false,
                      "section \"0/baseline\" holds 2 elements, the header's shapes need 1")
    }

    func testNonCanonicalOrMalformedHeadersAreRefused() {
        let bytes = networkBytes()
        let headerLength = Int(bytes[20]) | Int(bytes[21]) << 8
        let header = String(decoding: bytes[28..<28 + headerLength], as: UTF8.self)
        func with(_ text: String) -> [UInt8] {
            var out = Array(bytes[0..<20])
            withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian) { out.append(contentsOf: $0) }
            return Self.resealed(out + Array(bytes[24..<28]) + Array(text.utf8) + Array(bytes[(28 + headerLength)...]))
        }
        assertRefused(with(" " + header), "not in canonical form", at: 28)
        assertRefused(with(header.replacingOccurrences(of: "\"inputs\":2", with: "\"inputs\":2.0")), "only integers are allowed")
        assertRefused(with(header.replacingOccurrences(of: "\"inputs\":2", with: "\"inputs\":2,\"inputs\":2")), "duplicate key \"inputs\"")
        assertRefused(with(String(header.dropLast())), "ends inside an array or object")
        assertRefused(with(header + "x"), "unexpected text after the JSON value", at: 28 + headerLength)
        assertRefused(with(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)), "nested more than 64 deep")
        assertRefused(with(#"{"metadata":{},"sections":[],"x":1}"#), "exactly \"metadata\" and \"sections\"", at: 28)
        var invalid = Array(header.utf8)
        invalid[invalid.firstIndex(of: UInt8(ascii: "x"))!] = 0xFF
        var out = Array(bytes[0..<28]) + invalid + Array(bytes[(28 + headerLength)...])
        out = Self.resealed(out)
        assertRefused(out, "not valid UTF-8")
    }

    func testNonFiniteValuesAreRefusedWhereTheyAreNotAllowed() throws {
        let bytes = networkBytes()
        let damaged = try edited(bytes) { c in
            var p = c.sections[0].values(Float.self)!
            p[5] = .nan
            replace("0/parameters", in: &c, with: p)
        }
        assertRefused(damaged, "section \"0/parameters\": parameter 5 is nan; parameters must be finite")
        // The offset is the bad element's: its four bytes there are the NaN.
        let offset = refusal { _ = try ModelFile.decode(Data(damaged), path: Self.path) }?.offset ?? 0
        XCTAssertEqual(Float(bitPattern: damaged[offset..<offset + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) }).isNaN, true)
        assertRefused(try edited(bytes) { replace("1/scale", in: &$0, with: [1.0, .infinity]) }, "section \"1/scale\": element 1 is inf")
        assertRefused(try edited(bytes) { replace("0/quantiles", in: &$0, with: [-1, 0, 0, 2, .nan, 0, 0.1, 0.2, 0.3, 0.4]) },
                      "knot 4 of input 0 is NaN")
        assertRefused(try edited(bytes) { replace("0/quantiles", in: &$0, with: [-1, 0, 0, 2, 3, 0, 0.1, 0.2, 0.3, 0.25]) },
                      "knot 4 of input 1 is below the one before it")

        // The writer refuses what the reader would.
        var models = Self.networks()
        models[1].network.parameters[2] = -.infinity
        let path = NSTemporaryDirectory() + "flow-\(UUID().uuidString).flownet"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = refusal { try ModelFile.write(models, to: path) }
        XCTAssertEqual(error?.message, "refusing to write a model that would not read back: section \"1/parameters\": parameter 2 is -inf; parameters must be finite")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        models = Self.networks()
        models[0].features = ["one"]
        XCTAssertNotNil(refusal { try ModelFile.write(models, to: path) })
    }

    func testTreesWithBadStructureOrValuesAreRefused() throws {
        let bytes = try treeBytes()
        func nodes<T: SectionElement>(_ name: String, _ edit: @escaping (inout [T]) -> Void) throws -> [UInt8] {
            try edited(bytes, kind: .trees) { c in
                var v = c.sections.first { $0.name == name }!.values(T.self)!
                edit(&v)
                self.replace(name, in: &c, with: v)
            }
        }
        let left: [Int32] = try TreeModelFile.decode(bytes, path: Self.path)[0].model.trees[0].nodes.map(\.left)
        let split = left.firstIndex { $0 >= 0 }!, leaf = left.firstIndex { $0 < 0 }!
        assertRefused(try nodes("0/left") { (v: inout [Int32]) in v[split] = Int32(split) }, network: false, "a child is a later node of its tree")
        assertRefused(try nodes("0/right") { (v: inout [Int32]) in v[split] = 1000 }, network: false, "section \"0/right\": element \(split) is 1000")
        assertRefused(try nodes("0/left") { (v: inout [Int32]) in v[leaf] = -2 }, network: false, "is -2; a leaf's children are −1")
        assertRefused(try nodes("0/feature") { (v: inout [Int32]) in v[split] = 3 }, network: false, "is 3; there are 3 features")
        assertRefused(try nodes("0/feature") { (v: inout [Int32]) in v[split] = -1 }, network: false, "there are 3 features")
        assertRefused(try nodes("0/bin") { (v: inout [UInt8]) in v[split] = 255 }, network: false, "is 255; feature")
        assertRefused(try nodes("0/threshold") { (v: inout [Double]) in v[split] = .nan }, network: false, "section \"0/threshold\": element \(split) is NaN")
        assertRefused(try nodes("1/value") { (v: inout [Double]) in v[leaf] = .infinity }, network: false, "leaf values must be finite")
        assertRefused(try nodes("0/baseline") { (v: inout [Double]) in v[0] = .nan }, network: false, "the baseline must be finite")
        assertRefused(try nodes("0/thresholds") { (v: inout [Double]) in v[1] = v[0] - 1 }, network: false, "thresholds ascend")

        var models = Self.trees()
        models[0].model.trees[1].nodes[0].left = 0
        let path = NSTemporaryDirectory() + "flow-\(UUID().uuidString).flowgbt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertTrue(refusal { try TreeModelFile.write(models, to: path) }?.message.hasPrefix("refusing to write") ?? false)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    // MARK: Mutations never crash

    /// Mutated valid files: raw (the checksum catches them), and resealed so that they reach the header's
    /// and the kinds' checks; whatever decodes must also predict.
    func testMutatedFilesNeverCrash() throws {
        var state: UInt64 = 0x5EED
        func next(_ n: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(max(n, 1)))
        }
        var decoded = 0, refused = 0
        for original in [networkBytes(), try treeBytes()] {
            let network = original[12] == UInt8(ascii: "n")
            let headerEnd = 28 + (Int(original[20]) | Int(original[21]) << 8)
            for round in 0..<4000 {
                var b = original
                switch next(6) {
                case 0: for _ in 0...next(4) { b[next(b.count)] ^= UInt8(1 << next(8)) }
                case 1: b[next(b.count)] = UInt8(next(256))
                case 2: b.removeSubrange(next(b.count)..<b.count)
                case 3: b.insert(UInt8(next(256)), at: next(b.count))
                case 4:  // a digit of the header's JSON changed: counts, widths, indices
                    let digits = (28..<headerEnd).filter { (0x30...0x39).contains(original[$0]) }
                    b[digits[next(digits.count)]] = UInt8(0x30 + next(10))
                default:  // a section's bytes: indices, floats
                    b[headerEnd + next(b.count - headerEnd - 4)] = [0x00, 0xFF, 0x7F, 0x80, UInt8(next(256))][next(5)]
                }
                if round % 2 == 1, b.count >= 4 { b = Self.resealed(b) }
                do {
                    if network {
                        for m in try ModelFile.decode(Data(b), path: Self.path) {
                            XCTAssertEqual(m.network.predict([Double](repeating: 0.5, count: 3 * m.network.architecture.inputs)).count, 3)
                        }
                    } else {
                        for m in try TreeModelFile.decode(b, path: Self.path) {
                            XCTAssertEqual(m.model.predict([Double](repeating: 0.5, count: 3 * m.features.count)).count, 3)
                        }
                    }
                    decoded += 1
                } catch let error as ModelContainerError {
                    XCTAssertFalse(error.message.isEmpty)
                    refused += 1
                }
            }
        }
        XCTAssertGreaterThan(refused, 6000)
        XCTAssertGreaterThan(decoded, 100, "resealed changes of values should often still be models")
    }
}
