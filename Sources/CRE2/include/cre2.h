// A small C API over Google's RE2 (Debian's libre2-dev), so Swift gets RE2's syntax and
// linear-time matching: the same syntax as Go's regexp, which Prometheus uses.
#ifndef PHAROS_CRE2_H
#define PHAROS_CRE2_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pharos_re2 pharos_re2;

/// Compiles `pattern` (UTF-8, `length` bytes). On failure returns NULL and writes a
/// NUL-terminated message into `error` (at most `error_capacity` bytes).
pharos_re2 *pharos_re2_compile(const char *pattern, size_t length, char *error, size_t error_capacity);

/// Frees a compiled expression.
void pharos_re2_free(pharos_re2 *re);

/// 1 if the whole of `text` matches, else 0.
int pharos_re2_full_match(const pharos_re2 *re, const char *text, size_t length);

/// 1 if some part of `text` matches, else 0.
int pharos_re2_partial_match(const pharos_re2 *re, const char *text, size_t length);

/// The number of capturing groups (not counting group 0).
int pharos_re2_group_count(const pharos_re2 *re);

/// The index of the named group `name`, or -1 if the expression has no such group.
int pharos_re2_named_group(const pharos_re2 *re, const char *name, size_t length);

/// Matches the whole of `text` and writes byte offsets of group i into bounds[2i], bounds[2i+1]
/// for i in 0..<group_count (group 0 is the whole match); -1 marks a group that did not take
/// part. Returns 1 on a match, 0 otherwise.
int pharos_re2_full_match_groups(const pharos_re2 *re, const char *text, size_t length,
                                 long *bounds, int group_count);

#ifdef __cplusplus
}
#endif

#endif
