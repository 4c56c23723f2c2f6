// The driver itself is in libFuzzer (linked by -sanitize=fuzzer); this target only declares it.
#include "CFuzzerDriver.h"
