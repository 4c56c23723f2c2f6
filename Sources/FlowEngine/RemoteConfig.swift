import FlowConfig
import Foundation

/// The remotes of a workspace, kept in `.flow/config` (JSON, rewritten atomically): per machine, not
/// in the workflow, as a checkout on another site reaches other storage.
///
/// ```json
/// {"default": "cern", "remotes": {"cern": "root://eosuser.cern.ch//eos/user/a/alice/flow"}}
/// ```
public struct RemoteConfig: Sendable, Equatable {
    /// Remote name → URL: a directory path or `root://host[:port]//path`.
    public var remotes: [String: String] = [:]
    /// The remote `flow run` reads through when none is named.
    public var defaultRemote: String?

    public init(remotes: [String: String] = [:], defaultRemote: String? = nil) {
        self.remotes = remotes
        self.defaultRemote = defaultRemote
    }

    public static func path(workspaceRoot: String) -> String { workspaceRoot + "/.flow/config" }

    /// The configuration of the workspace at `root`: empty when there is none, an error naming the
    /// file when it cannot be read.
    public static func read(workspaceRoot root: String) throws -> RemoteConfig {
        let path = path(workspaceRoot: root)
        guard let data = FileManager.default.contents(atPath: path) else { return RemoteConfig() }
        guard let json = try? Value(json: data), json.object != nil else {
            throw EngineError.corrupt("\(path) is not valid JSON; fix it or remove it and add the remotes again")
        }
        var config = RemoteConfig(defaultRemote: json["default"]?.string)
        for (name, url) in json["remotes"]?.object ?? [] {
            guard let url = url.string else { throw EngineError.corrupt("\(path): remote '\(name)' has no URL") }
            config.remotes[name] = url
        }
        return config
    }

    public func write(workspaceRoot root: String) throws {
        let json = Value.object([
            ("default", defaultRemote.map(Value.string) ?? .null),
            ("remotes", .object(remotes.keys.sorted().map { ($0, .string(remotes[$0]!)) })),
        ])
        try AtomicFile.write(json.prettyJSON + "\n", to: Self.path(workspaceRoot: root))
    }

    /// A remote's name must be usable on a command line and in messages as it is.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
            && name.first != "."
    }
}
