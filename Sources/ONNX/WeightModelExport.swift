import BoostedTrees
import Calibration
import Foundation
import Network

/// Cross-fitted weight models (networks or boosted trees) as one ONNX model that ONNX Runtime (CMSSW, Athena,
/// Python) evaluates on new events: input `features` [N, F] (float64, in the order of `features`), outputs
/// `p` [N, 1] (float32), the mean over the folds of each fold's calibrated output (its ensemble's mean output
/// through its isotonic map), and `weight_factor` = 2p − 1, so that w′ = |w|·weight_factor. A network's input
/// maps (quantile map, then shift and scale) are ONNX operators too, in double precision as flow computes
/// them: a float32 input would move a value near a resonance across its dense quantile knots by more than
/// 10⁻⁵ in p. Trees are `ai.onnx.ml` TreeEnsembleRegressor nodes with float64 thresholds, so every event
/// takes the branch it takes in flow.
public enum WeightModelExport {
    /// One trained model of a fold.
    public enum Member {
        case network(DenseNetwork<Float>, features: [String])
        case trees(BoostedTrees, features: [String])

        var features: [String] {
            switch self {
            case .network(_, let f), .trees(_, let f): return f
            }
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// `folds[f]` holds fold f's ensemble members; `maps[f]`, when given, its calibration.
    public static func model(folds: [[Member]], maps: [IsotonicRegression]?, doc: String, metadata: [String: String]) throws -> Data {
        guard let first = folds.first?.first else { throw Failure(description: "no trained models to export") }
        let features = first.features
        for member in folds.flatMap({ $0 }) where member.features != features {
            throw Failure(description: "the folds' models read different features (\(features) and \(member.features))")
        }
        if let maps, maps.count != folds.count { throw Failure(description: "\(maps.count) calibration maps for \(folds.count) folds") }
        var graph = ONNXGraph(name: "flow_weight_model")
        graph.input("features", width: features.count, type: .double, doc: "the inputs " + features.joined(separator: ", "))
        var foldOutputs: [String] = []
        for (f, members) in folds.enumerated() {
            var outputs: [String] = members.map { member in
                switch member {
                case .network(let net, _): return network(net, input: "features", graph: &graph)
                case .trees(let model, _): return trees(model, input: "features", graph: &graph)
                }
            }
            if outputs.count > 1 { outputs = [graph.node("Mean", outputs)] }
            foldOutputs.append(maps.map { piecewiseLinear($0[f], input: outputs[0], graph: &graph) } ?? outputs[0])
        }
        let p = foldOutputs.count > 1 ? graph.node("Mean", foldOutputs, output: "p") : graph.node("Identity", foldOutputs, output: "p")
        let two = graph.constant("two", [Float(2)], shape: [1]), one = graph.constant("one", [Float(1)], shape: [1])
        graph.node("Sub", [graph.node("Mul", [p, two]), one], output: "weight_factor")
        graph.output("p", width: 1, type: .float, doc: "P(w > 0 | x), calibrated, averaged over the folds")
        graph.output("weight_factor", width: 1, type: .float, doc: "2p − 1: the new weight is |w| times this")
        return graph.model(doc: doc, metadata: metadata.merging(["features": features.joined(separator: ",")]) { a, _ in a })
    }

    /// One network: its input maps, then each dense layer as a Gemm with its activation.
    static func network(_ net: DenseNetwork<Float>, input: String, graph: inout ONNXGraph) -> String {
        let a = net.architecture, s = net.standardisation
        var x = input
        if let knots = s.quantiles.first?.count, knots > 1 { x = quantileMap(s.quantiles, input: x, graph: &graph) }
        x = graph.node("Sub", [x, graph.constant("mean", s.mean, shape: [a.inputs])])
        x = graph.node("Mul", [x, graph.constant("inverse_scale", s.scale.map { $0 > 0 ? 1 / $0 : 1 }, shape: [a.inputs])])
        x = graph.node("Cast", [x], attributes: ["to": .int(ONNXGraph.ElementType.float.rawValue)])
        let widths = a.widths
        for (l, offset) in a.offsets.enumerated() {
            let (i, o) = (widths[l], widths[l + 1])
            let w = graph.constant("weights", Array(net.parameters[offset.weights..<offset.weights + i * o]), shape: [o, i])
            let b = graph.constant("biases", Array(net.parameters[offset.biases..<offset.biases + o]), shape: [o])
            x = graph.node("Gemm", [x, w, b], attributes: ["transB": .int(1)])
            switch l == a.layerCount - 1 ? (a.objective == .binaryCrossEntropy ? .sigmoid : .identity) : a.activation {
            case .relu: x = graph.node("Relu", [x])
            case .leakyRelu: x = graph.node("LeakyRelu", [x], attributes: ["alpha": .float(0.01)])
            case .sigmoid: x = graph.node("Sigmoid", [x])
            case .silu: x = graph.node("Mul", [x, graph.node("Sigmoid", [x])])
            case .identity: break
            }
        }
        return x
    }

    /// Boosted trees: the baseline plus every tree's leaf, as one TreeEnsembleRegressor (left when x ≤ the
    /// threshold, as in flow; NaN goes right in both), then the sigmoid for the log loss.
    static func trees(_ model: BoostedTrees, input: String, graph: inout ONNXGraph) -> String {
        var treeIDs: [Int] = [], nodeIDs: [Int] = [], featureIDs: [Int] = [], modes: [String] = [], thresholds: [Double] = []
        var trueIDs: [Int] = [], falseIDs: [Int] = []
        var targetTrees: [Int] = [], targetNodes: [Int] = [], leafValues: [Double] = []
        for (t, tree) in model.trees.enumerated() {
            for (n, node) in tree.nodes.enumerated() {
                treeIDs.append(t); nodeIDs.append(n)
                if node.isLeaf {
                    featureIDs.append(0); modes.append("LEAF"); thresholds.append(0); trueIDs.append(0); falseIDs.append(0)
                    targetTrees.append(t); targetNodes.append(n); leafValues.append(node.value)
                } else {
                    featureIDs.append(Int(node.feature)); modes.append("BRANCH_LEQ"); thresholds.append(node.threshold)
                    trueIDs.append(Int(node.left)); falseIDs.append(Int(node.right))
                }
            }
        }
        graph.domains["ai.onnx.ml"] = 3
        let raw = graph.node("TreeEnsembleRegressor", [input], attributes: [
            "n_targets": .int(1), "aggregate_function": .string("SUM"), "post_transform": .string("NONE"),
            "base_values_as_tensor": .doubles([model.baseline]),
            "nodes_treeids": .ints(treeIDs), "nodes_nodeids": .ints(nodeIDs), "nodes_featureids": .ints(featureIDs),
            "nodes_modes": .strings(modes), "nodes_values_as_tensor": .doubles(thresholds),
            "nodes_truenodeids": .ints(trueIDs), "nodes_falsenodeids": .ints(falseIDs),
            "target_treeids": .ints(targetTrees), "target_nodeids": .ints(targetNodes), "target_ids": .ints(targetTrees.map { _ in 0 }),
            "target_weights_as_tensor": .doubles(leafValues),
        ], domain: "ai.onnx.ml")
        return model.loss == .logLoss ? graph.node("Sigmoid", [raw]) : raw
    }

    /// Each input's position in its training distribution, (k + fraction)/(K − 1) between knots k and k+1
    /// (0 below the first, 1 above the last), as the network's own map computes it: k counts the knots at or
    /// below the value, and the knot, its width and the value are gathered from flattened [F × K] tables.
    static func quantileMap(_ quantiles: [[Double]], input: String, graph: inout ONNXGraph) -> String {
        let f = quantiles.count, k = quantiles[0].count
        let knots = quantiles.flatMap { $0 }
        var inverseWidths: [Double] = []
        for q in quantiles {
            for i in 0..<k {
                let width = i + 1 < k ? q[i + 1] - q[i] : 0
                inverseWidths.append(width > 0 ? 1 / width : 0)
            }
        }
        let lowest = graph.constant("first_knot", quantiles.map { $0[0] }, shape: [f])
        let highest = graph.constant("last_knot", quantiles.map { $0[k - 1] }, shape: [f])
        let clipped = graph.node("Max", [graph.node("Min", [input, highest]), lowest])
        let below = segment(of: input, knots: graph.constant("knots", knots, shape: [f, k]), count: k, axis: 2, type: .double, graph: &graph)
        let offsets = graph.constant("feature_offsets", (0..<f).map { Double($0 * k) }, shape: [f])
        let flat = graph.node("Cast", [graph.node("Add", [below, offsets])], attributes: ["to": .int(ONNXGraph.ElementType.int64.rawValue)])
        let knot = graph.node("Gather", [graph.constant("knots_flat", knots, shape: [f * k]), flat])
        let inverseWidth = graph.node("Gather", [graph.constant("inverse_widths", inverseWidths, shape: [f * k]), flat])
        let fraction = graph.node("Mul", [graph.node("Sub", [clipped, knot]), inverseWidth])
        return graph.node("Div", [graph.node("Add", [below, fraction]), graph.constant("segments", [Double(k - 1)], shape: [1])])
    }

    /// The knot index k ∈ [0, K − 2] whose segment holds each value: the number of knots at or below it,
    /// less one, clipped (as a tensor of `type`). `axis` is where the knots broadcast.
    static func segment(of input: String, knots: String, count k: Int, axis: Int, type: ONNXGraph.ElementType, graph: inout ONNXGraph) -> String {
        func scalar(_ name: String, _ value: Double) -> String {
            type == .double ? graph.constant(name, [value], shape: [1]) : graph.constant(name, [Float(value)], shape: [1])
        }
        let expanded = axis == 2 ? graph.node("Unsqueeze", [input, graph.integers("axis", [2])]) : input
        let atOrBelow = graph.node("Cast", [graph.node("GreaterOrEqual", [expanded, knots])], attributes: ["to": .int(type.rawValue)])
        let counted = graph.node("ReduceSum", [atOrBelow, graph.integers("axis", [axis])], attributes: ["keepdims": .int(axis == 2 ? 0 : 1)])
        let index = graph.node("Sub", [counted, scalar("one", 1)])
        return graph.node("Max", [graph.node("Min", [index, scalar("last_segment", Double(k - 2))]), scalar("zero", 0)])
    }

    /// An isotonic map of an [N, 1] score: linear between its knots, clipped outside them.
    static func piecewiseLinear(_ map: IsotonicRegression, input: String, graph: inout ONNXGraph) -> String {
        let x = map.x, y = map.y, k = x.count
        guard k > 1 else { return graph.node("Add", [graph.node("Mul", [input, graph.constant("zero", [Float(0)], shape: [1])]),
                                                     graph.constant("constant", [Float(y.first ?? .nan)], shape: [1])]) }
        let slopes: [Float] = (0..<k).map { i in
            let width = i + 1 < k ? x[i + 1] - x[i] : 0
            return width > 0 ? Float((y[i + 1] - y[i]) / width) : 0
        }
        let clipped = graph.node("Max", [graph.node("Min", [input, graph.constant("last_knot", [Float(x[k - 1])], shape: [1])]),
                                         graph.constant("first_knot", [Float(x[0])], shape: [1])])
        let segment = segment(of: input, knots: graph.constant("knots", x.map(Float.init), shape: [k]), count: k, axis: 1, type: .float, graph: &graph)
        let index = graph.node("Cast", [segment], attributes: ["to": .int(7)])
        let knot = graph.node("Gather", [graph.constant("knots_x", x.map(Float.init), shape: [k]), index])
        let value = graph.node("Gather", [graph.constant("knots_y", y.map(Float.init), shape: [k]), index])
        let slope = graph.node("Gather", [graph.constant("slopes", slopes, shape: [k]), index])
        return graph.node("Add", [value, graph.node("Mul", [slope, graph.node("Sub", [clipped, knot])])])
    }
}
