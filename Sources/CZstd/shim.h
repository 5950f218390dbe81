// Debian's libzstd (libzstd-dev): the compression of stream record payloads.
#include <zstd.h>
