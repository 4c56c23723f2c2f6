import CYAML
import Foundation

/// Reads YAML text into a `Node` tree through libyaml's event parser.
///
/// Anchors and aliases are resolved (an alias becomes a copy of its anchored node) and
/// merge keys (`<<: *base`) are applied, so consumers only ever see plain trees.
public enum YAMLParser {
    /// Parses the file at `path`; marks name the file as given.
    public static func parse(fileAt path: String) throws -> Node {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw YAMLError(mark: Mark(file: path, line: 1, column: 1), message: "cannot read file")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    /// Parses the first document of `text`; an empty text is a null scalar.
    public static func parse(_ text: String, file: String = "<input>") throws -> Node {
        var builder = TreeBuilder(text: text, file: file)
        return try builder.build()
    }
}

private struct TreeBuilder {
    let text: String
    let file: String
    var anchors: [String: Node] = [:]

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
            while let event = try events.next() {
                switch event.type {
                case YAML_STREAM_START_EVENT, YAML_DOCUMENT_START_EVENT, YAML_DOCUMENT_END_EVENT:
                    continue
                case YAML_STREAM_END_EVENT:
                    break
                default:
                    if root == nil {
                        root = try node(from: event, events: &events)
                    }
                    continue
                }
                break
            }
            return root ?? Node(.scalar(.init(text: "", isPlain: true)), mark: Mark(file: file, line: 1, column: 1))
        }
    }

    mutating func node(from event: Event, events: inout EventStream) throws -> Node {
        let mark = event.mark
        switch event.type {
        case YAML_ALIAS_EVENT:
            guard let target = anchors[event.anchor ?? ""] else {
                throw error(at: mark, "unknown alias '*\(event.anchor ?? "")'")
            }
            var copy = target
            copy.mark = target.mark
            return copy
        case YAML_SCALAR_EVENT:
            let node = Node(.scalar(.init(text: event.value, isPlain: event.isPlain, tag: event.tag)), mark: mark)
            remember(node, as: event.anchor)
            return node
        case YAML_SEQUENCE_START_EVENT:
            var items: [Node] = []
            while let next = try events.next(), next.type != YAML_SEQUENCE_END_EVENT {
                items.append(try node(from: next, events: &events))
            }
            let node = Node(.sequence(items), mark: mark)
            remember(node, as: event.anchor)
            return node
        case YAML_MAPPING_START_EVENT:
            var pairs: [Node.Pair] = []
            var merged: [Node.Pair] = []
            while let next = try events.next(), next.type != YAML_MAPPING_END_EVENT {
                let key = try node(from: next, events: &events)
                guard let valueEvent = try events.next() else { break }
                let value = try node(from: valueEvent, events: &events)
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
            let node = Node(.mapping(pairs), mark: mark)
            remember(node, as: event.anchor)
            return node
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

    private mutating func remember(_ node: Node, as anchor: String?) {
        if let anchor { anchors[anchor] = node }
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
