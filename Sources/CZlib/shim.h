#include <zlib.h>

// deflateInit2 and inflateInit2 are macros that pass the library version and stream size; Swift cannot call them.
static inline int keywatch_inflate_init2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
static inline int keywatch_deflate_init2(z_streamp stream, int level, int windowBits) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
