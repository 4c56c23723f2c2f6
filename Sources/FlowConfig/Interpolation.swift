import YAMLNode

/// Substitutes `${params.x}` and `${matrix.x}` in scalar values.
///
/// A scalar that is exactly one reference takes the referenced value with its type
/// (`events: ${params.events}` stays an integer, `layers: ${params.layers}` a list); a reference
/// inside longer text is spliced in as text. References to namespaces filled only when a step runs
/// (`${inputs.x}`, `${outputs.x}`) are left as they are.
struct Interpolator {
    /// Values by reference, e.g. `params.mass`.
    var scope: [String: Value]
    /// Namespaces substituted now; a reference to one of them that is not in `scope` is an error.
    var namespaces: Set<String>
    /// Namespaces left for a later pass or for run time.
    var deferred: Set<String>
    /// Configuration keys holding shell commands: their references are quoted for the shell (`ShellText`).
    var shellKeys: Set<String> = []
    var diagnostics: [Diagnostic] = []

    static let runtimeNamespaces: Set<String> = ["inputs", "outputs"]

    mutating func apply(_ node: Node, key: String? = nil) -> Node {
        switch node.content {
        case .sequence(let items):
            return Node(.sequence(items.map { apply($0) }), mark: node.mark)
        case .mapping(let pairs):
            return Node(.mapping(pairs.map { .init(key: $0.key, value: apply($0.value, key: $0.key.scalar?.text)) }), mark: node.mark)
        case .scalar(let scalar):
            guard scalar.text.contains("${") else { return node }
            if let key, shellKeys.contains(key) { return applyShell(node, scalar) }
            let references = Self.references(in: scalar.text)
            if references.count == 1, let only = references.first, only.range == scalar.text.startIndex..<scalar.text.endIndex,
               let value = lookup(only.name, node) {
                return value.node(at: node.mark)
            }
            var text = scalar.text
            for reference in references.reversed() {
                guard let value = lookup(reference.name, node) else { continue }
                text.replaceSubrange(reference.range, with: value.interpolationText)
            }
            var result = node
            result.content = .scalar(.init(text: text, isPlain: scalar.isPlain, tag: scalar.tag))
            return result
        }
    }

    /// Splices each reference as shell-quoted text for the quoting context it stands in.
    private mutating func applyShell(_ node: Node, _ scalar: Node.Scalar) -> Node {
        var result = node
        do {
            let text = try ShellText.splice(scalar.text) { name in
                self.lookup(name, node).map { [$0.interpolationText] }
            }
            result.content = .scalar(.init(text: text, isPlain: false, tag: scalar.tag))
        } catch let error as ShellText.Unquotable {
            diagnostics.append(Diagnostic(node.mark, "'${\(error.reference)}' stands inside \(error.context), where flow cannot quote it for the shell; pass it through `env:` and use the variable"))
        } catch {}
        return result
    }

    private mutating func lookup(_ name: String, _ node: Node) -> Value? {
        let namespace = String(name.prefix { $0 != "." })
        if deferred.contains(namespace) || Self.runtimeNamespaces.contains(namespace) { return nil }
        if let value = scope[name] { return value }
        let known = scope.keys.sorted()
        if namespaces.contains(namespace) {
            diagnostics.append(Diagnostic(node.mark, "unknown reference '${\(name)}'\(suggestion(for: name, among: known))"))
        } else {
            let all = (namespaces.union(deferred).union(Self.runtimeNamespaces)).sorted().map { "${\($0).…}" }
            diagnostics.append(Diagnostic(node.mark, "unknown reference '${\(name)}': references are \(all.joined(separator: ", "))"))
        }
        return nil
    }

    static func references(in text: String) -> [(name: String, range: Range<String.Index>)] {
        var result: [(String, Range<String.Index>)] = []
        var index = text.startIndex
        while let open = text.range(of: "${", range: index..<text.endIndex) {
            guard let close = text[open.upperBound...].firstIndex(of: "}") else { break }
            let name = text[open.upperBound..<close].trimmingCharacters(in: .whitespaces)
            result.append((name, open.lowerBound..<text.index(after: close)))
            index = text.index(after: close)
        }
        return result
    }
}

private extension Substring {
    func trimmingCharacters(in set: CharacterSet) -> String {
        String(self).trimmingCharacters(in: set)
    }
}

import Foundation
