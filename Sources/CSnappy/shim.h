// Snappy's C API from Debian's libsnappy-dev: the block format remote write/read bodies use.
#include <snappy-c.h>
