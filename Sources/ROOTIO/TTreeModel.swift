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
    var leaves: [Leaf] = []
    var branches: [Branch] = []
    var basketBytes: [Int] = []
    var basketEntry: [Int] = []
    var basketSeek: [Int] = []

    init(name: String) { self.name = name }
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
        try cursor.skip(16)  // fTotBytes, fZipBytes
        branch.branches = try objectArray().compactMap { $0 as? Branch }
        branch.leaves = try objectArray().compactMap { $0 as? Leaf }
        try cursor.skipVersioned()  // fBaskets
        branch.basketBytes = Array(try cursor.speedBumpedInt32s(maxBaskets).prefix(writeBaskets))
        branch.basketEntry = try cursor.speedBumpedInt64s(maxBaskets)
        branch.basketSeek = Array(try cursor.speedBumpedInt64s(maxBaskets).prefix(writeBaskets))
        if let end = header.end { cursor.index = end }
        if className != "TBranch" {
            branch.className = try cursor.string()
            if let end = outer.end { cursor.index = end }
        }
        guard writeBaskets == 0 || (branch.basketEntry.count > writeBaskets && branch.basketEntry[writeBaskets] == branch.entries) else {
            throw ROOTError.unsupported("branch '\(name)' keeps entries in baskets inside the tree header (a file that was not closed)")
        }
        branch.basketEntry = Array(branch.basketEntry.prefix(writeBaskets + 1))
        for leaf in branch.leaves { leaf.branch = branch }
        return branch
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
