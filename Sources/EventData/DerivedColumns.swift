/// Columns computed from four-vector columns (`t_px, t_py, t_pz, t_E` …), asked for by name.
///
/// `<p>_pt`, `<p>_eta`, `<p>_phi`, `<p>_y` (rapidity), `<p>_m` for any particle prefix `p` with
/// four-vector columns; `m_ll`, `dphi_ll` and `lead_lepton_pt` from the leptons `lp`, `lm`; `mtt_lab` and `chel_lab`
/// recomputed from the lab momenta of `t`, `tbar`, `lp`, `lm`.
public enum DerivedColumns {
    public static let pairNames = ["m_ll", "dphi_ll", "lead_lepton_pt", "mtt_lab", "chel_lab"]
    public static let suffixes = ["pt", "eta", "phi", "y", "m"]

    /// Adds each named column the table lacks; a name that is neither present nor derivable is an error.
    public static func add(_ names: [String], to table: inout EventTable, dataset: String) throws {
        for name in names where table.index(of: name) == nil {
            try table.add(name, try derive(name, from: table, dataset: dataset))
        }
    }

    public static func derive(_ name: String, from table: EventTable, dataset: String) throws -> [Double] {
        func vectors(_ prefix: String) throws -> [FourVector] {
            let e = try table.column("\(prefix)_E", in: dataset), x = try table.column("\(prefix)_px", in: dataset)
            let y = try table.column("\(prefix)_py", in: dataset), z = try table.column("\(prefix)_pz", in: dataset)
            return (0..<table.rowCount).map { FourVector(e[$0], x[$0], y[$0], z[$0]) }
        }
        switch name {
        case "m_ll":
            return zip(try vectors("lp"), try vectors("lm")).map { ($0 + $1).massOrZero }
        case "dphi_ll":
            return zip(try vectors("lp"), try vectors("lm")).map { Kinematics.deltaPhi($0.phi, $1.phi) }
        case "lead_lepton_pt":
            return zip(try vectors("lp"), try vectors("lm")).map { max($0.pt, $1.pt) }
        case "mtt_lab":
            return zip(try vectors("t"), try vectors("tbar")).map { ($0 + $1).massOrZero }
        case "chel_lab":
            let t = try vectors("t"), tbar = try vectors("tbar"), lp = try vectors("lp"), lm = try vectors("lm")
            return (0..<table.rowCount).map { Kinematics.cHel(top: t[$0], antitop: tbar[$0], leptonPlus: lp[$0], leptonMinus: lm[$0]) }
        default:
            guard let underscore = name.lastIndex(of: "_") else { break }
            let prefix = String(name[..<underscore]), suffix = String(name[name.index(after: underscore)...])
            guard suffixes.contains(suffix), table.index(of: "\(prefix)_E") != nil else { break }
            let p = try vectors(prefix)
            switch suffix {
            case "pt": return p.map(\.pt)
            case "eta": return p.map(\.eta)
            case "phi": return p.map(\.phi)
            case "y": return p.map(\.rapidity)
            default: return p.map(\.massOrZero)
            }
        }
        throw DataError.missingColumn(dataset: dataset, column: name, available: table.names)
    }
}
