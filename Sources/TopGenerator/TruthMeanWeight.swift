import Foundation

/// The exact conditional mean weight E[w|x] of a sample of this generator, or of a merge of its samples,
/// for x = the tops' four-momenta, m_tt and c_hel (`physics-generator.md` §7a):
///
///     E[w | x] = BR_ℓℓ · GEV2PB · Σ_k f_k(m,y,z)·S_k(c_hel) / ( q_y(y) · ½ · Σ_k N_k q_m,k(m) )
///
/// with S = 1 − D_SM c_hel for SM (D_SM = Tr c / 3 at this m, z) and 1 + c_hel for the resonance and the
/// interference: the SM sign flip averages out, and unpolarised decays leave only c_hel. For validation
/// only: a method is judged against it, never trained on it.
public struct TruthMeanWeight: Sendable {
    public let samples: [GeneratorSettings]
    let proposals: [Proposal]

    public init(samples: [GeneratorSettings]) {
        self.samples = samples
        proposals = samples.map(Proposal.init)
    }

    public func value(m: Double, y: Double, z: Double, cHel: Double) -> Double {
        var numerator = 0.0, density = 0.0
        for (sample, proposal) in zip(samples, proposals) {
            let spin: Double
            if sample.process == .smTTbar {
                let c = Partonic.spinCorrelations(m, z)
                spin = 1 - (c.rr + c.nn + c.kk) / 3 * cHel
            } else {
                spin = 1 + cHel
            }
            numerator += Generator.hadronic(sample.process, m: m, y: y, z: z, sample.pseudoscalar) * spin
            density += Double(sample.events) * proposal.density(m)
        }
        return Physics.branchingDilepton * Physics.gev2pb * numerator / (Generator.rapidityDensity(m: m, y: y) * 0.5 * density)
    }

    /// The value for each event of a table with the generator's `mtt`, `ytt`, `cos_theta_star` and `chel`.
    public func values(mtt: [Double], ytt: [Double], cosThetaStar: [Double], chel: [Double]) -> [Double] {
        mtt.indices.map { value(m: mtt[$0], y: ytt[$0], z: cosThetaStar[$0], cHel: chel[$0]) }
    }
}
