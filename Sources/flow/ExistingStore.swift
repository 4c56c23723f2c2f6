import ArgumentParser
import FlowEngine
import Foundation

/// For `gc` and `verify`: the store of the workspace that holds `directory`, or nil (with a message) when there is none.
func existingStore(_ directory: String) -> (root: String, store: Store)? {
    let root = Store.workspaceRoot(for: directory)
    let store = Store(root: root + "/.flow")
    guard FileManager.default.fileExists(atPath: store.root) else {
        print("no store at \(store.root)")
        return nil
    }
    return (root, store)
}
