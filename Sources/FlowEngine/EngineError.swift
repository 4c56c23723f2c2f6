/// Failures of the engine itself (as opposed to a step's own failure).
public enum EngineError: Error, CustomStringConvertible, Sendable {
    case io(String)
    case workspaceBusy(String)
    case corrupt(String)

    public var description: String {
        switch self {
        case .io(let message), .workspaceBusy(let message), .corrupt(let message): return message
        }
    }
}

/// A step that did not produce its results; `log` holds its captured output.
public struct StepFailure: Error, CustomStringConvertible, Sendable {
    public var step: String
    public var message: String
    public var log: String?

    public init(step: String, message: String, log: String? = nil) {
        self.step = step
        self.message = message
        self.log = log
    }

    public var description: String { "step '\(step)' failed: \(message)" }
}
