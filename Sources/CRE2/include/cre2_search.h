// Unanchored search from a start offset, for Go's regexp.ReplaceAllString semantics
// (template functions). Kept apart from cre2.h so the matcher API stays small.
#ifndef PHAROS_CRE2_SEARCH_H
#define PHAROS_CRE2_SEARCH_H

#include <stddef.h>
#include "cre2.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Searches `text` (all `length` bytes are context, so `^` and `\b` see the real text) for the
/// leftmost match starting at or after byte `start`, and writes byte offsets of group i into
/// bounds[2i], bounds[2i+1] for i in 0..<group_count (-1 for a group that did not take part).
/// Returns 1 on a match, 0 otherwise.
int pharos_re2_search_groups(const pharos_re2 *re, const char *text, size_t length, size_t start,
                             long *bounds, int group_count);

#ifdef __cplusplus
}
#endif

#endif
