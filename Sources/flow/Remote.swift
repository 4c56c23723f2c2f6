import ArgumentParser
import FlowEngine
import Foundation
import XRootDRemote

extension Flow {
    struct Remote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Declare the remote stores of this workspace (kept in .flow/config).",
            discussion: "A remote is a directory (an NFS, AFS or EOS-FUSE mount) or an XRootD URL root://host[:port]//path. It holds objects by digest and step records by key, as the local store does.",
            subcommands: [Add.self, List.self, RemoveRemote.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a remote, or change its URL.")

            @Argument(help: "Its name, used by --remote and in messages.")
            var name: String

            @Argument(help: "A directory, or root://host[:port]//path.")
            var url: String

            @Flag(help: "Make it the remote `flow run`, `push` and `pull` use when none is named.")
            var `default` = false

            @OptionGroup var location: WorkspaceLocation

            func run() throws {
                guard RemoteConfig.isValidName(name) else {
                    throw ValidationError("a remote's name is letters, digits, '-', '_' and '.', not starting with '.'; got '\(name)'")
                }
                let root = location.root
                var config = try readConfig(root)
                let resolved = try remoteURL(url)
                _ = try makeRemote(resolved)
                if !resolved.contains("://") {
                    // A directory remote starts as an empty folder, as `git init --bare` makes one.
                    try FileManager.default.createDirectory(atPath: resolved, withIntermediateDirectories: true)
                }
                config.remotes[name] = resolved
                if `default` || config.remotes.count == 1 { config.defaultRemote = name }
                try config.write(workspaceRoot: root)
                print("remote '\(name)': \(resolved)\(config.defaultRemote == name ? " (default)" : "")")
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the remotes; the default one is marked with *.")

            @OptionGroup var location: WorkspaceLocation

            func run() throws {
                let config = try readConfig(location.root)
                if config.remotes.isEmpty { print("no remotes; `flow remote add NAME URL` adds one") }
                for name in config.remotes.keys.sorted() {
                    print("\(config.defaultRemote == name ? "*" : " ") \(name)  \(config.remotes[name]!)")
                }
            }
        }

        struct RemoveRemote: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "remove", abstract: "Forget a remote (its contents are not touched).")

            @Argument(help: "The remote's name.")
            var name: String

            @OptionGroup var location: WorkspaceLocation

            func run() throws {
                let root = location.root
                var config = try readConfig(root)
                guard config.remotes.removeValue(forKey: name) != nil else {
                    throw ValidationError("no remote named '\(name)'" + (config.remotes.isEmpty ? "" : "; there are: " + config.remotes.keys.sorted().joined(separator: ", ")))
                }
                if config.defaultRemote == name { config.defaultRemote = nil }
                try config.write(workspaceRoot: root)
                print("removed remote '\(name)'")
            }
        }
    }
}

/// `--workspace`: where the store and its configuration are.
struct WorkspaceLocation: ParsableArguments {
    @Option(help: "The workspace (default: the one holding the current directory).")
    var workspace: String = FileManager.default.currentDirectoryPath

    var root: String { Store.workspaceRoot(for: workspace) }
}

func readConfig(_ root: String) throws -> RemoteConfig {
    do {
        return try RemoteConfig.read(workspaceRoot: root)
    } catch {
        printError("flow: \(error)")
        throw ExitCode(2)
    }
}

/// A directory remote's path made absolute (a relative one means nothing from another directory).
func remoteURL(_ url: String) throws -> String {
    if url.contains("://") && !url.hasPrefix("file://") { return url }
    let path = url.hasPrefix("file://") ? String(url.dropFirst("file://".count)) : url
    return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
}

/// The store behind a remote's URL.
func makeRemote(_ url: String) throws -> any RemoteStore {
    do {
        if url.contains("://") { return try XRootDRemote(url: url) }
        return DirectoryRemote(path: url)
    } catch {
        throw ValidationError("\(error)")
    }
}

/// The remote named `name`, else the workspace's default; nil when neither is set (`required`: an error).
func chooseRemote(_ name: String?, root: String, store: Store, required: Bool) throws -> RemoteCache? {
    let config = try readConfig(root)
    guard let chosen = name ?? config.defaultRemote else {
        if required { throw ValidationError("no remote named and no default; `flow remote add NAME URL --default` adds one") }
        return nil
    }
    guard let url = config.remotes[chosen] else {
        throw ValidationError("no remote named '\(chosen)' in \(RemoteConfig.path(workspaceRoot: root))" + (config.remotes.isEmpty ? "" : "; there are: " + config.remotes.keys.sorted().joined(separator: ", ")))
    }
    return RemoteCache(name: chosen, remote: try makeRemote(url), store: store)
}
