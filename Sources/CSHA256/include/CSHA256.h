// The SHA-256 block function on the x86 SHA extensions, for the WhatsAppArchiver module's SHA256 type.
//
// The only C in the package. Swift cannot name these instructions, and hashing an attachment beside its base64
// stream is bound by SHA-256: the hardware block function is about four times the portable Swift one. The Swift
// side asks csha256_has_hardware() once and keeps its portable block function for every other machine.
#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Whether this CPU runs csha256_compress_blocks: 1 on x86_64 with the SHA extensions, SSE4.1 and SSSE3,
/// else 0 (always 0 on other architectures).
int csha256_has_hardware(void);

/// Runs the SHA-256 compression function (FIPS 180-4, 6.2.2) over `blocks` consecutive 64-byte blocks at
/// `data` (any alignment), updating the eight chaining values in `state` (H0 to H7, native integers).
/// Call only when csha256_has_hardware() returned 1: elsewhere it aborts.
void csha256_compress_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#ifdef __cplusplus
}
#endif

#endif
