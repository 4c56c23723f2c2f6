import Foundation

/// An ONNX graph under construction (opset 17, the default domain): nodes in order, float and int64
/// constants as initialisers, float inputs and outputs of shape [N, width] with a free batch size N.
/// Field numbers are onnx.proto's.
public struct ONNXGraph {
    public static let opset = 17
    var nodes: [ProtobufMessage] = []
    var initialisers: [ProtobufMessage] = []
    var inputs: [ProtobufMessage] = []
    var outputs: [ProtobufMessage] = []
    private var counter = 0
    let name: String

    public init(name: String) { self.name = name }

    /// A fresh value name.
    mutating func fresh(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)_\(counter)"
    }

    enum Attribute {
        case int(Int), float(Float), ints([Int]), floats([Float]), string(String), strings([String]), doubles([Double])
    }

    /// Domains besides the default one that the graph's nodes use, with their opset versions.
    var domains: [String: Int] = [:]

    /// Adds a node and returns its (single) output's name.
    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], attributes: [String: Attribute] = [:], output: String? = nil, domain: String = "") -> String {
        let out = output ?? fresh(op.lowercased())
        var n = ProtobufMessage()
        for i in inputs { n.string(1, i) }
        n.string(2, out)
        n.string(3, fresh("node_\(op)"))
        n.string(4, op)
        for (key, value) in attributes.sorted(by: { $0.key < $1.key }) {
            var a = ProtobufMessage()
            a.string(1, key)
            switch value {
            case .int(let v): a.int(3, v); a.int(20, 2)
            case .float(let v): a.float(2, v); a.int(20, 1)
            case .ints(let v): a.packedInts(8, v); a.int(20, 7)
            case .floats(let v): for x in v { a.float(7, x) }; a.int(20, 6)
            case .string(let v): a.string(4, v); a.int(20, 3)
            case .strings(let v): for x in v { a.string(9, x) }; a.int(20, 8)
            case .doubles(let v):
                // A float64 tensor attribute (the `*_as_tensor` attributes of ai.onnx.ml opset 3).
                var t = ProtobufMessage()
                t.int(1, v.count)
                t.int(2, ElementType.double.rawValue)
                var raw: [UInt8] = []
                for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { raw += $0 } }
                t.bytes(9, raw)
                a.message(5, t); a.int(20, 4)
            }
            n.message(5, a)
        }
        if !domain.isEmpty { n.string(7, domain) }
        nodes.append(n)
        return out
    }

    /// ONNX's element types used here (TensorProto.DataType).
    enum ElementType: Int {
        case float = 1, int64 = 7, double = 11
    }

    /// A float32 constant of the given shape (row-major values).
    mutating func constant(_ prefix: String, _ values: [Float], shape: [Int]) -> String {
        var raw: [UInt8] = []
        raw.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw += $0 } }
        return tensor(prefix, raw, count: values.count, shape: shape, type: .float)
    }

    /// A float64 constant of the given shape (row-major values).
    mutating func constant(_ prefix: String, _ values: [Double], shape: [Int]) -> String {
        var raw: [UInt8] = []
        raw.reserveCapacity(values.count * 8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw += $0 } }
        return tensor(prefix, raw, count: values.count, shape: shape, type: .double)
    }

    private mutating func tensor(_ prefix: String, _ raw: [UInt8], count: Int, shape: [Int], type: ElementType) -> String {
        precondition(count == shape.reduce(1, *))
        let name = fresh(prefix)
        var t = ProtobufMessage()
        for d in shape { t.int(1, d) }
        t.int(2, type.rawValue)
        t.string(8, name)
        t.bytes(9, raw)
        initialisers.append(t)
        return name
    }

    /// An int64 constant (axes for Unsqueeze and ReduceSum).
    mutating func integers(_ prefix: String, _ values: [Int]) -> String {
        let name = fresh(prefix)
        var t = ProtobufMessage()
        t.int(1, values.count)
        t.int(2, 7)  // INT64
        t.string(8, name)
        var raw: [UInt8] = []
        for v in values { withUnsafeBytes(of: Int64(v).littleEndian) { raw += $0 } }
        t.bytes(9, raw)
        initialisers.append(t)
        return name
    }

    static func valueInfo(_ name: String, width: Int, type element: ElementType, doc: String) -> ProtobufMessage {
        var batch = ProtobufMessage(), features = ProtobufMessage()
        batch.string(2, "N")
        features.int(1, width)
        var shape = ProtobufMessage()
        shape.message(1, batch)
        shape.message(1, features)
        var tensor = ProtobufMessage()
        tensor.int(1, element.rawValue)
        tensor.message(2, shape)
        var type = ProtobufMessage()
        type.message(1, tensor)
        var info = ProtobufMessage()
        info.string(1, name)
        info.message(2, type)
        info.string(3, doc)
        return info
    }

    mutating func input(_ name: String, width: Int, type: ElementType, doc: String) { inputs.append(Self.valueInfo(name, width: width, type: type, doc: doc)) }
    mutating func output(_ name: String, width: Int, type: ElementType, doc: String) { outputs.append(Self.valueInfo(name, width: width, type: type, doc: doc)) }

    /// The serialised ModelProto (IR version 8), with `metadata` as its metadata_props.
    public func model(doc: String, metadata: [String: String]) -> Data {
        var graph = ProtobufMessage()
        for n in nodes { graph.message(1, n) }
        graph.string(2, name)
        for t in initialisers { graph.message(5, t) }
        graph.string(10, doc)
        for i in inputs { graph.message(11, i) }
        for o in outputs { graph.message(12, o) }
        var model = ProtobufMessage()
        model.int(1, 8)
        model.string(2, "flow")
        model.string(6, doc)
        model.message(7, graph)
        for (domain, version) in [("", Self.opset)] + domains.sorted(by: { $0.key < $1.key }) {
            var opset = ProtobufMessage()
            opset.string(1, domain)
            opset.int(2, version)
            model.message(8, opset)
        }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            var entry = ProtobufMessage()
            entry.string(1, key)
            entry.string(2, value)
            model.message(14, entry)
        }
        return Data(model.bytes)
    }
}
