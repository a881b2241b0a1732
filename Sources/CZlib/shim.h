// zlib, as every Linux distribution and macOS ship it: inflate and deflate for ZIP archives, crc32 for their entries.
#include <zlib.h>
