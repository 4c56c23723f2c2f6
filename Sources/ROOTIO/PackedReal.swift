import Foundation

/// Double32_t and Float16_t: ROOT stores them in fewer bits than they are read into, as the range in the
/// leaf's title says (`x/d[low,high,bits]`, `x/f[low,high,bits]`). Decoded as uproot does.
enum PackedReal: Equatable {
    /// An unsigned 32-bit integer n meaning low + n·(high − low)/2^bits.
    case scaled(low: Double, high: Double, bits: Int, single: Bool)
    /// An 8-bit exponent and a 16-bit word with the sign and `bits` mantissa bits (range [0, 0, bits]).
    case truncated(bits: Int)
    /// A plain float (Double32_t without a range), read into a double.
    case float32

    var size: Int {
        switch self {
        case .scaled, .float32: return 4
        case .truncated: return 3
        }
    }

    /// The element a packed leaf is read as and its packing, or nil for an ordinary leaf.
    static func layout(branch: Branch, leaf: Leaf) throws -> (BranchLayout.Element, PackedReal)? {
        let single: Bool
        switch leaf.className {
        case "TLeafD32": single = false
        case "TLeafF16": single = true
        default: return nil
        }
        let type = single ? "Float16_t" : "Double32_t"
        guard let range = try Range(title: leaf.title, branch: branch.name, type: type) else {
            // Without a range, Double32_t is a float on disk and Float16_t keeps 12 mantissa bits.
            return (single ? .float32 : .float64, single ? .truncated(bits: 12) : .float32)
        }
        let bits = (2...32).contains(range.bits ?? 0) ? range.bits! : 32
        if range.low == 0 && range.high == 0 {
            // The mantissa word holds the sign above `bits` mantissa bits, and the mantissa fills 23 bits.
            guard bits <= 15 else {
                throw ROOTError.unsupported("branch '\(branch.name)' is a \(type) truncated to \(bits) mantissa bits; ROOT stores at most 15")
            }
            return (single ? .float32 : .float64, .truncated(bits: bits))
        }
        guard range.high > range.low else {
            throw ROOTError.unsupported("branch '\(branch.name)' is a \(type) with range [\(range.low), \(range.high)]: the upper bound must exceed the lower")
        }
        return (single ? .float32 : .float64, .scaled(low: range.low, high: range.high, bits: bits, single: single))
    }

    func decode(_ bytes: ArraySlice<UInt8>, into values: inout [Double]) {
        let count = bytes.count / size
        values.reserveCapacity(values.count + count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                switch self {
                case .float32:
                    values.append(Double(Float(bitPattern: UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))))
                case .scaled(let low, let high, let bits, let single):
                    let n = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                    let step = (high - low) / Double(UInt64(1) << bits)
                    // Float16_t is computed in single precision, as uproot and ROOT read it into a float.
                    values.append(single ? Double(Float(n) * Float(step) + Float(low)) : Double(n) * step + low)
                case .truncated(let bits):
                    let exponent = UInt32(raw[3 * i])
                    let mantissa = UInt32(UInt16(raw[3 * i + 1]) << 8 | UInt16(raw[3 * i + 2]))
                    let pattern = exponent << 23 | (mantissa & ((1 << (bits + 1)) - 1)) << (23 - bits)
                    let magnitude = Float(bitPattern: pattern)
                    values.append(Double(mantissa & (1 << (bits + 1)) != 0 ? -magnitude : magnitude))
                }
            }
        }
    }

    /// The bracketed range of a leaf title: `[low, high]` or `[low, high, bits]`, numbers or multiples of pi.
    struct Range {
        var low: Double
        var high: Double
        var bits: Int?

        /// Nil when the title has no range (a title with brackets but no range is read as uproot reads it).
        init?(title: String, branch: String, type: String) throws {
            guard let open = title.firstIndex(of: "["), let close = title[open...].firstIndex(of: "]") else { return nil }
            let items = title[title.index(after: open)..<close].split(separator: ",", omittingEmptySubsequences: false)
            guard items.count == 2 || items.count == 3 else { return nil }  // `x[3]`: an array's length, not a range
            guard let low = Self.number(items[0]), let high = Self.number(items[1]) else {
                throw ROOTError.unsupported("branch '\(branch)' is a \(type) with range '\(title[open...close])', which flow cannot evaluate (numbers and multiples of pi)")
            }
            self.low = low
            self.high = high
            if items.count == 3 {
                guard let bits = Int(items[2].trimmingCharacters(in: .whitespaces)) else {
                    throw ROOTError.unsupported("branch '\(branch)' is a \(type) whose bit count '\(items[2])' is not a whole number")
                }
                self.bits = bits
            }
        }

        /// A number, or a product and quotient of numbers and pi (`-pi`, `2*pi`, `TMath::Pi()/2`).
        static func number(_ text: Substring) -> Double? {
            var expression = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "")
            var sign = 1.0
            while let first = expression.first, first == "-" || first == "+" {
                if first == "-" { sign = -sign }
                expression.removeFirst()
            }
            var value = 1.0, dividing = false, factor = ""
            func apply() -> Bool {
                let f: Double
                switch factor.lowercased() {
                case "pi", "tmath::pi()": f = Double.pi
                default:
                    guard let n = Double(factor) else { return false }
                    f = n
                }
                value = dividing ? value / f : value * f
                factor = ""
                return true
            }
            for character in expression {
                if character == "*" || character == "/" {
                    guard apply() else { return nil }
                    dividing = character == "/"
                } else {
                    factor.append(character)
                }
            }
            guard apply(), value.isFinite else { return nil }
            return sign * value
        }
    }
}

/// One leaf of a leaf list (`tree->Branch("p", &p, "x/D:y/I:z/B")`): each entry holds every leaf's
/// values one after another, unpadded.
struct LeafListPlace {
    let offset: Int
    let bytes: Int
    let entryBytes: Int

    init(branch: Branch, leaf: Leaf) throws {
        var entryBytes = 0, mine: (Int, Int)?
        for member in branch.leaves {
            guard member.count == nil else {
                throw ROOTError.unsupported("branch '\(branch.name)' is a leaf list whose leaf '\(member.name)' has a variable length; flow reads leaf lists of fixed-size leaves")
            }
            let size = try BranchLayout.storedSize(member, of: branch) * max(1, member.length)
            if member === leaf { mine = (entryBytes, size) }
            entryBytes += size
        }
        guard let (start, size) = mine else { throw ROOTError.corrupt("leaf '\(leaf.name)' is not in its branch '\(branch.name)'") }
        (offset, bytes, self.entryBytes) = (start, size, entryBytes)
    }

    /// This leaf's bytes of every entry, side by side.
    func gather(_ payload: ArraySlice<UInt8>, entries: Int) throws -> ArraySlice<UInt8> {
        let (total, overflow) = entries.multipliedReportingOverflow(by: entryBytes)
        guard !overflow, payload.count == total else {
            throw ROOTError.corrupt("\(payload.count) bytes for \(entries) entries of a \(entryBytes)-byte leaf list")
        }
        var out = [UInt8]()
        out.reserveCapacity(entries * bytes)
        var position = payload.startIndex + offset
        for _ in 0..<entries {
            out.append(contentsOf: payload[position..<position + bytes])
            position += entryBytes
        }
        return out[...]
    }
}
