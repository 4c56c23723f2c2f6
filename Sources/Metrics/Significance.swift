/// Expected significance of a signal hypothesis against a background-only one, from binned yields.
public enum Significance {
    /// Z = √(Σᵢ sᵢ²/bᵢ) with sᵢ = (signal hypothesis)ᵢ − (background)ᵢ, the expected yields per bin;
    /// signed differences count too (an interference dip is as visible as a peak). Bins with bᵢ ≤ 0 are skipped.
    public static func binned(hypothesis: [Double], background: [Double]) -> Double {
        var z2 = 0.0
        for (h, b) in zip(hypothesis, background) where b > 0 {
            let s = h - b
            z2 += s * s / b
        }
        return z2.squareRoot()
    }
}
