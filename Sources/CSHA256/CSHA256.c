// SHA-256 block function on the x86 SHA extensions (SHA-NI), written from FIPS 180-4 and the instruction
// definitions in the Intel SDM. No compiler flags: the one function that uses the instructions carries a target
// attribute, so the package builds for any x86_64 (and any other architecture), and the Swift side calls it only
// after csha256_has_hardware() said yes.
#include "CSHA256.h"

#include <stdlib.h>

#if defined(__x86_64__)

#include <cpuid.h>
#include <immintrin.h>

int csha256_has_hardware(void) {
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    // Leaf 1: SSSE3 (ECX bit 9) for the byte shuffle that makes words big-endian, SSE4.1 (ECX bit 19) for the
    // blend that packs the state.
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    if (!(ecx & (1u << 9)) || !(ecx & (1u << 19))) return 0;
    // Leaf 7, subleaf 0: SHA (EBX bit 29). __get_cpuid_count fails when leaf 7 is beyond the maximum leaf.
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx & (1u << 29)) ? 1 : 0;
}

// The 64 round constants (FIPS 180-4, 4.2.2), read four at a time and added to four schedule words.
static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// Four rounds t..t+3 with the schedule words in `words` (lane 0 is W[t]). SHA256RNDS2 does two rounds from the
// low two lanes of its third operand (W + K already added) and returns the new {A,B,E,F}; the old {A,B,E,F} is
// then exactly the new {C,D,G,H}, so the two state registers swap roles between the two halves.
#define FOUR_ROUNDS(words, t)                                                                      \
    do {                                                                                           \
        __m128i sum = _mm_add_epi32((words), _mm_loadu_si128((const __m128i *)&round_constants[t])); \
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, sum);                                             \
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(sum, 0x0E));                    \
    } while (0)

// W[t..t+3] from the previous sixteen words, which sit in `oldest` (W[t-16..t-13]), `older` (W[t-12..t-9]),
// `newer` (W[t-8..t-5]) and `newest` (W[t-4..t-1]); the result replaces `oldest`.
// SHA256MSG1 adds sigma0(W[t-15..t-12]) to W[t-16..t-13]; the W[t-7..t-4] term is the four words straddling
// `newer` and `newest`; SHA256MSG2 adds sigma1 of W[t-2], W[t-1] and then of the two words it just made.
#define NEXT_WORDS(oldest, older, newer, newest)                                                  \
    (oldest) = _mm_sha256msg2_epu32(                                                              \
        _mm_add_epi32(_mm_sha256msg1_epu32((oldest), (older)), _mm_alignr_epi8((newest), (newer), 4)), \
        (newest))

__attribute__((target("sha,sse4.1,ssse3")))
static void compress_blocks_sha_extensions(uint32_t state[8], const uint8_t *data, size_t blocks) {
    // Message words are big-endian; this shuffle reverses the bytes of each 32-bit lane.
    const __m128i big_endian = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);

    // The instructions want the working variables as {A,B,E,F} and {C,D,G,H}, highest lane first.
    __m128i abcd = _mm_loadu_si128((const __m128i *)&state[0]);  // lanes A B C D (lane 0 first)
    __m128i efgh = _mm_loadu_si128((const __m128i *)&state[4]);  // lanes E F G H
    __m128i badc = _mm_shuffle_epi32(abcd, 0xB1);                // lanes B A D C
    __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1B);                // lanes H G F E
    __m128i abef = _mm_alignr_epi8(badc, hgfe, 8);               // lanes F E B A
    __m128i cdgh = _mm_blend_epi16(hgfe, badc, 0xF0);            // lanes H G D C

    for (size_t block = 0; block < blocks; block++, data += 64) {
        const __m128i saved_abef = abef;
        const __m128i saved_cdgh = cdgh;

        __m128i w0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 0)), big_endian);
        __m128i w1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16)), big_endian);
        __m128i w2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 32)), big_endian);
        __m128i w3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 48)), big_endian);

        FOUR_ROUNDS(w0, 0);
        FOUR_ROUNDS(w1, 4);
        FOUR_ROUNDS(w2, 8);
        FOUR_ROUNDS(w3, 12);
        // Rounds 16 to 63: each group of four first replaces the oldest four schedule words.
        NEXT_WORDS(w0, w1, w2, w3); FOUR_ROUNDS(w0, 16);
        NEXT_WORDS(w1, w2, w3, w0); FOUR_ROUNDS(w1, 20);
        NEXT_WORDS(w2, w3, w0, w1); FOUR_ROUNDS(w2, 24);
        NEXT_WORDS(w3, w0, w1, w2); FOUR_ROUNDS(w3, 28);
        NEXT_WORDS(w0, w1, w2, w3); FOUR_ROUNDS(w0, 32);
        NEXT_WORDS(w1, w2, w3, w0); FOUR_ROUNDS(w1, 36);
        NEXT_WORDS(w2, w3, w0, w1); FOUR_ROUNDS(w2, 40);
        NEXT_WORDS(w3, w0, w1, w2); FOUR_ROUNDS(w3, 44);
        NEXT_WORDS(w0, w1, w2, w3); FOUR_ROUNDS(w0, 48);
        NEXT_WORDS(w1, w2, w3, w0); FOUR_ROUNDS(w1, 52);
        NEXT_WORDS(w2, w3, w0, w1); FOUR_ROUNDS(w2, 56);
        NEXT_WORDS(w3, w0, w1, w2); FOUR_ROUNDS(w3, 60);

        // The feed-forward of FIPS 180-4 6.2.2 step 4, lane by lane in the packed layout.
        abef = _mm_add_epi32(abef, saved_abef);
        cdgh = _mm_add_epi32(cdgh, saved_cdgh);
    }

    // Back to H0..H7 in order.
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);      // lanes A B E F
    __m128i hgdc = _mm_shuffle_epi32(cdgh, 0xB1);      // lanes G H C D
    abcd = _mm_blend_epi16(feba, hgdc, 0xF0);          // lanes A B C D
    efgh = _mm_alignr_epi8(hgdc, feba, 8);             // lanes E F G H
    _mm_storeu_si128((__m128i *)&state[0], abcd);
    _mm_storeu_si128((__m128i *)&state[4], efgh);
}

void csha256_compress_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    compress_blocks_sha_extensions(state, data, blocks);
}

#else

int csha256_has_hardware(void) { return 0; }

void csha256_compress_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    // Never called: the Swift side asks csha256_has_hardware() first. Stopping beats returning a wrong digest.
    (void)state;
    (void)data;
    (void)blocks;
    abort();
}

#endif
