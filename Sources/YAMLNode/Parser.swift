import CYAML
import Foundation

/// Reads YAML text into a `Node` tree through libyaml's event parser.
///
/// Anchors and aliases are resolved (an alias becomes a copy of its anchored node) and
/// merge keys (`<<: *base`) are applied, so consumers only ever see plain trees.
///
/// A file may hold one document, nested at most `maximumDepth` levels and expanding (aliases
/// included) to at most `maximumNodes` nodes: deeper nesting would overflow the stack of the
/// recursive tree builder, and an alias bomb would fill memory long before anyone reads the tree.
public enum YAMLParser {
    /// The deepest nesting of lists and mappings a file may use.
    public static let maximumDepth = 200
    /// The most nodes a document may hold once every alias is expanded.
    public static let maximumNodes = 100_000

    /// Parses the file at `path`; marks name the file as given.
    public static func parse(fileAt path: String) throws -> Node {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw YAMLError(mark: Mark(file: path, line: 1, column: 1), message: "cannot read file")
        }
        return try parse(bytes: data, file: path)
    }

    /// Parses UTF-8 bytes; any other encoding is an error at its first byte that is not UTF-8.
    public static func parse(bytes: Data, file: String = "<input>") throws -> Node {
        try parse(UTF8Text.decode([UInt8](bytes), file: file), file: file)
    }

    /// Parses the one document of `text`; an empty text is a null scalar.
    public static func parse(_ text: String, file: String = "<input>") throws -> Node {
        var builder = TreeBuilder(text: text, file: file)
        return try builder.build()
    }
}

private struct TreeBuilder {
    let text: String
    let file: String
    /// Each anchored node with the number of nodes it expands to.
    var anchors: [String: (node: Node, nodes: Int)] = [:]
    /// Nodes built so far, every alias counted as the nodes it stands for.
    var expandedNodes = 0

    init(text: String, file: String) {
        self.text = text
        self.file = file
    }

    mutating func build() throws -> Node {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLError(mark: Mark(file: file, line: 1, column: 1), message: "libyaml could not start")
        }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var events = EventStream(parser: &parser, builder: self)
            var root: Node?
            var documents = 0
            while let event = try events.next() {
                switch event.type {
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    if documents > 1 { throw error(at: event.mark, "a workflow file holds one YAML document") }
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT, YAML_SCALAR_EVENT, YAML_ALIAS_EVENT:
                    root = try node(from: event, events: &events, depth: 0)
                default:
                    continue
                }
            }
            return root ?? Node(.scalar(.init(text: "", isPlain: true)), mark: Mark(file: file, line: 1, column: 1))
        }
    }

    /// The node that starts with `event`; `depth` counts the lists and mappings around it.
    mutating func node(from event: Event, events: inout EventStream, depth: Int) throws -> Node {
        let mark = event.mark
        if event.type == YAML_ALIAS_EVENT {
            guard let target = anchors[event.anchor ?? ""] else {
                throw error(at: mark, "unknown alias '*\(event.anchor ?? "")'")
            }
            try count(target.nodes, at: mark, alias: true)
            return target.node
        }
        let nodesBefore = expandedNodes
        try count(1, at: mark, alias: false)
        let node = try newNode(from: event, events: &events, depth: depth)
        if let anchor = event.anchor { anchors[anchor] = (node, expandedNodes - nodesBefore) }
        return node
    }

    /// Adds `nodes` to the document's expanded size, refusing a document that grows too large.
    private mutating func count(_ nodes: Int, at mark: Mark, alias: Bool) throws {
        expandedNodes += nodes
        guard expandedNodes > YAMLParser.maximumNodes else { return }
        throw error(at: mark, alias
            ? "aliases expand the document beyond \(YAMLParser.maximumNodes) nodes"
            : "the document holds more than \(YAMLParser.maximumNodes) nodes")
    }

    private mutating func newNode(from event: Event, events: inout EventStream, depth: Int) throws -> Node {
        let mark = event.mark
        if event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT,
           depth >= YAMLParser.maximumDepth {
            // Checked before recursing: the builder's stack grows with the nesting.
            throw error(at: mark, "nesting deeper than \(YAMLParser.maximumDepth) levels")
        }
        switch event.type {
        case YAML_SCALAR_EVENT:
            return Node(.scalar(.init(text: event.value, isPlain: event.isPlain, tag: event.tag)), mark: mark)
        case YAML_SEQUENCE_START_EVENT:
            var items: [Node] = []
            while let next = try events.next(), next.type != YAML_SEQUENCE_END_EVENT {
                items.append(try node(from: next, events: &events, depth: depth + 1))
            }
            return Node(.sequence(items), mark: mark)
        case YAML_MAPPING_START_EVENT:
            var pairs: [Node.Pair] = []
            var merged: [Node.Pair] = []
            while let next = try events.next(), next.type != YAML_MAPPING_END_EVENT {
                let key = try node(from: next, events: &events, depth: depth + 1)
                guard let valueEvent = try events.next() else { break }
                let value = try node(from: valueEvent, events: &events, depth: depth + 1)
                if let s = key.scalar, s.isPlain, s.text == "<<" {
                    merged += try mergeSources(value)
                } else {
                    pairs.append(.init(key: key, value: value))
                }
            }
            // Explicit keys win over merged ones; earlier merge sources win over later ones.
            var seen = Set(pairs.compactMap { $0.key.scalar?.text })
            for pair in merged {
                guard let name = pair.key.scalar?.text, !seen.contains(name) else { continue }
                seen.insert(name)
                pairs.append(pair)
            }
            return Node(.mapping(pairs), mark: mark)
        default:
            throw error(at: mark, "unexpected YAML event")
        }
    }

    private func mergeSources(_ value: Node) throws -> [Node.Pair] {
        switch value.content {
        case .mapping(let pairs): return pairs
        case .sequence(let items):
            return try items.flatMap { item -> [Node.Pair] in
                guard let pairs = item.mapping else {
                    throw error(at: item.mark, "a merge key '<<' takes a mapping or a list of mappings")
                }
                return pairs
            }
        case .scalar:
            throw error(at: value.mark, "a merge key '<<' takes a mapping or a list of mappings")
        }
    }

    func error(at mark: Mark, _ message: String) -> YAMLError {
        YAMLError(mark: mark, message: message, sourceLine: line(mark.line))
    }

    func line(_ number: Int) -> String? {
        var current = 1
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == number { return String(line.trimmingSuffix("\r")) }
            current += 1
        }
        return nil
    }
}

private extension Substring {
    func trimmingSuffix(_ suffix: String) -> Substring {
        hasSuffix(suffix) ? dropLast(suffix.count) : self
    }
}

/// One libyaml event, copied out of C memory.
private struct Event {
    var type: yaml_event_type_t
    var mark: Mark
    var anchor: String?
    var tag: String?
    var value: String = ""
    var isPlain = false
}

private struct EventStream {
    var parser: UnsafeMutablePointer<yaml_parser_t>
    let builder: TreeBuilder

    init(parser: UnsafeMutablePointer<yaml_parser_t>, builder: TreeBuilder) {
        self.parser = parser
        self.builder = builder
    }

    mutating func next() throws -> Event? {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw syntaxError() }
        defer { yaml_event_delete(&event) }
        let start = event.start_mark
        var result = Event(type: event.type,
                           mark: Mark(file: builder.file, line: Int(start.line) + 1, column: Int(start.column) + 1))
        switch event.type {
        case YAML_ALIAS_EVENT:
            result.anchor = string(event.data.alias.anchor)
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            result.anchor = string(s.anchor)
            result.tag = string(s.tag)
            result.value = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: s.length), as: UTF8.self) } ?? ""
            result.isPlain = s.style == YAML_PLAIN_SCALAR_STYLE
        case YAML_SEQUENCE_START_EVENT:
            result.anchor = string(event.data.sequence_start.anchor)
        case YAML_MAPPING_START_EVENT:
            result.anchor = string(event.data.mapping_start.anchor)
        case YAML_STREAM_END_EVENT:
            return nil
        default:
            break
        }
        return result
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    private func syntaxError() -> YAMLError {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? "invalid YAML"
        let context = p.context.map { String(cString: $0) }
        let mark = Mark(file: builder.file, line: Int(p.problem_mark.line) + 1, column: Int(p.problem_mark.column) + 1)
        let message = context.map { "\(problem) \($0)" } ?? problem
        return builder.error(at: mark, message)
    }
}
