import Foundation

/// A ROOT file opened for reading: its header, its top directory's keys, and objects read on demand
/// with positioned reads (nothing else of the file is loaded).
public final class ROOTFile: @unchecked Sendable {
    public let path: String
    let storage: Storage
    let size: Int
    /// The top directory's keys (name, class, cycle, where the record is).
    public private(set) var keys: [Key] = []

    public struct Key: Sendable {
        public var name: String
        public var className: String
        public var cycle: Int
        var seek: Int
    }

    /// Where the bytes are: an open file, read with positioned reads, or a buffer in memory.
    enum Storage {
        case file(FileHandle)
        case memory([UInt8])
    }

    public init(path: String) throws {
        self.path = path
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ROOTError.io(file: path, reason: "cannot open") }
        storage = .file(handle)
        size = Int((try? handle.seekToEnd()) ?? 0)
        try openDirectory()
    }

    /// A ROOT file held in memory; `name` stands for the path in messages.
    public init(bytes: [UInt8], name: String) throws {
        path = name
        storage = .memory(bytes)
        size = bytes.count
        try openDirectory()
    }

    deinit {
        if case .file(let handle) = storage { try? handle.close() }
    }

    private func openDirectory() throws {
        do {
            try readDirectory()
        } catch let error as ROOTError {
            throw Self.located(error, path)
        }
    }

    /// `count` bytes at `offset` of the file (positioned reads: safe from several threads at once).
    func read(_ offset: Int, _ count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size - count else {
            throw ROOTError.corrupt("a record at \(offset) (\(count) bytes) lies beyond the end of the file (\(size) bytes)")
        }
        switch storage {
        case .memory(let bytes): return Array(bytes[offset..<offset + count])
        case .file(let handle): return try pread(handle, offset, count)
        }
    }

    private func pread(_ handle: FileHandle, _ offset: Int, _ count: Int) throws -> [UInt8] {
        let descriptor = handle.fileDescriptor
        var failure: Int?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let n = Foundation.pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { failure = offset + done; break }
                done += n
            }
            if failure != nil { buffer.baseAddress!.update(repeating: 0, count: count) }
            initialized = count
        }
        if let failure { throw ROOTError.corrupt("short read at \(failure)") }
        return bytes
    }

    private func readDirectory() throws {
        var header = ByteCursor(try read(0, min(size, 100)))
        guard size >= 4, header.bytes.prefix(4) == [0x72, 0x6f, 0x6f, 0x74] else { throw ROOTError.notROOT(file: path) }
        try header.skip(4)
        _ = try header.i32()  // fVersion: flow reads only what it needs of the header
        let begin = try header.i32()
        // The top directory's record follows the TFile key and its name and title, which are as long as
        // the path the file was written under (a long-string name takes 255 + 4 bytes and more).
        var key = ByteCursor(try read(begin, min(bytesAfter(begin), Self.headerProbe)))
        let keyHeader = try KeyHeader(&key)
        var directory = ByteCursor(try read(begin + keyHeader.keylen, min(bytesAfter(begin + keyHeader.keylen), Self.headerProbe)))
        _ = try directory.string()  // file name
        _ = try directory.string()  // title
        keys = try keyList(&directory)
    }

    /// A directory record (TDirectory's streamer, at `directory`'s position): where its key list is and how
    /// long, then the list itself — its own key header (with the directory's name and title again), the
    /// number of keys and each key's header.
    func keyList(_ directory: inout ByteCursor) throws -> [Key] {
        let directoryVersion = try directory.i16()
        try directory.skip(8)  // creation and modification dates
        let nbytesKeys = Int(try directory.i32())  // fNbytesKeys: the key list's size, its own key included
        _ = try directory.i32()  // fNbytesName
        let large = directoryVersion > 1000
        _ = large ? try directory.i64() : try directory.i32()  // fSeekDir
        _ = large ? try directory.i64() : try directory.i32()  // fSeekParent
        let seekKeys = large ? try directory.i64() : try directory.i32()
        // Some writers (ROOT 6.18) leave the list key's own byte count short of fNbytesKeys.
        var list = ByteCursor(try read(seekKeys, min(bytesAfter(seekKeys), Self.headerProbe)))
        let listKey = try KeyHeader(&list)
        let listSize = min(bytesAfter(seekKeys), max(listKey.nbytes, nbytesKeys))
        var body = ByteCursor(try read(seekKeys, listSize), at: listKey.keylen)
        let count = try body.i32()
        // Checked against the bytes present before `map` reserves room for `count` keys.
        try body.need(count: count, of: KeyHeader.minimumSize)
        return try (0..<count).map { _ in
            let k = try KeyHeader(&body)
            return Key(name: k.name, className: k.className, cycle: k.cycle, seek: k.seekKey)
        }
    }

    /// The keys of the directory at `path` ("" the top one, "one/two" nested ones).
    func keys(in path: [Substring]) throws -> [Key] {
        var current = keys
        for name in path {
            guard let key = current.filter({ $0.name == name && Self.directoryClasses.contains($0.className) }).max(by: { $0.cycle < $1.cycle }) else {
                return []
            }
            current = try directoryKeys(at: key.seek)
        }
        return current
    }

    /// The keys of the subdirectory whose record is at `seek`.
    func directoryKeys(at seek: Int) throws -> [Key] {
        let (bytes, _, _) = try object(at: seek)
        var cursor = ByteCursor(bytes)
        return try keyList(&cursor)
    }

    static let directoryClasses: Set<String> = ["TDirectory", "TDirectoryFile"]
    /// Classes read as trees: TNtuple and TNtupleD are trees of float or double columns.
    static let treeClasses: Set<String> = ["TTree", "TNtuple", "TNtupleD"]

    /// How much is read to parse a key or directory header whose strings have not been measured yet.
    static let headerProbe = 65_536

    /// The bytes from `offset` to the end, 0 outside the file (a damaged 64-bit seek must not overflow
    /// `size - offset`; `read` then refuses the offset).
    func bytesAfter(_ offset: Int) -> Int {
        offset >= 0 && offset <= size ? size - offset : 0
    }

    /// The uncompressed object a key points to, with its key length (references count from the key's start).
    func object(at seek: Int) throws -> (bytes: [UInt8], keylen: Int, header: KeyHeader) {
        var probe = ByteCursor(try read(seek, min(bytesAfter(seek), 512)))
        let key = try KeyHeader(&probe)
        let stored = try read(seek + key.keylen, key.nbytes - key.keylen)
        if key.objlen == stored.count { return (stored, key.keylen, key) }
        return (try Decompression.inflate(stored[...], into: key.objlen), key.keylen, key)
    }

    /// The trees of the file, in subdirectories as `dir/sub/tree` (highest cycle of each). Each directory
    /// record is read once, and none deeper than 16 levels: a damaged file whose directories list one
    /// another, or one record under many names, cannot make the walk loop or explode.
    public var treeNames: [String] {
        var names: [String] = []
        var visited = Set<Int>()
        func walk(_ keys: [Key], prefix: String, depth: Int) {
            var seen = Set<String>()
            var latestDirectory: [String: Key] = [:]
            for key in keys where Self.directoryClasses.contains(key.className) && key.cycle >= (latestDirectory[key.name]?.cycle ?? .min) {
                latestDirectory[key.name] = key
            }
            for key in keys where seen.insert(key.name + "\u{0}" + key.className).inserted {
                if Self.treeClasses.contains(key.className) { names.append(prefix + key.name) }
                guard Self.directoryClasses.contains(key.className), depth < 16, let latest = latestDirectory[key.name],
                      visited.insert(latest.seek).inserted, let inner = try? directoryKeys(at: latest.seek) else { continue }
                walk(inner, prefix: prefix + key.name + "/", depth: depth + 1)
            }
        }
        walk(keys, prefix: "", depth: 0)
        return names
    }

    /// The tree `name`, or `dir/sub/name` in a subdirectory.
    public func tree(_ name: String) throws -> TTree {
        let parts = name.split(separator: "/")
        do {
            let directory = try keys(in: Array(parts.dropLast()))
            guard let last = parts.last,
                  let key = directory.filter({ $0.name == last && Self.treeClasses.contains($0.className) }).max(by: { $0.cycle < $1.cycle }) else {
                if let other = directory.first(where: { $0.name == parts.last.map(String.init) }), other.className.hasSuffix("RNTuple") {
                    throw ROOTError.unsupported("'\(name)' is an RNTuple (\(other.className)), ROOT's new columnar format, which flow does not read yet; write a TTree, or convert it")
                }
                throw ROOTError.missingTree(file: path, tree: name, available: treeNames)
            }
            let (bytes, keylen, _) = try object(at: key.seek)
            var cursor = ByteCursor(bytes, origin: -keylen)
            // A TNtuple streams its TTree base first, then its column count.
            if key.className != "TTree" { _ = try cursor.versionHeader() }
            return try TTree(file: self, name: name, cursor: &cursor)
        } catch let error as ROOTError {
            throw Self.located(error, path)
        }
    }

    static func located(_ error: ROOTError, _ path: String) -> ROOTError {
        switch error {
        case .corrupt(let reason): return .io(file: path, reason: "corrupt ROOT data: \(reason)")
        case .unsupported(let reason): return .io(file: path, reason: "unsupported: \(reason)")
        default: return error
        }
    }
}

/// A TKey's header.
struct KeyHeader {
    /// The bytes of the shortest header: fixed fields, 32-bit seeks and three empty strings.
    static let minimumSize = 29

    var nbytes: Int
    var objlen: Int
    var keylen: Int
    var cycle: Int
    var seekKey: Int
    var className: String
    var name: String
    var title: String

    init(_ c: inout ByteCursor) throws {
        nbytes = try c.i32()
        let version = try c.i16()
        objlen = try c.i32()
        try c.skip(4)  // date
        keylen = try c.i16()
        cycle = try c.i16()
        if version > 1000 {
            seekKey = try c.i64()
            _ = try c.i64()
        } else {
            seekKey = try c.i32()
            _ = try c.i32()
        }
        className = try c.string()
        name = try c.string()
        title = try c.string()
    }
}
