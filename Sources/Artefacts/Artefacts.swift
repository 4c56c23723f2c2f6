/// The folds of a cross-fitted model set, and the table they belong to.
public struct FoldAssignment: Artefact {
    public static let fileName = "folds.json"

    public var folds: Int
    public var seed: Int
    public var calibrationFraction: Double
    /// The folds are the table's own `fold` column (from a `split`), not drawn from the seed.
    public var fromColumn: Bool
    /// SHA-256 (hex) of the events file the models were trained on.
    public var table: String
    public var rows: Int

    public init(folds: Int, seed: Int, calibrationFraction: Double, fromColumn: Bool, table: String, rows: Int) {
        self.folds = folds
        self.seed = seed
        self.calibrationFraction = calibrationFraction
        self.fromColumn = fromColumn
        self.table = table
        self.rows = rows
    }
}

/// The loss curves of one fit (a network's epochs or a boosting's trees).
public struct FitCurve: Codable, Equatable, Sendable {
    public var trainingLoss: [Double]
    public var validationLoss: [Double]
    /// The epoch or tree (from 0) whose model was kept.
    public var best: Int
    /// "epoch" or "tree".
    public var unit: String
    /// Epochs run, or trees kept.
    public var size: Int

    public init(trainingLoss: [Double], validationLoss: [Double], best: Int, unit: String, size: Int) {
        self.trainingLoss = trainingLoss
        self.validationLoss = validationLoss
        self.best = best
        self.unit = unit
        self.size = size
    }

    public var bestValidationLoss: Double { validationLoss.indices.contains(best) ? validationLoss[best] : .nan }
}

/// A `train` step's curves, one per fold.
public struct TrainingCurves: Artefact {
    public static let fileName = "history.json"
    public var folds: [FitCurve]

    public init(folds: [FitCurve]) { self.folds = folds }
}

/// Reliability of probabilities: per bin (mean prediction, observed frequency, weight), ECE and Brier score.
public struct ReliabilitySummary: Codable, Equatable, Sendable {
    public var ece: Double
    public var brier: Double
    public var bins: [[Double]]

    public init(ece: Double, brier: Double, bins: [[Double]]) {
        self.ece = ece
        self.brier = brier
        self.bins = bins
    }
}

/// One fold's isotonic map, with the model's reliability before and after it.
public struct FoldCalibration: Codable, Equatable, Sendable {
    public var x: [Double]
    public var y: [Double]
    public var before: ReliabilitySummary
    public var after: ReliabilitySummary

    public init(x: [Double], y: [Double], before: ReliabilitySummary, after: ReliabilitySummary) {
        self.x = x
        self.y = y
        self.before = before
        self.after = after
    }
}

/// A `calibrate` step's maps, one per fold ("isotonic", or "none": the identity).
public struct CalibrationSet: Artefact {
    public static let fileName = "calibration.json"
    public var method: String
    public var folds: [FoldCalibration]

    public init(method: String, folds: [FoldCalibration]) {
        self.method = method
        self.folds = folds
    }
}

/// The weights as a whole, before and after: what a physicist checks first.
public struct WeightComparison: Codable, Equatable, Sendable {
    public var negativeFractionBefore: Double
    public var negativeFractionAfter: Double
    public var negativeWeightFractionBefore: Double
    public var negativeWeightFractionAfter: Double
    public var kishFractionBefore: Double
    public var kishFractionAfter: Double
    /// Σw′/Σw, and (Σw′ − Σw)/√Σw².
    public var sumRatio: Double
    public var sumPull: Double

    public init(negativeFractionBefore: Double, negativeFractionAfter: Double, negativeWeightFractionBefore: Double,
                negativeWeightFractionAfter: Double, kishFractionBefore: Double, kishFractionAfter: Double, sumRatio: Double, sumPull: Double) {
        self.negativeFractionBefore = negativeFractionBefore
        self.negativeFractionAfter = negativeFractionAfter
        self.negativeWeightFractionBefore = negativeWeightFractionBefore
        self.negativeWeightFractionAfter = negativeWeightFractionAfter
        self.kishFractionBefore = kishFractionBefore
        self.kishFractionAfter = kishFractionAfter
        self.sumRatio = sumRatio
        self.sumPull = sumPull
    }
}

/// One observable's closure: both weightings' histograms and how far apart they are.
public struct ObservableClosure: Codable, Equatable, Sendable {
    public var name: String
    public var edges: [Double]
    public var reference: [Double]
    public var referenceSumw2: [Double]
    public var candidate: [Double]
    public var candidateSumw2: [Double]
    public var pulls: [Double]
    public var chi2: Double
    public var ndf: Int
    public var chi2PerDegree: Double
    public var maxAbsPull: Double
    /// Σw′²/Σw² over the whole range: the statistical cost of the new weights.
    public var varianceRatio: Double

    public init(name: String, edges: [Double], reference: [Double], referenceSumw2: [Double], candidate: [Double], candidateSumw2: [Double],
                pulls: [Double], chi2: Double, ndf: Int, chi2PerDegree: Double, maxAbsPull: Double, varianceRatio: Double) {
        self.name = name
        self.edges = edges
        self.reference = reference
        self.referenceSumw2 = referenceSumw2
        self.candidate = candidate
        self.candidateSumw2 = candidateSumw2
        self.pulls = pulls
        self.chi2 = chi2
        self.ndf = ndf
        self.chi2PerDegree = chi2PerDegree
        self.maxAbsPull = maxAbsPull
        self.varianceRatio = varianceRatio
    }
}

/// A `compare` step's result.
public struct ClosureSummary: Artefact {
    public static let fileName = "closure.json"
    public var weights: WeightComparison
    public var observables: [ObservableClosure]
    /// AUC of a classifier told to separate the two weightings (0.5: indistinguishable); nil when not run.
    public var twoSampleAuc: Double?

    public init(weights: WeightComparison, observables: [ObservableClosure], twoSampleAuc: Double?) {
        self.weights = weights
        self.observables = observables
        self.twoSampleAuc = twoSampleAuc
    }
}

/// Background and signal yields of one binned distribution, with their Σw².
public struct BinnedYields: Codable, Equatable, Sendable {
    public var edges: [Double]
    public var background: [Double]
    public var backgroundSumw2: [Double]
    public var signal: [Double]
    public var signalSumw2: [Double]

    public init(edges: [Double], background: [Double], backgroundSumw2: [Double], signal: [Double], signalSumw2: [Double]) {
        self.edges = edges
        self.background = background
        self.backgroundSumw2 = backgroundSumw2
        self.signal = signal
        self.signalSumw2 = signalSumw2
    }
}

/// The downstream classifier trained with one signal weighting.
public struct ClassifierStrategy: Codable, Equatable, Sendable {
    public var name: String
    public var auc: Double
    public var significance: Double
    /// (background efficiency, signal efficiency) points.
    public var roc: [[Double]]
    public var curve: FitCurve
    public var output: BinnedYields

    public init(name: String, auc: Double, significance: Double, roc: [[Double]], curve: FitCurve, output: BinnedYields) {
        self.name = name
        self.auc = auc
        self.significance = significance
        self.roc = roc
        self.curve = curve
        self.output = output
    }
}

/// A `classify` step's result: each strategy, and the reference observable's histogram alone.
public struct ClassifierSummary: Artefact {
    public static let fileName = "classifier.json"
    public var luminosityFb: Double
    public var referenceObservable: String
    public var referenceSignificance: Double
    public var strategies: [ClassifierStrategy]

    public init(luminosityFb: Double, referenceObservable: String, referenceSignificance: Double, strategies: [ClassifierStrategy]) {
        self.luminosityFb = luminosityFb
        self.referenceObservable = referenceObservable
        self.referenceSignificance = referenceSignificance
        self.strategies = strategies
    }
}
