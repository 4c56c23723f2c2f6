/// The shape of a dense network: inputs, hidden layer widths, their activation, one output.
public struct Architecture: Sendable, Equatable {
    public var inputs: Int
    public var hidden: [Int]
    public var activation: Activation
    public var objective: Objective

    public init(inputs: Int, hidden: [Int], activation: Activation = .relu, objective: Objective = .binaryCrossEntropy) {
        self.inputs = inputs
        self.hidden = hidden
        self.activation = activation
        self.objective = objective
    }

    /// Widths of every layer, inputs first, output last.
    public var widths: [Int] { [inputs] + hidden + [1] }
    public var layerCount: Int { hidden.count + 1 }

    /// Where each layer's weights (out × in, row-major) and biases start in the flat parameter vector.
    public var offsets: [(weights: Int, biases: Int)] {
        var result: [(Int, Int)] = []
        var offset = 0
        for l in 0..<layerCount {
            let (i, o) = (widths[l], widths[l + 1])
            result.append((offset, offset + i * o))
            offset += i * o + o
        }
        return result
    }

    public var parameterCount: Int {
        (0..<layerCount).reduce(0) { $0 + widths[$1] * widths[$1 + 1] + widths[$1 + 1] }
    }

    func activation(ofLayer l: Int) -> Activation { l == layerCount - 1 ? objective.outputActivation : activation }
}
