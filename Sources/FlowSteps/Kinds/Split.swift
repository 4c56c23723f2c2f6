import EventData
import FlowConfig
import FlowEngine
import Random

/// `split`: one part of a seeded random partition, or a `fold` column for k-fold cross-fitting.
public struct SplitStep: StepKind {
    public init() {}
    public let version = 1

    struct Settings: SettingGroup {
        @Setting(required: "data", .reference, "The dataset to split.") var data: String
        @Setting("seed", .integer(minimum: 0, maximum: Limits.seed), "Seed of the partition; a row's part depends only on it and the row's index.")
        var seed = 1
        @Setting("fractions", .dictionary(.number(minimum: 0, maximum: 1)), "Part name → fraction, e.g. {train: 0.7, test: 0.3}.")
        var fractions: Entries<Double>? = nil
        @Setting("keep", .string(), "The part this step outputs.") var keep: String? = nil
        @Setting("folds", .integer(minimum: 2, maximum: 100), "Add a 'fold' column with values 0 … folds−1.") var folds: Int? = nil
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "split", section: .steps,
                        summary: "Keep one part of a seeded partition (fractions + keep), or add a 'fold' column (folds).",
                        settings: Settings.self, check: Self.check)
    }

    /// One of the two forms, complete: `folds`, or `fractions` with a `keep` that names one of them.
    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let s = c.settings(Settings.self) else { return [] }
        if s.folds != nil {
            guard s.fractions == nil && s.keep == nil else {
                return [Diagnostic(c.mark("folds"), "split takes either `folds` or `fractions` with `keep`, not both")]
            }
            return []
        }
        guard let fractions = s.fractions, let keep = s.keep else {
            return [Diagnostic(c.mark(), "split needs either `folds` or both `fractions` and `keep`")]
        }
        guard fractions[keep] != nil else {
            return [Diagnostic(c.mark("keep"), "'\(keep)' is not one of the fractions (\(fractions.keys.joined(separator: ", ")))\(suggestion(for: keep, among: fractions.keys))")]
        }
        let total = fractions.pairs.map(\.value).reduce(0, +)
        if total <= 0 { return [Diagnostic(c.mark("fractions"), "the fractions add up to \(total); they must share something")] }
        return []
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        var (_, table) = try TableIO.input(context, at: "data")
        let seed = UInt64(s.seed)
        if let k = s.folds {
            try table.add("fold", Splits.folds(rows: table.rowCount, k: k, seed: seed).map(Double.init))
            return try TableIO.output(table, context)
        }
        // `check` guarantees both; the order of the parts is the sorted order of their names, so reordering
        // the YAML changes nothing.
        guard let fractions = s.fractions, let keep = s.keep else { throw StepFailure(step: context.step.name, message: "split needs `folds` or `fractions` with `keep`") }
        let names = fractions.keys.sorted()
        let parts = Splits.parts(rows: table.rowCount, fractions: names.map { fractions[$0]! }, seed: seed)
        let index = names.firstIndex(of: keep)!
        return try TableIO.output(table.filter(parts.map { $0 == index }), context)
    }
}
