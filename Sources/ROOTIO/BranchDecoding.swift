/// How a branch's bytes map to numbers: the element type and the per-entry shape.
struct BranchLayout {
    enum Element: Int {
        case bool = 1, int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64

        var size: Int {
            switch self {
            case .bool, .int8, .uint8: return 1
            case .int16, .uint16: return 2
            case .int32, .uint32, .float32: return 4
            case .int64, .uint64, .float64: return 8
            }
        }
    }

    enum Shape {
        case scalar
        case fixed(Int)
        /// A variable number per entry, given by another branch (`Muon_pt[nMuon]`), times a fixed length.
        case counted(String, Int)
        /// `std::vector<T>`: each entry carries a 10-byte header (byte count, version, length).
        case vector
    }

    let element: Element
    let shape: Shape
    /// Double32_t and Float16_t stored in fewer bits than the element they are read into.
    var packing: PackedReal? = nil
    /// For one leaf of a leaf list (`x/D:y/I:z/B`): where its bytes sit in each entry.
    var leafList: LeafListPlace? = nil
    /// Bytes before each entry's values: a split member's counted array (`Float_t* x; //[n]`) starts
    /// every entry with a one-byte flag.
    var entryHeader = 0

    /// Bytes per value as stored.
    var storedSize: Int { packing?.size ?? element.size }

    init(branch: Branch, leaf: Leaf) throws {
        if branch.className.hasPrefix("vector<") {
            let inner = String(branch.className.dropFirst("vector<".count).dropLast())
            guard let element = Self.element(cppName: inner) else {
                throw ROOTError.unsupported("branch '\(branch.name)' holds \(branch.className); flow reads vectors of numbers and bool")
            }
            self.element = element
            shape = .vector
            return
        }
        if let (element, packing) = try PackedReal.layout(branch: branch, leaf: leaf) {
            self.element = element
            self.packing = packing
        } else if let element = Self.element(leaf) {
            self.element = element
        } else {
            throw ROOTError.unsupported(Self.unreadable(branch: branch, leaf: leaf))
        }
        if branch.leaves.count > 1 {
            leafList = try LeafListPlace(branch: branch, leaf: leaf)
        }
        if let count = leaf.count {
            guard let counter = count.branch?.name else { throw ROOTError.corrupt("the counter of '\(branch.name)' belongs to no branch") }
            shape = .counted(counter, max(1, leaf.length))
            if leaf.className == "TLeafElement" && Self.pointerArray.contains(leaf.type) { entryHeader = 1 }
        } else {
            shape = leaf.length > 1 ? .fixed(leaf.length) : .scalar
        }
    }

    /// Why a leaf is not read, and what would read it.
    static func unreadable(branch: Branch, leaf: Leaf) -> String {
        let type = branch.className.isEmpty ? leaf.className : "\(leaf.className) of \(branch.className)"
        switch leaf.className {
        case "TLeafC":
            return "branch '\(branch.name)' holds text (\(type), a char* string); flow's columns are numbers: leave it out of the columns read"
        case "TLeafElement" where branch.className.contains("string") || leaf.type == 65:
            return "branch '\(branch.name)' holds text (\(type)); flow's columns are numbers: leave it out of the columns read"
        case "TLeafElement" where leaf.type == 300 || leaf.type == 500:
            return "branch '\(branch.name)' is a container member of class \(branch.className), whose element type only the class's streamer says; flow does not read streamers (uproot does)"
        default:
            return "branch '\(branch.name)' has a \(type) leaf; flow reads numbers and bool, fixed arrays, counted arrays and std::vector of numbers"
        }
    }

    /// The size of one value of a leaf as stored, for placing the leaves of a leaf list.
    static func storedSize(_ leaf: Leaf, of branch: Branch) throws -> Int {
        if let (_, packing) = try PackedReal.layout(branch: branch, leaf: leaf) { return packing.size }
        guard let element = element(leaf) else { throw ROOTError.unsupported(unreadable(branch: branch, leaf: leaf)) }
        return element.size
    }

    static func element(_ leaf: Leaf) -> Element? {
        let u = leaf.isUnsigned
        switch leaf.className {
        case "TLeafO": return .bool
        case "TLeafB": return u ? .uint8 : .int8
        case "TLeafS": return u ? .uint16 : .int16
        case "TLeafI": return u ? .uint32 : .int32
        case "TLeafL", "TLeafG": return u ? .uint64 : .int64
        case "TLeafF": return .float32
        case "TLeafD": return .float64
        case "TLeafElement":
            // ROOT's EDataType codes; a split member's fixed array adds 20 (kOffsetL), its counted array 40 (kOffsetP).
            let code = fixedArray.contains(leaf.type) ? leaf.type - 20 : pointerArray.contains(leaf.type) ? leaf.type - 40 : leaf.type
            switch code {
            case 1: return .int8
            case 2: return .int16
            case 3, 6: return .int32
            case 4, 16: return .int64
            case 5: return .float32
            case 8: return .float64
            case 11: return .uint8
            case 12: return .uint16
            case 13: return .uint32
            case 14, 17: return .uint64
            case 18: return .bool
            default: return nil
            }
        default: return nil
        }
    }

    static let fixedArray = 21..<40, pointerArray = 41..<60

    static func element(cppName: String) -> Element? {
        switch cppName.replacingOccurrences(of: " ", with: "") {
        case "bool": return .bool
        case "char", "Char_t", "int8_t": return .int8
        case "unsignedchar", "UChar_t", "uint8_t": return .uint8
        case "short", "Short_t", "int16_t": return .int16
        case "unsignedshort", "UShort_t", "uint16_t": return .uint16
        case "int", "Int_t", "int32_t": return .int32
        case "unsignedint", "UInt_t", "uint32_t": return .uint32
        case "long", "Long64_t", "longlong", "int64_t": return .int64
        case "unsignedlong", "ULong64_t", "unsignedlonglong", "uint64_t": return .uint64
        case "float", "Float_t": return .float32
        case "double", "Double_t": return .float64
        default: return nil
        }
    }
}

/// Accumulates a branch's values basket by basket.
struct BranchDecoder {
    let layout: BranchLayout
    var values: [Double] = []
    var offsets: [Int] = [0]
    /// A counted array's bytes with their per-entry headers, split once the counts are known.
    var headed: [UInt8] = []

    init(layout: BranchLayout, expectedValues: Int = 0) {
        self.layout = layout
        // A hint from the header, trusted only as far as a real basket could hold.
        values.reserveCapacity(max(0, min(expectedValues, 1 << 24)))
    }

    mutating func append(_ stored: ArraySlice<UInt8>, entries: Int) throws {
        let payload = try layout.leafList.map { try $0.gather(stored, entries: entries) } ?? stored
        let size = layout.storedSize
        switch layout.shape {
        case .scalar, .fixed:
            let perEntry: Int
            if case .fixed(let n) = layout.shape { perEntry = n } else { perEntry = 1 }
            let (bytes, overflow) = entries.multipliedReportingOverflow(by: perEntry * size)
            guard !overflow, payload.count == bytes else {
                throw ROOTError.corrupt("\(payload.count) bytes for \(entries) entries of \(perEntry) × \(size) bytes")
            }
            decode(payload)
        case .counted where layout.entryHeader > 0:
            headed.append(contentsOf: payload)  // entry boundaries come from the counter, at the end
        case .counted:
            guard payload.count % size == 0 else { throw ROOTError.corrupt("\(payload.count) bytes is not a whole number of \(size)-byte values") }
            decode(payload)
        case .vector:
            var position = payload.startIndex
            for _ in 0..<entries {
                guard position + 10 <= payload.endIndex else { throw ROOTError.corrupt("a vector entry's header runs past the basket") }
                let count = payload[position + 6..<position + 10].reduce(0) { $0 << 8 | Int($1) }
                let end = position + 10 + count * size
                guard count >= 0, end <= payload.endIndex else { throw ROOTError.corrupt("a vector of \(count) values runs past the basket") }
                decode(payload[position + 10..<end])
                offsets.append(values.count)
                position = end
            }
        }
    }

    /// The column; `counts` are the counter branch's values for a counted leaf.
    func finish(counts: [Int]?) throws -> BranchData {
        switch layout.shape {
        case .scalar:
            return .flat(values)
        case .fixed(let n):
            return .jagged(offsets: Array(stride(from: 0, through: values.count, by: n)), values: values)
        case .counted(let counter, let n):
            var values = self.values
            if layout.entryHeader > 0 {
                values = try Self.splitHeaded(headed, counts: counts ?? [], perCount: n, header: layout.entryHeader,
                                              size: layout.storedSize, counter: counter) { bytes, into in
                    var decoder = BranchDecoder(layout: layout)
                    decoder.decode(bytes)
                    into += decoder.values
                }
            }
            var offsets = [0]
            offsets.reserveCapacity((counts?.count ?? 0) + 1)
            for c in counts ?? [] {
                let (count, overflow) = c.multipliedReportingOverflow(by: n)
                // Negative or overflowing counts are corrupt; the sum check below then reports them.
                guard c >= 0, !overflow, count <= values.count - offsets.last! else { offsets.append(-1); break }
                offsets.append(offsets.last! + count)
            }
            guard offsets.last == values.count else {
                throw ROOTError.corrupt("counter '\(counter)' sums to \(offsets.last! ) values, the branch holds \(values.count)")
            }
            return .jagged(offsets: offsets, values: values)
        case .vector:
            return .jagged(offsets: offsets, values: values)
        }
    }

    /// The values of entries that each begin with `header` bytes, `counts[i] × perCount` values after it.
    static func splitHeaded(_ bytes: [UInt8], counts: [Int], perCount: Int, header: Int, size: Int, counter: String,
                            decode: (ArraySlice<UInt8>, inout [Double]) -> Void) throws -> [Double] {
        var values: [Double] = [], position = 0
        for count in counts {
            let (n, overflow) = count.multipliedReportingOverflow(by: perCount * size)
            guard count >= 0, !overflow, position + header + n <= bytes.count else {
                throw ROOTError.corrupt("counter '\(counter)' says \(count) values where the branch's bytes end")
            }
            decode(bytes[(position + header)..<(position + header + n)], &values)
            position += header + n
        }
        guard position == bytes.count else {
            throw ROOTError.corrupt("counter '\(counter)' accounts for \(position) of the branch's \(bytes.count) bytes")
        }
        return values
    }

    private mutating func decode(_ bytes: ArraySlice<UInt8>) {
        if let packing = layout.packing {
            packing.decode(bytes, into: &values)
        } else {
            Self.decode(bytes, layout.element, into: &values)
        }
    }

    /// Big-endian numbers to doubles.
    static func decode(_ bytes: ArraySlice<UInt8>, _ element: BranchLayout.Element, into values: inout [Double]) {
        let count = bytes.count / element.size
        let start = values.count
        values.append(contentsOf: repeatElement(0, count: count))
        bytes.withUnsafeBytes { raw in
            values.withUnsafeMutableBufferPointer { out in
                let o = out.baseAddress! + start
                switch element {
                case .bool: for i in 0..<count { o[i] = raw[i] != 0 ? 1 : 0 }
                case .int8: for i in 0..<count { o[i] = Double(Int8(bitPattern: raw[i])) }
                case .uint8: for i in 0..<count { o[i] = Double(raw[i]) }
                case .int16: for i in 0..<count { o[i] = Double(Int16(bitPattern: UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))) }
                case .uint16: for i in 0..<count { o[i] = Double(UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
                case .int32: for i in 0..<count { o[i] = Double(Int32(bitPattern: UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))) }
                case .uint32: for i in 0..<count { o[i] = Double(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                case .int64: for i in 0..<count { o[i] = Double(Int64(bitPattern: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
                case .uint64: for i in 0..<count { o[i] = Double(UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
                case .float32: for i in 0..<count { o[i] = Double(Float(bitPattern: UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))) }
                case .float64: for i in 0..<count { o[i] = Double(bitPattern: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
                }
            }
        }
    }
}
