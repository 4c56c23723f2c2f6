import EventData
import FlowConfig
import FlowEngine

/// `select`: the rows that pass a cut, optionally with derived columns added or only some columns kept.
public struct SelectStep: StepKind {
    public init() {}
    public let version = 1

    struct Settings: SettingGroup {
        @Setting(required: "data", .reference, "The dataset.") var data: String
        @Setting("cut", .string(), "A cut expression over column names.") var cut: String? = nil
        @Setting("derive", .list(.string()), "Columns to compute first: <particle>_pt/_eta/_phi/_y/_m, m_ll, dphi_ll, mtt_lab, chel_lab.")
        var derive: [String] = []
        @Setting("columns", .list(.string()), "Keep only these columns (and weight, sample_id).") var columns: [String]? = nil
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "select", section: .steps, summary: "Rows passing a cut such as 'mtt > 350 && abs(ytt) < 2'.",
                        settings: Settings.self, check: Self.check)
    }

    /// The cut is parsed by `validate`, so a typo stops the workflow before anything runs.
    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let cut = c.settings(Settings.self)?.cut else { return [] }
        return CutCheck.diagnostic(cut, c, at: "cut").map { [$0] } ?? []
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        var (name, table) = try TableIO.input(context, at: "data")
        do {
            try DerivedColumns.add(s.derive, to: &table, dataset: name)
            if let text = s.cut {
                let mask = try CutExpression(text).mask(on: table, dataset: name)
                context.log("cut '\(text)': \(mask.filter { $0 }.count) of \(table.rowCount) events pass")
                table = table.filter(mask)
            }
            if let columns = s.columns {
                let always = [EventTable.weightColumn, EventTable.sampleColumn].filter { table.index(of: $0) != nil && !columns.contains($0) }
                table = try table.selecting(columns + always, dataset: name)
            }
        } catch let error as DataError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }
        return try TableIO.output(table, context)
    }
}

/// A cut expression parsed at validation, with its error at the cut's position.
enum CutCheck {
    static func diagnostic(_ text: String, _ c: KindCheck, at path: String...) -> Diagnostic? {
        let mark = c.mark(at: path)
        do {
            _ = try CutExpression(text)
            return nil
        } catch let DataError.format(_, message) {
            return Diagnostic(mark, "cut '\(text)': \(message)")
        } catch {
            return Diagnostic(mark, "cut '\(text)': \(error)")
        }
    }
}
