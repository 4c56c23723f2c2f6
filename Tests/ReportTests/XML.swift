import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// An element of a parsed XML document: enough of a DOM to look at what the report wrote.
final class Element {
    let name: String
    let attributes: [String: String]
    var children: [Element] = []
    /// The text directly inside this element (not inside its children).
    var ownText = ""

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    /// This element and everything below it, in document order.
    var all: [Element] { [self] + children.flatMap(\.all) }

    func all(_ name: String) -> [Element] { all.filter { $0.name == name } }

    /// All text inside, children's included, in document order.
    var text: String { ownText + children.map(\.text).joined() }
}

/// Parses `text` with Foundation's XML parser (libxml2); nil, with the parser's error reported as a test
/// failure, if it is not well-formed.
func parseXML(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Element? {
    final class Builder: NSObject, XMLParserDelegate {
        var stack: [Element] = []
        var root: Element?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            let element = Element(name: name, attributes: attributes)
            if let parent = stack.last { parent.children.append(element) } else { root = element }
            stack.append(element)
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            stack.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.ownText += string
        }
    }
    let parser = XMLParser(data: Data(text.utf8))
    let builder = Builder()
    parser.delegate = builder
    guard parser.parse(), let root = builder.root else {
        XCTFail("not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "no root element") at line \(parser.lineNumber)", file: file, line: line)
        return nil
    }
    return root
}

/// The points of an SVG path made of `M x y` and `L x y` commands.
func pathPoints(_ d: String) -> [(Double, Double)] {
    let tokens = d.split(separator: " ").filter { $0 != "M" && $0 != "L" }.compactMap { Double($0) }
    return stride(from: 0, to: tokens.count - 1, by: 2).map { (tokens[$0], tokens[$0 + 1]) }
}
