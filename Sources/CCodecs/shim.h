// The compression libraries ROOT files use besides zlib: LZ4 (with its xxhash checksum), ZSTD and LZMA.
#include <lz4.h>
#include <zstd.h>
#include <lzma.h>
#include <xxhash.h>
