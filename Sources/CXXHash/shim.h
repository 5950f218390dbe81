// xxHash from Debian's libxxhash-dev: the hash Prometheus uses for label sets.
#include <xxhash.h>
