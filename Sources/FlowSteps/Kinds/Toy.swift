import FlowConfig
import FlowEngine
import TopGenerator

/// `toy`: a 1-D sample of the falling spectrum with negative weights at low x.
public struct ToyStep: StepKind {
    public init() {}
    public let version = 1

    struct Settings: SettingGroup {
        @Setting(required: "events", .integer(minimum: 1, maximum: Limits.events), "Number of events.") var events: Int
        @Setting("seed", .integer(minimum: 0, maximum: Limits.seed), "Random seed.") var seed = 1
        @Setting("slope", .number(minimum: 1e-6, maximum: 1e6), "Mean of the exponential spectrum of x.") var slope = FallingSpectrum().slope
        @Setting("negative_fraction", .number(minimum: 0, maximum: 1),
                 "f₀: the chance of a negative weight at x = 0, below ½ so the net density stays positive.")
        var negativeFraction = FallingSpectrum().negativeFraction
        @Setting("negative_scale", .number(minimum: 1e-6, maximum: 1e6), "s in f(x) = f₀·exp(−x/s).") var negativeScale = FallingSpectrum().negativeScale
        init() {}
    }

    public var description: KindDescription {
        KindDescription(name: "toy", section: .datasets,
                        summary: "A 1-D falling spectrum in x with a negative-weight admixture at low x (weights ±1).",
                        settings: Settings.self, check: Self.check)
    }

    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let s = c.settings(Settings.self), s.negativeFraction >= 0.5 else { return [] }
        return [Diagnostic(c.mark("negative_fraction"), "negative_fraction must be below 0.5, or the net density at x = 0 is not positive")]
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let s = try context.settings(Settings.self)
        var toy = FallingSpectrum()
        toy.slope = s.slope
        toy.negativeFraction = s.negativeFraction
        toy.negativeScale = s.negativeScale
        return try TableIO.output(try toy.generate(events: s.events, seed: UInt64(s.seed)), context)
    }
}
