import CZlib
import Foundation

/// The bytes of an LHE file a chunk at a time, from disk or from memory, inflated on the way when they
/// are gzipped (concatenated gzip members read as one): a file is never held whole.
final class ByteStream {
    private let file: String
    private var handle: Int32 = -1
    private var memory: [UInt8] = []
    private var memoryOffset = 0
    private var exhausted = false
    /// Compressed input waiting to be inflated, when gzipped.
    private var input: [UInt8] = []
    private var stream = z_stream()
    private var inflating = false
    private var memberEnded = false
    let gzipped: Bool

    init(path: String) throws {
        file = path
        handle = open(path, O_RDONLY)
        guard handle >= 0 else { throw LHEFError(file: path, message: "cannot read the file") }
        var magic = [UInt8](repeating: 0, count: 2)
        let fd = handle
        let n = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 2, 0) }
        gzipped = n == 2 && magic == [0x1f, 0x8b]
        try startInflating()
    }

    init(bytes: [UInt8], file: String) throws {
        self.file = file
        memory = bytes
        gzipped = bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
        try startInflating()
    }

    deinit {
        if handle >= 0 { close(handle) }
        if inflating { inflateEnd(&stream) }
    }

    private func startInflating() throws {
        guard gzipped else { return }
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw LHEFError(file: file, message: "zlib could not start")
        }
        inflating = true
        input = [UInt8](repeating: 0, count: 1 << 18)
    }

    /// Up to `count` raw bytes of the file into `destination`; 0 at its end.
    private func readRaw(_ destination: UnsafeMutableRawPointer, _ count: Int) throws -> Int {
        if handle >= 0 {
            while true {
                let n = Foundation.read(handle, destination, count)
                if n >= 0 { return n }
                if errno != EINTR { throw LHEFError(file: file, message: "cannot read the file (errno \(errno))") }
            }
        }
        let n = min(count, memory.count - memoryOffset)
        memory.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress! + memoryOffset, byteCount: n) }
        memoryOffset += n
        return n
    }

    /// Up to `count` bytes of text into `destination`; 0 only at the end of the text.
    func read(into destination: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        guard count > 0, !exhausted else { return 0 }
        guard gzipped else {
            let n = try readRaw(destination, count)
            if n == 0 { exhausted = true }
            return n
        }
        stream.next_out = destination
        stream.avail_out = UInt32(count)
        while stream.avail_out == UInt32(count) {
            if stream.avail_in == 0 {
                let n = try input.withUnsafeMutableBytes { try readRaw($0.baseAddress!, $0.count) }
                if n == 0 {
                    exhausted = true
                    // The end of the input: fine after a whole member, an error inside one.
                    if memberEnded { return 0 }
                    throw LHEFError(file: file, message: "gzip data ends early")
                }
                input.withUnsafeMutableBufferPointer { stream.next_in = $0.baseAddress }
                stream.avail_in = UInt32(n)
            }
            if memberEnded {
                // Another gzip member follows the one that ended.
                inflateReset(&stream)
                memberEnded = false
            }
            let status = inflate(&stream, Z_NO_FLUSH)
            if status == Z_STREAM_END {
                memberEnded = true
            } else if status != Z_OK && !(status == Z_BUF_ERROR && stream.avail_in == 0) {
                exhausted = true
                throw LHEFError(file: file, message: "corrupt gzip data (zlib status \(status))")
            }
        }
        return count - Int(stream.avail_out)
    }
}

/// Where a rewritten LHE file goes, a file or memory: written as it comes, deflated on the way when gzipped.
final class ByteSink {
    private let file: String
    private let handle: FileHandle?
    private var stream = z_stream()
    private let gzipped: Bool
    private var pending: [UInt8] = []
    private var output = [UInt8](repeating: 0, count: 1 << 18)
    /// What was written, when written to memory.
    private(set) var bytes: [UInt8] = []

    /// To the file at `path`, or to `bytes` when `path` is nil (`file` then names it in messages).
    init(path: String?, file: String, gzipped: Bool, level: Int32 = 6) throws {
        self.file = file
        self.gzipped = gzipped
        if let path {
            guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                throw LHEFError(file: path, message: "cannot write")
            }
            self.handle = handle
        } else {
            handle = nil
        }
        if gzipped {
            guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw LHEFError(file: file, message: "zlib could not start")
            }
        }
        pending.reserveCapacity(1 << 20)
    }

    deinit {
        if gzipped { deflateEnd(&stream) }
        try? handle?.close()
    }

    func write(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        pending.append(contentsOf: bytes)
        if pending.count >= 1 << 20 { try flush(finish: false) }
    }

    func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write($0) }
    }

    func finish() throws { try flush(finish: true) }

    private func flush(finish: Bool) throws {
        if !gzipped {
            try put(pending[...])
            pending.removeAll(keepingCapacity: true)
            return
        }
        try pending.withUnsafeMutableBufferPointer { input in
            stream.next_in = input.baseAddress
            stream.avail_in = UInt32(input.count)
            var status: Int32 = Z_OK
            repeat {
                let produced: Int = output.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    status = deflate(&stream, finish ? Z_FINISH : Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    throw LHEFError(file: file, message: "zlib could not compress (status \(status))")
                }
                try put(output[0..<produced])
            } while finish ? status != Z_STREAM_END : stream.avail_out == 0 || stream.avail_in > 0
        }
        pending.removeAll(keepingCapacity: true)
    }

    private func put(_ bytes: ArraySlice<UInt8>) throws {
        guard !bytes.isEmpty else { return }
        guard let handle else {
            self.bytes.append(contentsOf: bytes)
            return
        }
        do {
            try handle.write(contentsOf: Data(bytes))
        } catch {
            throw LHEFError(file: file, message: "cannot write (\(error.localizedDescription))")
        }
    }
}

public struct LHEFError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var message: String

    public init(file: String, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)" }
}
