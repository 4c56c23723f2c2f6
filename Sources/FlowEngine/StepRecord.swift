import FlowConfig

/// What a completed step left in the store: the inputs that defined it and the outputs it made.
public struct StepRecord: Sendable {
    /// One output file in the store.
    public struct Output: Sendable, Equatable {
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
    public var outputs: [String: Output]
    public var metrics: [String: Value]
    public var log: Digest?
    public var seconds: Double
    public var finished: String
    /// Each stored object's stamp when it was stored or last verified (outputs and log).
    public var stamps: [Digest: ObjectStamp] = [:]

    public init(step: String, key: Digest, outputs: [String: Output],
                metrics: [String: Value], log: Digest?, seconds: Double, finished: String) {
        self.step = step
        self.key = key
        self.outputs = outputs
        self.metrics = metrics
        self.log = log
        self.seconds = seconds
        self.finished = finished
    }
}

extension StepRecord {
    /// The record as stored in `.flow/steps/KEY.json`.
    public var json: Value {
        .object([
            ("finished", .string(finished)),
            ("key", .string(key.hex)),
            ("log", log.map { .string($0.hex) } ?? .null),
            ("metrics", .object(metrics.sorted { $0.key < $1.key })),
            ("outputs", .object(outputs.keys.sorted().map { name in
                let o = outputs[name]!
                return (name, .object([("digest", .string(o.digest.hex)), ("file", .string(o.file)), ("size", .int(o.size))]))
            })),
            ("seconds", .double(seconds)),
            ("stamps", .object(stamps.sorted { $0.key < $1.key }.map { ($0.key.hex, .string($0.value.description)) })),
            ("step", .string(step)),
        ])
    }

    public init(json: Value) throws {
        guard let step = json["step"]?.string, let key = json["key"]?.string, let outputs = json["outputs"]?.object else {
            throw EngineError.corrupt("a step record lacks its step, key or outputs")
        }
        var decoded: [String: Output] = [:]
        for (name, o) in outputs {
            guard let digest = o["digest"]?.string, let file = o["file"]?.string, let size = o["size"]?.int else {
                throw EngineError.corrupt("step record of '\(step)': output '\(name)' is incomplete")
            }
            decoded[name] = Output(digest: Digest(hex: digest), size: size, file: file)
        }
        self.init(step: step, key: Digest(hex: key), outputs: decoded,
                  metrics: Dictionary(json["metrics"]?.object ?? [], uniquingKeysWith: { a, _ in a }),
                  log: json["log"]?.string.map(Digest.init(hex:)), seconds: json["seconds"]?.double ?? 0,
                  finished: json["finished"]?.string ?? "")
        for (digest, text) in json["stamps"]?.object ?? [] {
            if let stamp = text.string.flatMap(ObjectStamp.init(text:)) { stamps[Digest(hex: digest)] = stamp }
        }
    }
}
