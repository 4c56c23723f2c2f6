import Calibration
import EventData
import Foundation
import Network
import Random

/// What the weight network learns.
public enum WeightTarget: String, Sendable, CaseIterable {
    /// Classify w > 0 against w < 0 with |w| as sample weight; w′ = |w|·(2p − 1).
    case weightSign = "weight-sign"
    /// Regress w itself (mean squared error); w′ = f(x) ≈ E[w|x].
    case weightRegression = "weight-regression"
    /// Tell the events weighted by |w| from the same events weighted by ⟨|w|⟩ (binary cross entropy): the
    /// output q(x) rises with the local mean |w| (m = ⟨|w|⟩·q/(1 − q)), learnt as stably as the sign, for
    /// `transform`'s `local-mean` form, which maps q to ⟨|w|⟩(x) on held-out events.
    case absWeight = "abs-weight"
}

/// The k-fold plan: which events train, calibrate and are transformed by which model.
///
/// Model i trains on the folds other than i, minus a seeded calibration share of them; it is calibrated
/// (and early-stopped) on that share, and transforms fold i only. So every event's new weight comes
/// from a model that saw it neither in training nor in calibration.
public struct FoldPlan: Sendable {
    public var folds: [Int]
    public var calibration: [Bool]
    public var k: Int

    /// Uses the table's `fold` column when it has one, else seeded folds.
    public init(table: EventTable, k: Int, seed: UInt64, calibrationFraction: Double) {
        // A fold column is used only when it holds exactly the folds 0..<k (NaN or 1e300 would trap `Int`).
        if let column = table["fold"], let folds = FoldPlan.folds(column: column), Set(folds).count == k {
            self.init(folds: folds, k: k, seed: seed, calibrationFraction: calibrationFraction)
        } else {
            self.init(folds: Splits.folds(rows: table.rowCount, k: k, seed: seed), k: k, seed: seed, calibrationFraction: calibrationFraction)
        }
    }

    /// Given folds (each in 0..<k); the calibration share is drawn from `seed`.
    public init(folds: [Int], k: Int, seed: UInt64, calibrationFraction: Double) {
        self.k = k
        self.folds = folds
        calibration = Splits.parts(rows: folds.count, fractions: [1 - calibrationFraction, calibrationFraction],
                                   seed: seed &+ 0x43414C).map { $0 == 1 }
    }

    /// A `fold` column as fold numbers, or nil unless every value is a whole number from 0 to 99.
    public static func folds(column: [Double]) -> [Int]? {
        guard column.allSatisfy({ $0 >= 0 && $0 < 100 && $0.rounded() == $0 }) else { return nil }
        return column.map { Int($0) }
    }

    public func trainingRows(_ model: Int) -> [Int] {
        folds.indices.filter { k == 1 ? !calibration[$0] : folds[$0] != model && !calibration[$0] }
    }

    public func calibrationRows(_ model: Int) -> [Int] {
        folds.indices.filter { k == 1 ? calibration[$0] : folds[$0] != model && calibration[$0] }
    }

    /// With one fold there is no held-out part: the model transforms every event (a warning case).
    public func transformedRows(_ model: Int) -> [Int] {
        folds.indices.filter { k == 1 || folds[$0] == model }
    }
}

/// Row-major features of the given rows.
public func featureMatrix(_ table: EventTable, features: [String], rows: [Int], dataset: String) throws -> [Double] {
    let columns = try features.map { try table.column($0, in: dataset) }
    var x = [Double](repeating: 0, count: rows.count * features.count)
    for (k, r) in rows.enumerated() {
        for (j, column) in columns.enumerated() { x[k * features.count + j] = column[r] }
    }
    return x
}

/// The training set of a target: labels and sample weights from the event weights.
public func trainingData(_ table: EventTable, features: [String], rows: [Int], target: WeightTarget, dataset: String) throws -> TrainingData {
    let w = try table.weights(in: dataset)
    let x = try featureMatrix(table, features: features, rows: rows, dataset: dataset)
    switch target {
    case .weightSign:
        return TrainingData(features: x, targets: rows.map { w[$0] > 0 ? 1 : 0 }, weights: rows.map { abs(w[$0]) })
    case .weightRegression:
        return TrainingData(features: x, targets: rows.map { w[$0] }, weights: Array(repeating: 1, count: rows.count))
    case .absWeight:
        // Each event twice: class 1 with weight |w|, class 0 with the mean |w| (so both classes weigh the same).
        let magnitudes = rows.map { abs(w[$0]) }
        let mean = magnitudes.reduce(0, +) / Double(max(1, rows.count))
        return TrainingData(features: x + x, targets: Array(repeating: 1, count: rows.count) + Array(repeating: 0, count: rows.count),
                            weights: magnitudes + Array(repeating: mean, count: rows.count))
    }
}

/// New weights from calibrated probabilities (weight-sign) or regressed means (weight-regression).
public enum WeightTransform {
    public static func classifier(weights: [Double], probabilities: [Double]) -> [Double] {
        zip(weights, probabilities).map { abs($0) * (2 * $1 - 1) }
    }
}

/// The form of w′ from a calibrated p.
public enum WeightForm: String, Sendable, CaseIterable {
    /// w′ = |w|·(2p − 1): each event keeps its own |w|, so observables outside the inputs are kept too.
    case perEvent = "per-event"
    /// w′ = ⟨|w|⟩(x)·(2p − 1) ≈ E[w|x]: the spread of |w| at fixed x goes, and with it N_eff's cap; but
    /// only observables that are functions of the inputs keep their distributions.
    case localMean = "local-mean"
}

/// The reference methods a new weighting is compared with.
public enum Baseline: String, Sendable, CaseIterable {
    /// The signed weights unchanged.
    case raw
    /// |w|.
    case abs
    /// Events with w < 0 removed (weight 0), the rest scaled so Σw is kept.
    case dropNegative = "drop-negative"

    public func apply(_ weights: [Double]) -> [Double] {
        switch self {
        case .raw: return weights
        case .abs: return weights.map { Swift.abs($0) }
        case .dropNegative:
            let total = weights.reduce(0, +), positive = weights.filter { $0 > 0 }.reduce(0, +)
            let scale = positive > 0 ? total / positive : 1
            return weights.map { $0 > 0 ? $0 * scale : 0 }
        }
    }
}
