/// The column that holds the exact conditional mean E[w|x] of a sample whose generator knows it (the
/// 1-D toy; the built-in generator with `truth: true`). It is for validation only: `compare` judges the
/// new weights against it, and no model may read it.
public enum TruthColumn {
    public static let name = "true_mean_weight"
}
