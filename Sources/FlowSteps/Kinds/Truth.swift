import Artefacts
import EventData
import FlowConfig
import FlowEngine
import TopGenerator

/// `truth`: the exact E[w|x] of events from the built-in generator, as the column `true_mean_weight`,
/// for `compare` to judge new weights against. Validation only: no model may read the column.
public struct TruthStep: StepKind {
    public init() {}
    public let version = 1

    struct Settings: SettingGroup {
        @Setting(required: "data", .reference, "Events of the samples below (merged, split, with derived columns — but every generated event kept).")
        var data: String
        @Setting(required: "samples", .list(.reference, minItems: 1), "The generate steps (with `truth: true`) the events come from.") var samples: [String]
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "truth", section: .steps, summary: "Add the exact E[w|x] of built-in generator samples (true_mean_weight), for validation.",
                        settings: Settings.self, check: Self.check)
    }

    /// Every sample is a generate step that writes its settings.
    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let s = c.settings(Settings.self) else { return [] }
        return s.samples.compactMap { name in
            guard let step = c.stepNamed(name) else { return nil }
            guard step.kind == GenerateStep().name else {
                return c.noting(Diagnostic(c.mark("samples"), "'\(name)' is a \(step.kind) step; `samples` takes generate steps"), declaring: name, "'\(name)' is declared here")
            }
            guard (try? GenerateStep.Settings.decode(step.config))?.truth == true else {
                return c.noting(Diagnostic(c.mark("samples"), "'\(name)' does not write its settings: add `truth: true` to it"), declaring: name, "'\(name)' is declared here")
            }
            return nil
        }
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        var (name, table) = try TableIO.input(context, at: "data")
        let samples = try (0..<s.samples.count).map { i -> GeneratorSettings in
            guard let file = context.inputs["samples[\(i)]"]?.first(where: { $0.output == "sample" }) else {
                throw StepFailure(step: context.step.name, message: "'\(s.samples[i])' wrote no sample settings: add `truth: true` to it")
            }
            guard let settings = try GeneratedSample.read(file.path).settings else {
                throw StepFailure(step: context.step.name, message: "'\(s.samples[i])': not a sample of the built-in generator")
            }
            return settings
        }
        let truth = TruthMeanWeight(samples: samples)
        do {
            let values = truth.values(mtt: try table.column("mtt", in: name), ytt: try table.column("ytt", in: name),
                                      cosThetaStar: try table.column("cos_theta_star", in: name), chel: try table.column("chel", in: name))
            try table.add(TruthColumn.name, values)
        } catch let error as DataError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }
        var result = try TableIO.output(table, context)
        let summary = WeightSummary(table[TruthColumn.name]!)
        result.metrics["truth_sum"] = .double(TableIO.rounded(summary.sum))
        result.metrics["truth_kish_fraction"] = .double(TableIO.rounded(summary.effectiveEvents / Double(max(1, table.rowCount))))
        result.metrics["truth_negative_fraction"] = .double(TableIO.rounded(summary.negativeFraction))
        return result
    }
}
