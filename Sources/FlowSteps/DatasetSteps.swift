import EventData
import FlowConfig
import FlowEngine
import Foundation
import LHEF
import ROOTIO
import Random
import TopGenerator

/// `generate`: a sample of the built-in gg → tt̄ generator (SM, A resonance, A–SM interference).
public struct GenerateStep: StepKind {
    public init() {}
    public let version = 1

    public var description: KindDescription {
        KindDescription(name: "generate", section: .datasets, summary: "Weighted gg → tt̄ → ℓℓνν events from the built-in generator.", schema: .object([
            Property("process", .string(oneOf: ProcessKind.allCases.map(\.rawValue)), required: true, "Which sample."),
            Property("events", .integer(minimum: 1, maximum: Limits.events), required: true, "Number of events."),
            Property("seed", .integer(minimum: 0, maximum: Limits.seed), "Random seed (default 20200615); a sample depends only on seed, process and event index."),
            Property("mass", .number(minimum: 346, maximum: 100_000), "M_A in GeV (default 400)."),
            Property("width", .number(minimum: 0, maximum: 1), "Γ_A / M_A (default 0.03)."),
            Property("coupling", .number(minimum: -100, maximum: 100), "g_Att (default 1)."),
            Property("negative_weights", .boolean, "SM only: NLO-like negative weights (default true)."),
            Property("all_particles", .boolean, "Also write b, b̄, ν, ν̄ four-vectors (default false)."),
        ]))
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let c = context.step.config
        let settings = GeneratorSettings(
            process: ProcessKind(rawValue: c["process"]!.string!)!,
            events: c["events"]!.int!,
            seed: UInt64(c["seed"]?.int ?? Int(GeneratorSettings.defaultSeed)),
            pseudoscalar: Pseudoscalar(mass: c["mass"]?.double ?? 400, relativeWidth: c["width"]?.double ?? 0.03,
                                       coupling: c["coupling"]?.double ?? 1),
            negativeWeights: c["negative_weights"]?.bool ?? true,
            allParticles: c["all_particles"]?.bool ?? false,
            threads: context.threads)
        let started = Date()
        let table = Generator(settings).generate()
        let seconds = Date().timeIntervalSince(started)
        context.log(String(format: "generated %d %@ events in %.2f s (%.2g events/s, %d threads)", settings.events,
                           settings.process.rawValue, seconds, Double(settings.events) / seconds, settings.threads))
        return try TableIO.output(table, context)
    }
}

/// `load`: events from a CSV, `.npy`, `.npz`, ROOT or LHE file of the workspace.
public struct LoadStep: StepKind {
    public init() {}
    public let version = 2

    public var description: KindDescription {
        KindDescription(name: "load", section: .datasets, summary: "Events from a CSV, .npy, .npz, ROOT (TTree) or Les Houches (.lhe, .lhe.gz) file.", schema: .object([
            Property("path", .file, required: true, "The file, relative to the workflow."),
            Property("weight", .string(), "The column or branch holding the event weights (renamed to 'weight'; ROOT: name[k] picks element k of a vector, e.g. mcEventWeights[0]; LHE: XWGTUP or a named weight's id); default 'weight' (LHE: XWGTUP)."),
            Property("columns", .list(.string()), "Keep only these columns (and the weight); ROOT: the flat branches to read, name[k] for one element of a vector; LHE: process and named weights."),
            Property("tree", .string(), "ROOT: the TTree (default: the file's only tree)."),
            Property("objects", .dictionary(EventFileInput.objectSchema), "ROOT, LHE (collection 'particle'): one object per event out of a collection, as columns <name>_<field>; NaN where an event has none."),
            Property("systems", .dictionary(.list(.string(), minItems: 1)), "ROOT, LHE: four-vector sums of objects, e.g. {tt: [top, antitop]} → tt_mass, tt_pt, tt_y."),
            Property("nonfinite", .string(oneOf: NonFinitePolicy.allCases.map(\.rawValue)), "NaN or ±inf in a weight or column: error (default), drop the row, or keep."),
        ]))
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let c = context.step.config
        let written = c["path"]!.string!
        let path = context.files[written] ?? written
        do {
            var table: EventTable
            if EventFileInput.isEventFile(written) {
                table = try EventFileInput.read(path, as: written, config: c)
            } else {
                table = try DataFiles.read(path)
                let weight = c["weight"]?.string ?? EventTable.weightColumn
                if weight != EventTable.weightColumn {
                    let values = try table.column(weight, in: written)
                    table.remove(weight)
                    try table.add(EventTable.weightColumn, values)
                } else {
                    _ = try table.weights(in: written)
                }
                if let columns = c["columns"]?.array?.compactMap(\.string) {
                    table = try table.selecting(columns + [EventTable.weightColumn], dataset: written)
                }
            }
            let policy = NonFinitePolicy(rawValue: c["nonfinite"]?.string ?? "error")!
            table = try table.checkingFinite(policy, dataset: written)
            if table.rowCount == 0 { throw DataError.empty(file: written) }
            return try TableIO.output(table, context)
        } catch let error as DataError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        } catch let error as ROOTError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        } catch let error as LHEFError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }
    }
}

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
        let count = context.step.config.array?.count ?? 0
        let tables = try (0..<count).map { try TableIO.input(context, at: "[\($0)]").table }
        let keepIDs = tables.allSatisfy { $0.index(of: EventTable.sampleColumn) != nil }
        let merged = try EventTable.concatenate(tables, sampleIDs: keepIDs ? nil : (1...count).map(Double.init))
        return try TableIO.output(merged, context)
    }
}

/// `split`: one part of a seeded random partition, or a `fold` column for k-fold cross-fitting.
public struct SplitStep: StepKind {
    public init() {}
    public let version = 1

    public var description: KindDescription {
        KindDescription(name: "split", section: .steps,
                        summary: "Keep one part of a seeded partition (fractions + keep), or add a 'fold' column (folds).",
                        schema: .object([
                            Property("data", .reference, required: true, "The dataset to split."),
                            Property("seed", .integer(minimum: 0, maximum: Limits.seed), "Seed of the partition (default 1); a row's part depends only on it and the row's index."),
                            Property("fractions", .dictionary(.number(minimum: 0, maximum: 1)), "Part name → fraction, e.g. {train: 0.7, test: 0.3}."),
                            Property("keep", .string(), "The part this step outputs."),
                            Property("folds", .integer(minimum: 2, maximum: 100), "Add a 'fold' column with values 0 … folds−1."),
                        ]), check: Self.check)
    }

    /// One of the two forms, complete: `folds`, or `fractions` with a `keep` that names one of them.
    static func check(_ c: KindCheck) -> [Diagnostic] {
        let fractions = c.config["fractions"]?.object, keep = c.config["keep"]?.string
        if c.config["folds"] != nil {
            guard fractions == nil && keep == nil else {
                return [Diagnostic(c.mark("folds"), "split takes either `folds` or `fractions` with `keep`, not both")]
            }
            return []
        }
        guard let fractions, let keep else {
            return [Diagnostic(c.mark(), "split needs either `folds` or both `fractions` and `keep`")]
        }
        guard fractions.contains(where: { $0.0 == keep }) else {
            return [Diagnostic(c.mark("keep"), "'\(keep)' is not one of the fractions (\(fractions.map(\.0).joined(separator: ", ")))\(suggestion(for: keep, among: fractions.map(\.0)))")]
        }
        let total = fractions.compactMap { $0.1.double }.reduce(0, +)
        if total <= 0 { return [Diagnostic(c.mark("fractions"), "the fractions add up to \(total); they must share something")] }
        return []
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let c = context.step.config
        var (_, table) = try TableIO.input(context, at: "data")
        let seed = UInt64(c["seed"]?.int ?? 1)
        if let k = c["folds"]?.int {
            try table.add("fold", Splits.folds(rows: table.rowCount, k: k, seed: seed).map(Double.init))
            return try TableIO.output(table, context)
        }
        guard let fractions = c["fractions"]?.object, let keep = c["keep"]?.string else {
            throw StepFailure(step: context.step.name, message: "split needs either 'folds' or both 'fractions' and 'keep'")
        }
        guard let part = fractions.firstIndex(where: { $0.0 == keep }) else {
            throw StepFailure(step: context.step.name, message: "keep: '\(keep)' is not one of the fractions (\(fractions.map(\.0).joined(separator: ", ")))")
        }
        // The order of the parts is the sorted order of their names, so reordering the YAML changes nothing.
        let names = fractions.map(\.0).sorted()
        let sortedFractions = names.map { name in fractions.first { $0.0 == name }!.1.double! }
        let parts = Splits.parts(rows: table.rowCount, fractions: sortedFractions, seed: seed)
        let index = names.firstIndex(of: fractions[part].0)!
        return try TableIO.output(table.filter(parts.map { $0 == index }), context)
    }
}

/// `select`: the rows that pass a cut, optionally with derived columns added or only some columns kept.
public struct SelectStep: StepKind {
    public init() {}
    public let version = 1

    public var description: KindDescription {
        KindDescription(name: "select", section: .steps, summary: "Rows passing a cut such as 'mtt > 350 && abs(ytt) < 2'.", schema: .object([
            Property("data", .reference, required: true, "The dataset."),
            Property("cut", .string(), "A cut expression over column names."),
            Property("derive", .list(.string()), "Columns to compute first: <particle>_pt/_eta/_phi/_y/_m, m_ll, dphi_ll, mtt_lab, chel_lab."),
            Property("columns", .list(.string()), "Keep only these columns (and weight, sample_id)."),
        ]), check: Self.check)
    }

    /// The cut is parsed by `validate`, so a typo stops the workflow before anything runs.
    static func check(_ c: KindCheck) -> [Diagnostic] {
        guard let text = c.config["cut"]?.string else { return [] }
        do {
            _ = try CutExpression(text)
            return []
        } catch let DataError.format(_, message) {
            return [Diagnostic(c.mark("cut"), "cut '\(text)': \(message)")]
        } catch {
            return [Diagnostic(c.mark("cut"), "cut '\(text)': \(error)")]
        }
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let c = context.step.config
        var (name, table) = try TableIO.input(context, at: "data")
        do {
            try DerivedColumns.add(c["derive"]?.array?.compactMap(\.string) ?? [], to: &table, dataset: name)
            if let text = c["cut"]?.string {
                let cut = try CutExpression(text)
                let mask = try cut.mask(on: table, dataset: name)
                context.log("cut '\(text)': \(mask.filter { $0 }.count) of \(table.rowCount) events pass")
                table = table.filter(mask)
            }
            if let columns = c["columns"]?.array?.compactMap(\.string) {
                let always = [EventTable.weightColumn, EventTable.sampleColumn].filter { table.index(of: $0) != nil && !columns.contains($0) }
                table = try table.selecting(columns + always, dataset: name)
            }
        } catch let error as DataError {
            throw StepFailure(step: context.step.name, message: "\(error)")
        }
        return try TableIO.output(table, context)
    }
}
