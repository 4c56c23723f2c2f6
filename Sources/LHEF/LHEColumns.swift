import EventData
import Foundation

/// An LHE file as columns: `weight` (XWGTUP), `process` (IDPRUP), each named weight by its id, and the
/// collection `particle` (`particle_pdgId`, `_status`, `_mother1`, `_mother2`, `_px`, `_py`, `_pz`, `_e`,
/// `_mass`, `_pt`, `_eta`, `_phi`).
public struct LHEColumns: EventSource {
    public let file: LHEFile
    public var entries: Int { file.events.count }

    public init(_ file: LHEFile) { self.file = file }

    /// What a request reads of an LHE file: particles only for `particle_…` columns and objects, named
    /// weights only when a weight or column names one.
    public static func contents(_ request: EventSourceRequest) -> LHEFile.Contents {
        let own: Set<String> = ["weight", "XWGTUP", "process", "IDPRUP"]
        var contents: LHEFile.Contents = []
        for name in [request.weight] + request.columns.map({ String($0.prefix { $0 != "[" }) }) {
            if name.hasPrefix("particle_") { contents.insert(.particles) } else if !own.contains(name) { contents.insert(.namedWeights) }
        }
        if !request.objects.isEmpty { contents.insert(.particles) }
        return contents
    }

    public func read(_ name: String) throws -> ColumnData {
        let events = file.events
        switch name {
        case "weight", "XWGTUP": return .flat(events.map(\.weight))
        case "process", "IDPRUP": return .flat(events.map { Double($0.processID) })
        default: break
        }
        if name.hasPrefix("particle_") {
            let p = file.particles
            let offsets = [0] + events.map(\.particles.upperBound)
            guard p.count == offsets.last! else { throw DataError.format(file: file.path, message: "the particles were not read") }
            let values: [Double]
            switch name.dropFirst("particle_".count) {
            case "pdgId": values = p.pdgId
            case "status": values = p.status
            case "mother1": values = p.mother1
            case "mother2": values = p.mother2
            case "px": values = p.px
            case "py": values = p.py
            case "pz": values = p.pz
            case "e": values = p.e
            case "mass": values = p.mass
            case "pt": values = zip(p.px, p.py).map { ($0 * $0 + $1 * $1).squareRoot() }
            case "eta": values = p.px.indices.map { FourVector(p.e[$0], p.px[$0], p.py[$0], p.pz[$0]).eta }
            case "phi": values = zip(p.px, p.py).map { atan2($1, $0) }
            default: throw DataError.missingColumn(dataset: file.path, column: name, available: Self.particleFields.map { "particle_" + $0 })
            }
            return .jagged(offsets: offsets, values: values)
        }
        guard let (values, firstMissing) = file.namedWeight(name) else {
            throw DataError.missingColumn(dataset: file.path, column: name, available: ["weight", "process"] + file.weightIDs + ["particle_…"])
        }
        if let i = firstMissing { throw DataError.format(file: file.path, message: "event \(i) lacks the named weight '\(name)'") }
        return .flat(values)
    }

    public static let particleFields = ["pdgId", "status", "mother1", "mother2", "px", "py", "pz", "e", "mass", "pt", "eta", "phi"]
}
