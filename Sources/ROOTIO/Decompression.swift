import CCodecs
import CZlib

/// ROOT's compressed records: one or more blocks, each with a 9-byte header — two letters naming the
/// algorithm (ZL zlib, XZ lzma, L4 lz4, ZS zstd), a method byte, then the compressed and uncompressed
/// sizes as 3-byte little-endian numbers. LZ4 blocks start with an 8-byte XXH64 checksum of the data.
enum Decompression {
    static func inflate(_ source: ArraySlice<UInt8>, into size: Int) throws -> [UInt8] {
        guard size >= 0 else { throw ROOTError.corrupt("a record claims \(size) uncompressed bytes") }
        // Room grows with the bytes actually decoded, so a damaged header's size alone never decides an
        // allocation; every byte is written by the blocks below, so no zeroing first.
        var output = uninitialized(min(size, max(1 << 16, source.count * 32)), copying: [], count: 0)
        var written = 0, position = source.startIndex
        while written < size {
            guard position + 9 <= source.endIndex else { throw ROOTError.corrupt("compressed record ends inside a block header") }
            let algorithm = String(decoding: source[position..<position + 2], as: UTF8.self)
            let compressed = Int(source[position + 3]) | Int(source[position + 4]) << 8 | Int(source[position + 5]) << 16
            let uncompressed = Int(source[position + 6]) | Int(source[position + 7]) << 8 | Int(source[position + 8]) << 16
            let body = position + 9
            guard body + compressed <= source.endIndex, written + uncompressed <= size else {
                throw ROOTError.corrupt("\(algorithm) block sizes (\(compressed) → \(uncompressed)) overrun the record")
            }
            if written + uncompressed > output.count {
                output = uninitialized(min(size, max(output.count * 2, written + uncompressed)), copying: output, count: written)
            }
            try source.withUnsafeBufferPointer { input in
                try output.withUnsafeMutableBufferPointer { out in
                    let src = input.baseAddress! + (body - source.startIndex)
                    let dst = out.baseAddress! + written
                    try decode(algorithm, src, compressed, dst, uncompressed)
                }
            }
            written += uncompressed
            position = body + compressed
        }
        return output
    }

    /// `capacity` bytes, the first `count` copied from `old`, the rest left for the decoder to write.
    private static func uninitialized(_ capacity: Int, copying old: [UInt8], count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            old.withUnsafeBufferPointer { kept in
                if count > 0 { buffer.baseAddress!.update(from: kept.baseAddress!, count: count) }
            }
            initialized = capacity
        }
    }

    private static func decode(_ algorithm: String, _ src: UnsafePointer<UInt8>, _ count: Int,
                               _ dst: UnsafeMutablePointer<UInt8>, _ size: Int) throws {
        switch algorithm {
        case "ZL":
            var stream = z_stream()
            guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw ROOTError.corrupt("zlib could not start")
            }
            defer { inflateEnd(&stream) }
            stream.next_in = UnsafeMutablePointer(mutating: src)
            stream.avail_in = UInt32(count)
            stream.next_out = dst
            stream.avail_out = UInt32(size)
            let status = CZlib.inflate(&stream, Z_FINISH)
            guard status == Z_STREAM_END, Int(stream.total_out) == size else {
                throw ROOTError.corrupt("zlib block does not inflate to \(size) bytes (status \(status))")
            }
        case "L4":
            guard count >= 8 else { throw ROOTError.corrupt("LZ4 block shorter than its checksum") }
            var expected: UInt64 = 0
            for i in 0..<8 { expected = expected << 8 | UInt64(src[i]) }
            let actual = XXH64(src + 8, count - 8, 0)
            guard actual == expected else { throw ROOTError.corrupt("LZ4 block checksum mismatch") }
            let n = src.withMemoryRebound(to: CChar.self, capacity: count) { s in
                dst.withMemoryRebound(to: CChar.self, capacity: size) { d in
                    LZ4_decompress_safe(s + 8, d, Int32(count - 8), Int32(size))
                }
            }
            guard Int(n) == size else { throw ROOTError.corrupt("LZ4 block does not decompress to \(size) bytes") }
        case "ZS":
            let n = ZSTD_decompress(dst, size, src, count)
            guard ZSTD_isError(n) == 0, n == size else {
                throw ROOTError.corrupt("ZSTD block does not decompress to \(size) bytes")
            }
        case "XZ":
            // A damaged header could ask for any dictionary size; ROOT's presets need at most 64 MB.
            var memlimit: UInt64 = 1 << 28
            var inPosition = 0, outPosition = 0
            let status = lzma_stream_buffer_decode(&memlimit, 0, nil, src, &inPosition, count, dst, &outPosition, size)
            guard status == LZMA_OK, outPosition == size else {
                throw ROOTError.corrupt("LZMA block does not decompress to \(size) bytes (status \(status.rawValue))")
            }
        default:
            throw ROOTError.unsupported("compression algorithm '\(algorithm)'")
        }
    }
}
