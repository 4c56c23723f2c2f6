import Artefacts
import FlowConfig
import FlowEngine
import Foundation
import TopGenerator

extension ProcessKind: SettingEnum {}

/// `generate`: a sample of the built-in gg → tt̄ generator (SM, A resonance, A–SM interference).
public struct GenerateStep: StepKind {
    public init() {}
    public let version = 1

    struct Settings: SettingGroup {
        @Setting(required: "process", ProcessKind.schema, "Which sample.") var process: ProcessKind
        @Setting(required: "events", .integer(minimum: 1, maximum: Limits.events), "Number of events.") var events: Int
        @Setting("seed", .integer(minimum: 0, maximum: Limits.seed), "Random seed; a sample depends only on seed, process and event index.")
        var seed = Int(GeneratorSettings.defaultSeed)
        @Setting("mass", .number(minimum: 346, maximum: 100_000), "M_A in GeV.") var mass = Pseudoscalar().mass
        @Setting("width", .number(minimum: 0, maximum: 1), "Γ_A / M_A.") var width = Pseudoscalar().relativeWidth
        @Setting("coupling", .number(minimum: -100, maximum: 100), "g_Att.") var coupling = Pseudoscalar().coupling
        @Setting("negative_weights", .boolean, "SM only: NLO-like negative weights.") var negativeWeights = true
        @Setting("all_particles", .boolean, "Also write b, b̄, ν, ν̄ four-vectors.") var allParticles = false
        @Setting("truth", .boolean, "Also write the sample's settings (output `sample`), so a `truth` step can add the exact E[w|x] for validation.")
        var truth = false
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "generate", section: .datasets, summary: "Weighted gg → tt̄ → ℓℓνν events from the built-in generator.",
                        settings: Settings.self)
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        let settings = GeneratorSettings(
            process: s.process, events: s.events, seed: UInt64(s.seed),
            pseudoscalar: Pseudoscalar(mass: s.mass, relativeWidth: s.width, coupling: s.coupling),
            negativeWeights: s.negativeWeights, allParticles: s.allParticles, threads: context.threads)
        let started = Date()
        let table = Generator(settings).generate()
        let seconds = Date().timeIntervalSince(started)
        context.log(String(format: "generated %d %@ events in %.2f s (%.2g events/s, %d threads)", settings.events,
                           settings.process.rawValue, seconds, Double(settings.events) / seconds, settings.threads))
        var result = try TableIO.output(table, context)
        if s.truth {
            let sample = GeneratedSample(process: s.process.rawValue, events: s.events, seed: s.seed, mass: s.mass, width: s.width, coupling: s.coupling)
            result.outputs["sample"] = try sample.write(in: context.scratch)
        }
        return result
    }
}

extension GeneratedSample {
    /// The generator settings this sample was made with.
    var settings: GeneratorSettings? {
        ProcessKind(rawValue: process).map {
            GeneratorSettings(process: $0, events: events, seed: UInt64(seed), pseudoscalar: Pseudoscalar(mass: mass, relativeWidth: width, coupling: coupling))
        }
    }
}
