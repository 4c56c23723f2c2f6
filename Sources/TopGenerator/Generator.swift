import EventData
import Foundation
import Random

/// The three samples of the built-in generator: SM tt̄, the A resonance |A_A|², and the A–SM interference.
public enum ProcessKind: String, Sendable, CaseIterable {
    case smTTbar = "sm-ttbar"
    case resonance = "pseudoscalar-resonance"
    case interference = "pseudoscalar-interference"

    /// The sample code k of the RNG streams and the `sample_id` column.
    public var code: UInt64 {
        switch self {
        case .smTTbar: return 1
        case .resonance: return 2
        case .interference: return 3
        }
    }
}

/// What to generate.
public struct GeneratorSettings: Sendable {
    public var process: ProcessKind
    public var events: Int
    public var seed: UInt64
    public var pseudoscalar: Pseudoscalar
    /// SM only: flip a fraction of weights negative as NLO counter-events do (§5 step 5).
    public var negativeWeights: Bool
    /// Also write b, b̄, ν, ν̄ four-vectors.
    public var allParticles: Bool
    public var threads: Int

    public static let defaultSeed: UInt64 = 20_200_615

    public init(process: ProcessKind, events: Int, seed: UInt64 = defaultSeed, pseudoscalar: Pseudoscalar = Pseudoscalar(),
                negativeWeights: Bool = true, allParticles: Bool = false, threads: Int = 1) {
        self.process = process
        self.events = events
        self.seed = seed
        self.pseudoscalar = pseudoscalar
        self.negativeWeights = negativeWeights
        self.allParticles = allParticles
        self.threads = threads
    }
}

/// Generates weighted gg → tt̄ → (bℓ⁺ν)(b̄ℓ⁻ν̄) events at 13 TeV (`physics-generator.md`).
///
/// Event i depends only on (seed, sample, i) through the counter-based RNG, and rows are written
/// in index order, so the table is bit-identical for any number of threads.
public struct Generator: Sendable {
    public let settings: GeneratorSettings
    /// Per-sample constants, computed once rather than per event.
    let streamKey: UInt64
    let proposal: Proposal

    public init(_ settings: GeneratorSettings) {
        self.settings = settings
        streamKey = CounterRNG.streamKey(seed: settings.seed, stream: settings.process.code)
        proposal = Proposal(settings)
    }

    public static let particles = ["t", "tbar", "lp", "lm"]
    public static let extraParticles = ["b", "bbar", "nu", "nubar"]

    public var columnNames: [String] {
        let particles = Self.particles + (settings.allParticles ? Self.extraParticles : [])
        return ["sample_id", "event_index", "weight", "mtt", "ytt", "cos_theta_star", "chel", "w_spin"]
            + particles.flatMap { p in ["px", "py", "pz", "E"].map { "\(p)_\($0)" } }
    }

    public func generate() -> EventTable {
        let n = settings.events
        let names = columnNames
        let chunk = 8192
        let chunks = (n + chunk - 1) / chunk
        let threads = max(1, min(settings.threads, chunks))
        let buffers = (0..<names.count).map { _ in UnsafeMutableBufferPointer<Double>.allocate(capacity: max(n, 1)) }
        defer { buffers.forEach { $0.deallocate() } }
        let pointers = UnsafeMutablePointer<UnsafeMutablePointer<Double>>.allocate(capacity: names.count)
        defer { pointers.deallocate() }
        for (c, buffer) in buffers.enumerated() { pointers[c] = buffer.baseAddress! }
        // Each chunk writes its own rows; no two threads touch the same element.
        let columns = ColumnPointers(pointers)
        let work: (Int) -> Void = { worker in
            var index = worker
            while index < chunks {
                let start = index * chunk
                for i in start..<min(n, start + chunk) { self.event(i, into: columns.pointer) }
                index += threads
            }
        }
        if threads == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: threads, execute: work) }
        return try! EventTable(Array(zip(names, buffers.map { Array($0.prefix(n)) })))
    }

    /// Generates event `i` and writes its row.
    func event(_ i: Int, into columns: UnsafeMutablePointer<UnsafeMutablePointer<Double>>) {
        let s = settings
        let key = CounterRNG.eventKey(streamKey, UInt64(i))
        @inline(__always) func u(_ j: UInt64) -> Double { CounterRNG.uniform(key, j) }

        // 1. m_tt from the power-law / Cauchy mixture, weighted by the full mixture density.
        let p = proposal
        let m: Double
        if u(0) < p.alpha {
            m = p.centre + p.width * tan(p.ta + u(1) * (p.tb - p.ta))
        } else {
            // [m_min^(1−n) + u (m_max^(1−n) − m_min^(1−n))]^(1/(1−n)) with n = 3.
            m = 1 / (p.lo + u(1) * (p.hi - p.lo)).squareRoot()
        }
        let qM = p.density(m)

        // 2. rapidity of the tt̄ system.
        let a = Self.rapidityScale
        let tanhMax = tanh(log(Physics.sqrtS / m) / a)
        let y = a * atanh(tanhMax * (2 * u(2) - 1))
        let qY = Self.rapidityDensity(m: m, y: y)

        // 3. scattering angle and azimuth; k̂ is the top direction in the tt̄ frame.
        let z = 2 * u(3) - 1
        let phi = 2 * Double.pi * u(4)
        let sinTheta = (1 - z * z).squareRoot()
        let kx = sinTheta * cos(phi), ky = sinTheta * sin(phi), kz = z

        // 4. hadronic density f_k (H1).
        let f = Self.hadronic(s.process, m: m, y: y, z: z, s.pseudoscalar)

        // Decays in the top and antitop rest frames.
        let top = TopDecay.decay(u(5), u(6), u(7), u(8))
        let antitop = TopDecay.decay(u(9), u(10), u(11), u(12))
        let cHel = top.lx * antitop.lx + top.ly * antitop.ly + top.lz * antitop.lz

        // Spin weight (S1): SM correlations in the helicity basis; the singlet for RES and INT.
        let wSpin: Double
        if s.process == .smTTbar {
            let c = Partonic.spinCorrelations(m, z)
            var rx: Double, ry: Double, rz: Double, nx: Double, ny: Double, nz: Double
            if sinTheta > 1e-12 {
                rx = -z * kx / sinTheta; ry = -z * ky / sinTheta; rz = (1 - z * kz) / sinTheta
                nx = -ky / sinTheta; ny = kx / sinTheta; nz = 0
            } else {
                rx = 1; ry = 0; rz = 0; nx = 0; ny = 1; nz = 0
            }
            let ak = top.lx * kx + top.ly * ky + top.lz * kz, bk = antitop.lx * kx + antitop.ly * ky + antitop.lz * kz
            let ar = top.lx * rx + top.ly * ry + top.lz * rz, br = antitop.lx * rx + antitop.ly * ry + antitop.lz * rz
            let an = top.lx * nx + top.ly * ny + top.lz * nz, bn = antitop.lx * nx + antitop.ly * ny + antitop.lz * nz
            wSpin = 1 - (c.rr * ar * br + c.nn * an * bn + c.kk * ak * bk + c.rk * (ar * bk + ak * br))
        } else {
            wSpin = 1 + cHel
        }

        var weight = Physics.branchingDilepton * Physics.gev2pb * f * wSpin / (qM * qY * 0.5) / Double(s.events)
        if s.process == .smTTbar && s.negativeWeights {
            let epsilon = 0.05 + 0.20 * z * z + 0.10 * (m - Physics.mMin) / (Physics.mMax - Physics.mMin)
            weight = u(13) < epsilon ? -weight / (1 - 2 * epsilon) : weight / (1 - 2 * epsilon)
        }

        // Four-vectors: rest frames → tt̄ frame (±β k̂) → lab (tanh y along z).
        let beta = (1 - 4 * Physics.topMass * Physics.topMass / (m * m)).squareRoot()
        let bz = tanh(y)
        @inline(__always) func lab(_ p: FourVector, _ sign: Double) -> FourVector {
            p.boosted(sign * beta * kx, sign * beta * ky, sign * beta * kz).boosted(0, 0, bz)
        }
        @inline(__always) func put(_ c: Int, _ value: Double) { columns[c][i] = value }
        @inline(__always) func put(_ c: Int, _ v: FourVector) {
            columns[c][i] = v.px; columns[c + 1][i] = v.py; columns[c + 2][i] = v.pz; columns[c + 3][i] = v.e
        }
        put(0, Double(s.process.code)); put(1, Double(i)); put(2, weight); put(3, m)
        put(4, y); put(5, z); put(6, cHel); put(7, wSpin)
        let rest = FourVector(Physics.topMass, 0, 0, 0)
        put(8, lab(rest, 1)); put(12, lab(rest, -1)); put(16, lab(top.lepton, 1)); put(20, lab(antitop.lepton, -1))
        if s.allParticles {
            put(24, lab(top.b, 1)); put(28, lab(antitop.b, -1)); put(32, lab(top.neutrino, 1)); put(36, lab(antitop.neutrino, -1))
        }
    }
}

extension Generator {
    /// The tt̄ rapidity proposal's scale a: y = a·atanh(tanh(y_max/a)(2u − 1)).
    static let rapidityScale = 1.2

    /// The density of the rapidity proposal at y, for a system of mass m.
    static func rapidityDensity(m: Double, y: Double) -> Double {
        let a = rapidityScale
        let tanhMax = tanh(log(Physics.sqrtS / m) / a)
        let coshY = cosh(y / a)
        return 1 / (2 * a * tanhMax * coshY * coshY)
    }

    /// The hadronic density f_k(m, y, z) of a process (H1), in GeV⁻³.
    static func hadronic(_ process: ProcessKind, m: Double, y: Double, z: Double, _ a: Pseudoscalar) -> Double {
        let alphaS = Physics.alphaS(m / 2)
        let x1 = m / Physics.sqrtS * exp(y), x2 = m / Physics.sqrtS * exp(-y)
        let partonic: Double
        switch process {
        case .smTTbar: partonic = Partonic.sm(m, z, alphaS: alphaS)
        case .resonance: partonic = Partonic.resonance(m, z, alphaS: alphaS, a)
        case .interference: partonic = Partonic.interference(m, z, alphaS: alphaS, a)
        }
        return 2 * m / Physics.s * Physics.gluon(x1) * Physics.gluon(x2) * partonic
    }
}

/// The m_tt proposal (§5 step 1): a power law mixed with a Cauchy peak, and its normalisations.
struct Proposal: Sendable {
    let alpha: Double, centre: Double, width: Double, power: Double
    let lo: Double, hi: Double, ta: Double, tb: Double

    init(_ settings: GeneratorSettings) {
        let a = settings.pseudoscalar
        switch settings.process {
        case .smTTbar: (alpha, centre, width) = (0, a.mass, a.width)
        case .resonance: (alpha, centre, width) = (0.9, a.mass, a.width)
        // Centred 1.25 Γ below the pole with twice its width: 385 and 24 GeV for the 400 GeV, 3 % benchmark.
        case .interference: (alpha, centre, width) = (0.8, a.mass - 1.25 * a.width, 2 * a.width)
        }
        power = 3  // the event loop uses n = 3 in closed form
        lo = 1 / (Physics.mMin * Physics.mMin)
        hi = 1 / (Physics.mMax * Physics.mMax)
        ta = atan((Physics.mMin - centre) / width)
        tb = atan((Physics.mMax - centre) / width)
    }

    /// The proposal's density at m.
    func density(_ m: Double) -> Double {
        let qPower = 2 / (m * m * m) / (lo - hi)
        let qCauchy = width / ((m - centre) * (m - centre) + width * width) / (tb - ta)
        return (1 - alpha) * qPower + alpha * qCauchy
    }
}

/// Hands column pointers to the worker threads.
struct ColumnPointers: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<Double>>
    init(_ pointer: UnsafeMutablePointer<UnsafeMutablePointer<Double>>) { self.pointer = pointer }
}
