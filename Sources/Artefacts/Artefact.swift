import Foundation

/// A step's typed output: one Swift type, one JSON file, one codec.
///
/// Steps write artefacts and steps, reports and scripts read them by field, so a name such as
/// `chi2_per_degree` is spelt once, in the type. Keys are snake_case and sorted, numbers exact
/// (shortest round-trip form), so the same artefact is always the same bytes.
public protocol Artefact: Codable, Equatable, Sendable {
    /// The file name in a step's outputs.
    static var fileName: String { get }
}

/// An artefact file that does not decode, with the file named.
public struct ArtefactError: Error, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }
}

extension Artefact {
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    /// Writes `directory/fileName`; returns the path.
    public func write(in directory: String) throws -> String {
        let path = directory + "/" + Self.fileName
        try encoded().write(to: URL(fileURLWithPath: path))
        return path
    }

    public static func read(_ path: String) throws -> Self {
        guard let data = FileManager.default.contents(atPath: path) else { throw ArtefactError(file: path, message: "cannot be read") }
        return try decode(data, file: path)
    }

    public static func decode(_ data: Data, file: String) throws -> Self {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(Self.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ArtefactError(file: file, message: "not a \(Self.self): no '\(path(context.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context), let DecodingError.dataCorrupted(context) {
            throw ArtefactError(file: file, message: "not a \(Self.self): at '\(path(context.codingPath))', \(context.debugDescription)")
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}
