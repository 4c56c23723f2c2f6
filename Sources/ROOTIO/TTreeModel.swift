/// The parts of a streamed TTree flow needs: branches with their leaves and basket tables.
///
/// Objects inside a TTree's record refer to classes and objects written earlier in the same record
/// (ROOT's `ReadObjectAny`): a new class tag carries the class name, a reference carries the offset
/// where it was first written. Every versioned object carries its byte count, so members flow does not
/// need are skipped by length, whatever the class version.
final class Leaf {
    let className: String
    let name: String
    let title: String
    let length: Int
    let isUnsigned: Bool
    let count: Leaf?
    var type: Int = 0  // TLeafElement's data type code
    weak var branch: Branch?

    init(className: String, name: String, title: String, length: Int, isUnsigned: Bool, count: Leaf?) {
        self.className = className
        self.name = name
        self.title = title
        self.length = length
        self.isUnsigned = isUnsigned
        self.count = count
    }
}

final class Branch {
    let name: String
    var className = ""  // TBranchElement's class (e.g. vector<float>)
    var entries = 0
    var entryOffsetLength = 0
    /// Bytes of the branch's own baskets: as stored and after decompression.
    var zippedBytes = 0
    var totalBytes = 0
    var leaves: [Leaf] = []
    var branches: [Branch] = []
    var basketBytes: [Int] = []
    var basketEntry: [Int] = []
    var basketSeek: [Int] = []
    /// Baskets stored inside the tree record itself (ROOT keeps the last, partly filled basket of a branch
    /// there when the tree is written with the file still open, or small trees entirely): their entries
    /// follow the baskets on disk.
    var embedded: [EmbeddedBasket] = []

    init(name: String) { self.name = name }
}

/// A basket streamed inside its branch (`fBaskets`): always uncompressed; its entries' bytes are kept.
final class EmbeddedBasket {
    let entries: Int
    let payload: ArraySlice<UInt8>

    init(entries: Int, payload: ArraySlice<UInt8>) {
        self.entries = entries
        self.payload = payload
    }
}

struct ObjectStream {
    var cursor: ByteCursor
    private var refs: [Int: AnyObject] = [:]
    private var classNames: [Int: String] = [:]

    init(_ cursor: ByteCursor) { self.cursor = cursor }

    static let byteCountMask: UInt32 = 0x4000_0000, newClassTag: UInt32 = 0xFFFF_FFFF, classMask: UInt32 = 0x8000_0000
    static let mapOffset = 2

    /// A TObjArray of objects.
    mutating func objectArray() throws -> [AnyObject] {
        let header = try cursor.versionHeader()
        try cursor.skipTObject()
        _ = try cursor.string()
        let count = try cursor.i32()
        guard count >= 0 else { throw ROOTError.corrupt("an object array of \(count) items") }
        _ = try cursor.i32()  // lower bound
        var items: [AnyObject] = []
        for _ in 0..<count { if let item = try objectAny() { items.append(item) } }
        if let end = header.end { cursor.index = end }
        return items
    }

    /// ROOT's `TBufferFile::ReadObjectAny`: a null, a reference to an earlier object, or a new object of a
    /// new or earlier-named class. Classes flow does not model are skipped by their byte count.
    mutating func objectAny() throws -> AnyObject? {
        let begin = cursor.displacement, beginIndex = cursor.index
        let word = try cursor.u32()
        var tag = word, byteCount: Int?, start = 0
        if word & Self.byteCountMask != 0 && word != Self.newClassTag {
            byteCount = Int(word & ~Self.byteCountMask)
            start = cursor.displacement
            tag = try cursor.u32()
        }
        if tag & Self.classMask == 0 {
            if let byteCount { cursor.index = beginIndex + 4 + byteCount }
            return tag == 0 ? nil : refs[Int(tag)]
        }
        let className: String
        if tag == Self.newClassTag {
            className = try cursor.cString()
            classNames[byteCount != nil ? start + Self.mapOffset : classNames.count + 1] = className
        } else {
            guard let known = classNames[Int(tag & ~Self.classMask)] else {
                throw ROOTError.corrupt("reference to an unknown class at offset \(tag & ~Self.classMask)")
            }
            className = known
        }
        let object = try readObject(className)
        if let byteCount { cursor.index = beginIndex + 4 + byteCount }
        if let object { refs[begin + Self.mapOffset] = object }
        return object
    }

    private mutating func readObject(_ className: String) throws -> AnyObject? {
        switch className {
        case "TBranch", "TBranchElement", "TBranchObject": return try branch(className)
        case _ where className.hasPrefix("TLeaf"): return try leaf(className)
        case "TBasket": return try embeddedBasket()
        default: return nil  // skipped by the caller through its byte count
        }
    }

    mutating func branch(_ className: String) throws -> Branch {
        let outer = try cursor.versionHeader()
        let header = className == "TBranch" ? outer : try cursor.versionHeader()
        guard header.version >= 10 else { throw ROOTError.unsupported("TBranch version \(header.version) (ROOT 5 or older)") }
        let (name, _) = try cursor.named()
        let branch = Branch(name: name)
        try cursor.skipVersioned()  // TAttFill
        _ = try cursor.i32()  // fCompress
        _ = try cursor.i32()  // fBasketSize
        branch.entryOffsetLength = try cursor.i32()
        let writeBaskets = try cursor.i32()
        _ = try cursor.i64()  // fEntryNumber
        if header.version >= 13 { try cursor.skipVersioned() }  // fIOFeatures
        _ = try cursor.i32()  // fOffset
        let maxBaskets = try cursor.i32()
        guard writeBaskets >= 0, maxBaskets >= 0 else {
            throw ROOTError.corrupt("branch '\(name)' lists \(writeBaskets) of \(maxBaskets) baskets")
        }
        _ = try cursor.i32()  // fSplitLevel
        branch.entries = try cursor.i64()
        if header.version >= 11 { _ = try cursor.i64() }  // fFirstEntry
        branch.totalBytes = try cursor.i64()
        branch.zippedBytes = try cursor.i64()
        branch.branches = try objectArray().compactMap { $0 as? Branch }
        branch.leaves = try objectArray().compactMap { $0 as? Leaf }
        let embedded = try objectArray().compactMap { $0 as? EmbeddedBasket }
        branch.basketBytes = Array(try cursor.speedBumpedInt32s(maxBaskets).prefix(writeBaskets))
        branch.basketEntry = try cursor.speedBumpedInt64s(maxBaskets)
        branch.basketSeek = Array(try cursor.speedBumpedInt64s(maxBaskets).prefix(writeBaskets))
        if let end = header.end { cursor.index = end }
        if className != "TBranch" {
            branch.className = try cursor.string()
            if let end = outer.end { cursor.index = end }
        }
        // The baskets on disk end where the embedded ones begin; together they hold every entry.
        let stored = writeBaskets == 0 ? 0 : branch.basketEntry.count > writeBaskets ? branch.basketEntry[writeBaskets] : -1
        // A branch without baskets (the parent of split members) holds no data of its own.
        guard (writeBaskets == 0 && embedded.isEmpty) || (stored >= 0 && stored + embedded.reduce(0, { $0 + $1.entries }) == branch.entries) else {
            throw ROOTError.corrupt("branch '\(name)' holds \(stored) entries in \(writeBaskets) baskets and \(embedded.map(\.entries).reduce(0, +)) in the tree record, of \(branch.entries)")
        }
        branch.embedded = embedded
        branch.basketEntry = Array(branch.basketEntry.prefix(writeBaskets + 1))
        for leaf in branch.leaves { leaf.branch = branch }
        return branch
    }

    /// TBasket's streamer inside a branch: its key (of which only the lengths matter), the basket header,
    /// the entry offsets when entries vary in size, a second copy of the key, then the entries' bytes.
    mutating func embeddedBasket() throws -> EmbeddedBasket {
        let start = cursor.index
        _ = try cursor.i32()  // fNbytes
        _ = try cursor.i16()  // key version
        _ = try cursor.i32()  // fObjlen
        _ = try cursor.u32()  // fDatime
        let keylen = try cursor.i16()
        guard keylen >= 19 else { throw ROOTError.corrupt("an embedded basket's key of \(keylen) bytes") }
        // The basket header ends the key: version, buffer size, fNevBufSize, fNevBuf, fLast, a flag byte.
        cursor.index = start
        try cursor.skip(keylen - 19)
        _ = try cursor.u16()  // version
        _ = try cursor.i32()  // fBufferSize
        let entrySize = try cursor.i32()
        let entries = try cursor.i32()
        let last = try cursor.i32()
        try cursor.skip(1)
        guard entries >= 0, last >= keylen else { throw ROOTError.corrupt("an embedded basket of \(entries) entries ending at \(last)") }
        if entrySize * entries + keylen != last {
            try cursor.skip(4 + 4 * entries)  // the entry offsets: the counter branch says the same
        }
        try cursor.skip(keylen)  // the key again
        try cursor.need(last - keylen)
        let payload = cursor.bytes[cursor.index..<(cursor.index + last - keylen)]
        cursor.index += last - keylen
        return EmbeddedBasket(entries: entries, payload: payload)
    }

    mutating func leaf(_ className: String) throws -> Leaf {
        let outer = try cursor.versionHeader()
        let header = try cursor.versionHeader()  // TLeaf
        let (name, title) = try cursor.named()
        let length = try cursor.i32()
        _ = try cursor.i32()  // fLenType
        _ = try cursor.i32()  // fOffset
        _ = try cursor.u8()  // fIsRange
        let isUnsigned = try cursor.u8() != 0
        let count = try objectAny() as? Leaf
        if let end = header.end { cursor.index = end }
        let leaf = Leaf(className: className, name: name, title: title, length: length, isUnsigned: isUnsigned, count: count)
        if className == "TLeafElement" {
            _ = try cursor.i32()  // fID
            leaf.type = try cursor.i32()
        }
        if let end = outer.end { cursor.index = end }
        return leaf
    }
}
