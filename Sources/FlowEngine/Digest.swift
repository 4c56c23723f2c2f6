import CCrypto
import Foundation

/// A SHA-256 content digest, written as 64 lowercase hex digits.
public struct Digest: Sendable, Hashable, CustomStringConvertible, Comparable {
    public var hex: String

    public init(hex: String) { self.hex = hex }

    public var description: String { hex }
    public static func < (a: Digest, b: Digest) -> Bool { a.hex < b.hex }

    /// The first 12 hex digits, enough to tell digests apart in messages.
    public var short: String { String(hex.prefix(12)) }

    public static func of(_ bytes: some ContiguousBytes) -> Digest {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finish()
    }

    public static func of(_ text: String) -> Digest { of(Array(text.utf8)) }

    /// Hashes a file in 1 MiB pieces, never holding it whole in memory.
    public static func of(fileAt path: String) throws -> Digest {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw EngineError.io("cannot read \(path)")
        }
        defer { try? handle.close() }
        return try of(descriptor: handle.fileDescriptor, file: path)
    }

    /// Hashes what remains of an open file from its current offset, in 1 MiB pieces.
    public static func of(descriptor fd: Int32, file: String) throws -> Digest {
        var hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw EngineError.io("cannot read \(file): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return hasher.finish()
    }
}

/// Incremental SHA-256 through OpenSSL's EVP interface (hardware SHA extensions where present).
struct SHA256Hasher {
    private let context: OpaquePointer

    init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    mutating func update(_ bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { buffer in
            _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        }
    }

    func finish() -> Digest {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &output, &length)
        EVP_MD_CTX_free(context)
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in output {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 15)])
        }
        return Digest(hex: String(decoding: hex, as: UTF8.self))
    }
}
