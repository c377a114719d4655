#ifndef KEYWATCH_BYTESCAN_H
#define KEYWATCH_BYTESCAN_H

// Sixteen bytes at a time for the JSON scanner: Swift has no portable way to turn a vector
// comparison into a bit mask (x86's pmovmskb), so these few lines are C, inlined into Swift.

#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define KEYWATCH_HAS_SSE2 1

/// A mask with bit k set when byte k of the 16 at `p` needs attention inside a JSON string:
/// a quote, a backslash, a control character (below 0x20) or a non-ASCII byte.
static inline uint32_t keywatch_string_special_mask16(const uint8_t *p) {
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
    return (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), _mm_or_si128(control, v)));
}

/// The same mask for the 64 bytes at `p`: bit k for byte k.
static inline uint64_t keywatch_string_special_mask64(const uint8_t *p) {
    return (uint64_t)keywatch_string_special_mask16(p)
        | (uint64_t)keywatch_string_special_mask16(p + 16) << 16
        | (uint64_t)keywatch_string_special_mask16(p + 32) << 32
        | (uint64_t)keywatch_string_special_mask16(p + 48) << 48;
}
#else
#define KEYWATCH_HAS_SSE2 0
#endif

#endif
