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
    /// Models per fold, each from its own seed; their outputs are averaged.
    public var ensemble: Int

    public init(folds: Int, seed: Int, calibrationFraction: Double, fromColumn: Bool, table: String, rows: Int, ensemble: Int = 1) {
        self.folds = folds
        self.seed = seed
        self.calibrationFraction = calibrationFraction
        self.fromColumn = fromColumn
        self.table = table
        self.rows = rows
        self.ensemble = ensemble
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

/// One fold's isotonic map, with the model's reliability before it and after it — after it on events the
/// map was not fitted on (the calibration share in two halves, each mapped by the other's fit).
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
    /// Σw′/Σw, and (Σw′ − Σw)/√Σ(w′ − w)² (paired).
    public var sumRatio: Double
    public var sumPull: Double
    /// Kish N_eff/N of the exact E[w|x], when the events carry it.
    public var kishFractionTruth: Double?

    public init(negativeFractionBefore: Double, negativeFractionAfter: Double, negativeWeightFractionBefore: Double,
                negativeWeightFractionAfter: Double, kishFractionBefore: Double, kishFractionAfter: Double, sumRatio: Double, sumPull: Double,
                kishFractionTruth: Double? = nil) {
        self.negativeFractionBefore = negativeFractionBefore
        self.negativeFractionAfter = negativeFractionAfter
        self.negativeWeightFractionBefore = negativeWeightFractionBefore
        self.negativeWeightFractionAfter = negativeWeightFractionAfter
        self.kishFractionBefore = kishFractionBefore
        self.kishFractionAfter = kishFractionAfter
        self.sumRatio = sumRatio
        self.sumPull = sumPull
        self.kishFractionTruth = kishFractionTruth
    }
}

/// Weighted histograms of one observable with the original and the new weights, with their Σw².
public struct HistogramPair: Codable, Equatable, Sendable {
    public var edges: [Double]
    public var reference: [Double]
    public var referenceSumw2: [Double]
    public var candidate: [Double]
    public var candidateSumw2: [Double]

    public init(edges: [Double], reference: [Double], referenceSumw2: [Double], candidate: [Double], candidateSumw2: [Double]) {
        self.edges = edges
        self.reference = reference
        self.referenceSumw2 = referenceSumw2
        self.candidate = candidate
        self.candidateSumw2 = candidateSumw2
    }
}

/// The paired closure statistic over a set of bins: per bin Σw′ − Σw against σ² = Σ(w′ − w)².
public struct PairedStatistic: Codable, Equatable, Sendable {
    /// Per bin Σ(w′ − w)².
    public var differenceVariance: [Double]
    public var pulls: [Double]
    public var chi2: Double
    public var ndf: Int
    public var chi2PerDegree: Double
    public var pValue: Double
    public var maxAbsPull: Double

    public init(differenceVariance: [Double], pulls: [Double], chi2: Double, ndf: Int, chi2PerDegree: Double, pValue: Double, maxAbsPull: Double) {
        self.differenceVariance = differenceVariance
        self.pulls = pulls
        self.chi2 = chi2
        self.ndf = ndf
        self.chi2PerDegree = chi2PerDegree
        self.pValue = pValue
        self.maxAbsPull = maxAbsPull
    }
}

/// One observable's closure.
public struct ObservableClosure: Codable, Equatable, Sendable {
    public var name: String
    /// The statistic's bins: equally populated in the reference.
    public var histograms: HistogramPair
    /// The primary statistic: paired.
    public var paired: PairedStatistic
    /// The same bins judged as independent samples (σ² = Σw² + Σw′²): lenient, for comparison only.
    public var independentChi2PerDegree: Double
    public var independentMaxAbsPull: Double
    /// Σw′²/Σw² over the whole range: the statistical cost of the new weights.
    public var varianceRatio: Double
    /// For the plots: bins of one round width over the central 99 %, under- and overflow in the end bins.
    public var display: HistogramPair
    /// The exact E[w|x] (when the events carry it) judged by the same paired statistic: the best any
    /// reweighting with these inputs can do.
    public var truth: PairedStatistic?

    public init(name: String, histograms: HistogramPair, paired: PairedStatistic, independentChi2PerDegree: Double, independentMaxAbsPull: Double,
                varianceRatio: Double, display: HistogramPair, truth: PairedStatistic?) {
        self.name = name
        self.histograms = histograms
        self.paired = paired
        self.independentChi2PerDegree = independentChi2PerDegree
        self.independentMaxAbsPull = independentMaxAbsPull
        self.varianceRatio = varianceRatio
        self.display = display
        self.truth = truth
    }
}

/// A `compare` step's result.
public struct ClosureSummary: Artefact {
    public static let fileName = "closure.json"
    public var weights: WeightComparison
    public var observables: [ObservableClosure]
    /// AUC of a classifier told to separate the two weightings (0.5: indistinguishable), as the mean over
    /// k folds with its standard error; nil when not run.
    public var twoSampleAuc: Double?
    public var twoSampleAucError: Double?

    public init(weights: WeightComparison, observables: [ObservableClosure], twoSampleAuc: Double?, twoSampleAucError: Double?) {
        self.weights = weights
        self.observables = observables
        self.twoSampleAuc = twoSampleAuc
        self.twoSampleAucError = twoSampleAucError
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

/// Expected results of the binned profile-likelihood fit of μ·s + b to one distribution (Asimov data,
/// asymptotic formulae): the discovery significance Z₀ and the 95 % CL CLs upper limits on μ, ascending
/// (−2σ, −1σ, median, +1σ, +2σ).
public struct ProfileResult: Codable, Equatable, Sendable {
    public var significance: Double
    public var upperLimits: [Double]
    /// The HistFactory workspace the numbers come from (a file among the step's outputs).
    public var workspace: String

    public init(significance: Double, upperLimits: [Double], workspace: String) {
        self.significance = significance
        self.upperLimits = upperLimits
        self.workspace = workspace
    }

    public var medianLimit: Double { upperLimits.count == 5 ? upperLimits[2] : .nan }
}

/// The downstream classifier trained with one signal weighting.
public struct ClassifierStrategy: Codable, Equatable, Sendable {
    public var name: String
    public var auc: Double
    public var significance: Double
    /// The Poisson-bootstrap standard error of the significance over the test events.
    public var significanceError: Double
    /// (background efficiency, signal efficiency) points.
    public var roc: [[Double]]
    public var curve: FitCurve
    public var output: BinnedYields
    public var profile: ProfileResult

    public init(name: String, auc: Double, significance: Double, significanceError: Double, roc: [[Double]], curve: FitCurve, output: BinnedYields,
                profile: ProfileResult) {
        self.profile = profile
        self.name = name
        self.auc = auc
        self.significance = significance
        self.significanceError = significanceError
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
    public var referenceSignificanceError: Double
    /// The signal test events are a sample no weight model saw.
    public var leakFree: Bool
    public var strategies: [ClassifierStrategy]
    public var referenceProfile: ProfileResult
    /// The relative background normalisation uncertainty in every fit.
    public var backgroundNormalisation: Double

    public init(luminosityFb: Double, referenceObservable: String, referenceSignificance: Double, referenceSignificanceError: Double,
                leakFree: Bool, strategies: [ClassifierStrategy], referenceProfile: ProfileResult, backgroundNormalisation: Double) {
        self.referenceProfile = referenceProfile
        self.backgroundNormalisation = backgroundNormalisation
        self.luminosityFb = luminosityFb
        self.referenceObservable = referenceObservable
        self.referenceSignificance = referenceSignificance
        self.referenceSignificanceError = referenceSignificanceError
        self.leakFree = leakFree
        self.strategies = strategies
    }
}

/// The settings of a sample of the built-in generator, written beside its events when asked for, so a
/// later step can compute the sample's exact E[w|x].
public struct GeneratedSample: Artefact {
    public static let fileName = "sample.json"
    public var process: String
    public var events: Int
    public var seed: Int
    public var mass: Double
    public var width: Double
    public var coupling: Double

    public init(process: String, events: Int, seed: Int, mass: Double, width: Double, coupling: Double) {
        self.process = process
        self.events = events
        self.seed = seed
        self.mass = mass
        self.width = width
        self.coupling = coupling
    }
}
