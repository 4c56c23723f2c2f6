import Artefacts
import EventData
import FlowConfig
import FlowEngine
import Foundation
import Random
import Reweighting

/// Which events each cross-fitted model trains on, is calibrated on and transforms: made once, by
/// `train`, for one table, whose digest it carries. `calibrate` and `transform` take the plan from here
/// and refuse any other table, so no event can be weighted by a model that saw it.
extension FoldAssignment {
    /// The assignment for `table`: its `fold` column when it has one (then `requested`, if given, must
    /// agree with it), else `requested` seeded folds.
    static func make(for table: EventTable, digest: String, dataset: String, requested: Int?, seed: Int,
                     calibrationFraction: Double, ensemble: Int = 1) throws -> FoldAssignment {
        var assignment = FoldAssignment(folds: requested ?? TrainStep.defaultFolds, seed: seed, calibrationFraction: calibrationFraction,
                                        fromColumn: false, table: digest, rows: table.rowCount, ensemble: ensemble)
        guard let column = table["fold"] else { return assignment }
        guard let folds = FoldPlan.folds(column: column), let k = folds.max().map({ $0 + 1 }), Set(folds).count == k else {
            throw DataError.format(file: dataset, message: "its fold column must number the folds 0, 1, … k−1, each used")
        }
        if let requested, requested != k {
            throw DataError.format(file: dataset, message: "its fold column has \(k) folds, and `folds:` asks for \(requested): say one (leave out `folds:` to use the column)")
        }
        assignment.folds = k
        assignment.fromColumn = true
        return assignment
    }

    func plan(_ table: EventTable) -> FoldPlan {
        let folds = fromColumn ? table["fold"].flatMap(FoldPlan.folds(column:)) ?? [] : Splits.folds(rows: rows, k: self.folds, seed: UInt64(seed))
        return FoldPlan(folds: folds, k: self.folds, seed: UInt64(seed), calibrationFraction: calibrationFraction)
    }

    /// Refuses a table other than the one the models were trained on.
    func check(_ data: InputFile, step: String) throws {
        guard data.digest == table else {
            throw StepFailure(step: step, message: "'\(data.step)' is not the table the models were trained on "
                              + "(its events \(data.digest.prefix(12)), trained on \(table.prefix(12))): cross-fitting needs the very same events")
        }
    }
}

/// The models of a `train` step (directly, or passed on by `calibrate`) with their fold assignment,
/// checked against the table they are about to be applied to.
struct TrainedModels {
    var models: [FoldModel]
    var assignment: FoldAssignment
    var plan: FoldPlan
    var target: WeightTarget
    /// Inference gives the same numbers for any thread count.
    var threads = ProcessInfo.processInfo.activeProcessorCount

    init(_ context: StepContext, models path: String, data: String, table: EventTable) throws {
        let step = context.step.name
        guard let dataFile = context.inputs[data]?.first(where: { $0.output == "events" }) else {
            throw StepFailure(step: step, message: "'\(path)' names no step with trained models and their folds")
        }
        (models, assignment, _) = try Self.stored(context, models: path)
        try assignment.check(dataFile, step: step)
        plan = assignment.plan(table)
        target = WeightTarget(rawValue: models.first?.notes["target"] ?? "") ?? .weightSign
    }

    /// The models and the fold assignment the step behind `path` stored, one model per fold and ensemble
    /// member; and that step's name.
    static func stored(_ context: StepContext, models path: String) throws -> (models: [FoldModel], assignment: FoldAssignment, step: String) {
        let step = context.step.name
        let files = context.inputs[path] ?? []
        guard let modelFile = files.first(where: { $0.output == "models" }), let foldFile = files.first(where: { $0.output == "folds" }) else {
            throw StepFailure(step: step, message: "'\(path)' names no step with trained models and their folds")
        }
        let models: [FoldModel], assignment: FoldAssignment
        do {
            models = try FoldModel.read(modelFile.path)
            assignment = try FoldAssignment.read(foldFile.path)
        } catch {
            throw StepFailure(step: step, message: "\(error)")
        }
        guard models.count == assignment.folds * assignment.ensemble else {
            throw StepFailure(step: step, message: "'\(modelFile.step)' holds \(models.count) models for \(assignment.folds) folds of \(assignment.ensemble)")
        }
        return (models, assignment, modelFile.step)
    }

    /// The mean output of fold `fold`'s models (one, or an ensemble stored fold after fold) for the given rows.
    func scores(_ fold: Int, _ table: EventTable, rows: [Int], dataset: String) throws -> [Double] {
        let members = models[(fold * assignment.ensemble)..<((fold + 1) * assignment.ensemble)]
        var sum = [Double](repeating: 0, count: rows.count)
        for m in members {
            let p = m.predict(try featureMatrix(table, features: m.features, rows: rows, dataset: dataset), threads: threads)
            for i in sum.indices { sum[i] += p[i] }
        }
        return sum.map { $0 / Double(members.count) }
    }
}

/// Cross-fitting holds only when a model set is applied to the table it was trained on: model i is
/// used for the events of fold i, which it never saw. `validate` follows the references (the run
/// checks the table's digest as well).
enum CrossFittingCheck {
    /// `model` must name a step of one of `models`' kinds, and `data` the table its train step read.
    static func modelAndData(_ c: KindCheck, model: String, data: String, models: [String]) -> [Diagnostic] {
        guard let target = c.stepNamed(model) else { return [] }
        guard models.contains(target.kind) else {
            return [c.noting(Diagnostic(c.mark("model"), "'\(model)' is a \(target.kind) step; `model` takes a \(models.joined(separator: " or ")) step"),
                             declaring: model, "'\(model)' is declared here, as a \(target.kind) step")]
        }
        guard let trainedOn = trainingTable(of: model, c) else { return [] }
        guard trainedOn == data else {
            return [c.noting(Diagnostic(c.mark("data"), "'\(model)' was trained on '\(trainedOn)': cross-fitting needs the same table here (with '\(data)', events would be weighted by models that trained on them)"),
                             declaring: model, "'\(model)' is declared here")]
        }
        return []
    }

    /// The `data` of the train step behind `model` (through a calibrate step).
    static func trainingTable(of model: String, _ c: KindCheck) -> String? {
        guard let step = c.stepNamed(model) else { return nil }
        switch step.kind {
        case TrainStep().name: return (try? TrainStep.Settings.decode(step.config))?.data
        case CalibrateStep().name: return (try? CalibrateStep.Settings.decode(step.config)).flatMap { trainingTable(of: $0.model, c) }
        default: return nil
        }
    }
}

/// Refuses weights no model can learn from, naming the step and the dataset.
func checkWeights(_ table: EventTable, target: WeightTarget, dataset: String, step: String) throws {
    do {
        try DegenerateWeights.check(try table.weights(in: dataset), target: target)
    } catch let problem as DegenerateWeights {
        throw StepFailure(step: step, message: "dataset '\(dataset)': \(problem)")
    } catch let error as DataError {
        throw StepFailure(step: step, message: "\(error)")
    }
}
