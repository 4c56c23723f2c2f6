import EventData
import Foundation

/// A column as read from a branch (EventData's column, so a tree is an event source as it is).
public typealias BranchData = ColumnData

/// A TTree: its entries and branches; branches are read column-wise, basket by basket, on request.
public struct TTree: @unchecked Sendable {
    public let name: String
    public let entries: Int
    let file: ROOTFile
    let branchesByName: [String: Branch]
    /// The leaves of leaf lists, by column name: `branch.leaf`, and the leaf's own name where no branch
    /// or other leaf has it.
    let leafColumns: [String: (branch: Branch, leaf: Leaf)]
    /// Every branch's full name, in the order the tree lists them (sub-branches after their parent).
    public let branchNames: [String]

    init(file: ROOTFile, name: String, cursor: inout ByteCursor) throws {
        self.file = file
        self.name = name
        var stream = ObjectStream(cursor)
        let header = try stream.cursor.versionHeader()
        guard header.version >= 19 else {
            throw ROOTError.unsupported("TTree class version \(header.version): flow reads version 19 and later (ROOT 6.08 on); this one was written by an older ROOT")
        }
        _ = try stream.cursor.named()
        for _ in 0..<3 { try stream.cursor.skipVersioned() }  // TAttLine, TAttFill, TAttMarker
        entries = try stream.cursor.i64()
        guard entries >= 0 else { throw ROOTError.corrupt("the tree claims \(entries) entries") }
        try stream.cursor.skip(4 * 8 + 8 + 4 * 4)  // byte totals, fWeight, timer, scan field, update, offset length
        let clusterRanges = try stream.cursor.i32()
        try stream.cursor.skip(6 * 8)  // fMaxEntries … fEstimate
        _ = try stream.cursor.speedBumpedInt64s(clusterRanges)
        _ = try stream.cursor.speedBumpedInt64s(clusterRanges)
        if header.version >= 20 { try stream.cursor.skipVersioned() }  // fIOFeatures
        let top = try stream.objectArray().compactMap { $0 as? Branch }
        var byName: [String: Branch] = [:], names: [String] = []
        var visited = Set<ObjectIdentifier>()
        func visit(_ branch: Branch) {
            // A damaged file can list one branch under many parents: each is visited once.
            guard visited.insert(ObjectIdentifier(branch)).inserted else { return }
            if byName[branch.name] == nil { names.append(branch.name) }
            byName[branch.name] = branch
            branch.branches.forEach(visit)
        }
        top.forEach(visit)
        // `arr[3]/F` written under the name `arr[3]` is found as `arr` too, so `arr[1]` picks an element.
        for name in names where name.hasSuffix("]") {
            if let open = name.firstIndex(of: "["), byName[String(name[..<open])] == nil {
                byName[String(name[..<open])] = byName[name]
            }
        }
        var leaves: [String: (branch: Branch, leaf: Leaf)] = [:], leafNames: [String] = []
        var shortNames: [String: Int] = [:]
        for name in names {
            let branch = byName[name]!
            guard branch.leaves.count > 1 else { continue }
            for leaf in branch.leaves {
                leaves[name + "." + leaf.name] = (branch, leaf)
                leafNames.append(name + "." + leaf.name)
                shortNames[leaf.name, default: 0] += 1
            }
        }
        for name in leafNames {
            let (branch, leaf) = leaves[name]!
            if shortNames[leaf.name] == 1 && byName[leaf.name] == nil { leaves[leaf.name] = (branch, leaf) }
        }
        branchesByName = byName
        leafColumns = leaves
        branchNames = names.flatMap { name in
            let branch = byName[name]!
            return branch.leaves.count > 1 ? [name] + branch.leaves.map { name + "." + $0.name } : [name]
        }
    }

    /// Reads a whole branch. Numeric leaves of 8 to 64 bits and bool, fixed arrays, leaves with a counter
    /// leaf (`Muon_pt[nMuon]`) and `std::vector` of numbers become doubles.
    public func read(_ branchName: String) throws -> BranchData {
        try read(branchName, countedBy: [])
    }

    /// `counting` holds the branches whose counter this read is, so a cycle of counters is an error.
    private func read(_ branchName: String, countedBy counting: Set<String>) throws -> BranchData {
        let (branch, leaf) = try column(branchName)
        let layout = try BranchLayout(branch: branch, leaf: leaf)
        var expected = branch.entries
        if case .fixed(let n) = layout.shape { expected = expected.multipliedReportingOverflow(by: n).partialValue }
        var data = BranchDecoder(layout: layout, expectedValues: expected)
        for basket in branch.basketSeek.indices {
            let (first, end) = (branch.basketEntry[basket], branch.basketEntry[basket + 1])
            guard first >= 0, first <= end else {
                throw ROOTError.io(file: file.path, reason: "corrupt ROOT data: branch '\(branchName)' has basket \(basket) from entry \(first) to \(end)")
            }
            let range = first..<end
            do {
                let payload = try basketPayload(branch, basket)
                try data.append(payload, entries: range.count)
            } catch let error as ROOTError {
                let reason: String
                if case .corrupt(let r) = error { reason = r } else { reason = error.description }
                throw ROOTError.badBasket(file: file.path, branch: branchName, entries: range, reason: reason)
            }
        }
        var first = branch.basketEntry.last ?? 0
        for basket in branch.embedded {
            do {
                try data.append(basket.payload, entries: basket.entries)
            } catch let error as ROOTError {
                throw ROOTError.badBasket(file: file.path, branch: branchName, entries: first..<(first + basket.entries), reason: "\(error)")
            }
            first += basket.entries
        }
        if case .counted(let counter, _) = layout.shape {
            // Counters that count each other (only in a damaged file) would recurse for ever.
            guard counter != branchName, !counting.contains(counter) else {
                throw ROOTError.io(file: file.path, reason: "corrupt ROOT data: branch '\(branchName)' is counted by '\(counter)', which it counts")
            }
            let counts = try read(counter, countedBy: counting.union([branchName]))
            guard case .flat(let values) = counts else { throw ROOTError.unsupported("counter branch '\(counter)' is not flat") }
            return try data.finish(counts: values.map { Int(exactly: $0) ?? -1 })
        }
        return try data.finish(counts: nil)
    }

    /// The branch and leaf a column name reads.
    private func column(_ columnName: String) throws -> (Branch, Leaf) {
        if let place = leafColumns[columnName] { return (place.branch, place.leaf) }
        guard let branch = branchesByName[columnName] else {
            throw ROOTError.missingBranch(file: file.path, tree: name, branch: columnName, close: closeNames(to: columnName))
        }
        guard let leaf = branch.leaves.first else {
            throw ROOTError.unsupported("branch '\(columnName)' has no leaf (an object branch: read its sub-branches)")
        }
        guard branch.leaves.count == 1 else {
            let names = branch.leaves.map { "\(columnName).\($0.name)" }.joined(separator: ", ")
            throw ROOTError.unsupported("branch '\(columnName)' is a leaf list: read its leaves as columns (\(names))")
        }
        return (branch, leaf)
    }

    /// Several branches, read side by side on `threads` threads (one branch per task); in the given order.
    public func read(_ names: [String], threads: Int) throws -> [BranchData] {
        var results = [Result<BranchData, any Error>?](repeating: nil, count: names.count)
        let lock = NSLock()
        var next = 0
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, names.count))) { _ in
            while true {
                lock.lock()
                let i = next
                next += 1
                lock.unlock()
                guard i < names.count else { return }
                let result = Result { try self.read(names[i]) }
                lock.lock()
                results[i] = result
                lock.unlock()
            }
        }
        return try results.map { try $0!.get() }
    }

    /// The bytes of one basket's entries (before any entry-offset table).
    func basketPayload(_ branch: Branch, _ basket: Int) throws -> ArraySlice<UInt8> {
        let bytes = try file.read(branch.basketSeek[basket], branch.basketBytes[basket])
        var cursor = ByteCursor(bytes)
        let key = try KeyHeader(&cursor)
        _ = try cursor.i16()  // basket version
        _ = try cursor.i32()  // buffer size
        _ = try cursor.i32()  // fNevBufSize
        _ = try cursor.i32()  // fNevBuf
        let last = try cursor.i32()
        let end = min(bytes.count, key.nbytes)
        guard key.keylen >= 0, key.keylen <= end else {
            throw ROOTError.corrupt("basket key length \(key.keylen) outside its \(end) bytes")
        }
        let stored = bytes[key.keylen..<end]
        let data = key.objlen == stored.count ? Array(stored) : try Decompression.inflate(stored, into: key.objlen)
        let border = last - key.keylen
        guard border >= 0, border <= data.count else { throw ROOTError.corrupt("basket data length \(border) outside its \(data.count) bytes") }
        return data[0..<border]
    }

    func closeNames(to wanted: String) -> [String] {
        let lower = wanted.lowercased()
        let scored = branchNames.map { ($0, editDistance(Array($0.lowercased()), Array(lower))) }
        let near = scored.filter { $0.1 <= max(2, lower.count / 3) || $0.0.lowercased().contains(lower) }
        return near.sorted { $0.1 < $1.1 }.prefix(5).map(\.0)
    }
}

func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var previous = Array(0...b.count), current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

extension TTree: EventSource {}
