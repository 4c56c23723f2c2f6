import EventData
import FlowConfig
import FlowEngine

/// `merge`: datasets stacked into one, with a `sample_id` column saying where each row came from.
public struct MergeStep: StepKind {
    public init() {}
    public let version = 1

    public var description: KindDescription {
        KindDescription(name: "merge", section: .steps,
                        summary: "Stack datasets; rows keep their sample_id (or get their position in the list, from 1).",
                        schema: .list(.reference, minItems: 1))
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let count = [String](setting: context.step.config)?.count ?? 0
        let tables = try (0..<count).map { try TableIO.input(context, at: "[\($0)]").table }
        let keepIDs = tables.allSatisfy { $0.index(of: EventTable.sampleColumn) != nil }
        let merged = try EventTable.concatenate(tables, sampleIDs: keepIDs ? nil : (1...count).map(Double.init))
        return try TableIO.output(merged, context)
    }
}
