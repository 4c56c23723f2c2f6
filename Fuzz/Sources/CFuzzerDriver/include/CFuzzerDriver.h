#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver: parses libFuzzer's options from argv and calls `test` with each input.
/// The fuzz targets call it from their own `main`, since SwiftPM renames an executable's entry point
/// and libFuzzer's `main` is then never linked.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test)(const uint8_t *data, size_t size));
