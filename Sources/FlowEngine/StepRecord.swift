import FlowConfig

/// What a completed step left in the store: the inputs that defined it and the outputs it made.
public struct StepRecord: Codable, Sendable {
    /// One output file in the store.
    public struct Output: Codable, Sendable, Equatable {
        public var digest: Digest
        public var size: Int
        /// The file name the step gave it (kept for results/ and for users).
        public var file: String

        public init(digest: Digest, size: Int, file: String) {
            self.digest = digest
            self.size = size
            self.file = file
        }
    }

    public var step: String
    public var key: Digest
    /// Exactly what was hashed into `key`; `flow status` diffs it to say why a step is stale.
    public var keyDocument: KeyDocument
    public var outputs: [String: Output]
    public var metrics: [String: Value]
    public var log: Digest?
    public var seconds: Double
    public var finished: String

    public init(step: String, key: Digest, keyDocument: KeyDocument, outputs: [String: Output],
                metrics: [String: Value], log: Digest?, seconds: Double, finished: String) {
        self.step = step
        self.key = key
        self.keyDocument = keyDocument
        self.outputs = outputs
        self.metrics = metrics
        self.log = log
        self.seconds = seconds
        self.finished = finished
    }

    /// The digest that stands for all outputs together: equal digests mean identical results.
    public var outputsDigest: Digest {
        Digest.of(outputs.keys.sorted().map { "\($0)=\(outputs[$0]!.digest.hex)" }.joined(separator: "\n"))
    }
}
