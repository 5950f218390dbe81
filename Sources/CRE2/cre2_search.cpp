#include "cre2_search.h"

#include <re2/re2.h>

#include <vector>

// The same definition as in cre2.cpp, token for token (the one-definition rule allows a class
// to be defined in several translation units only so).
struct pharos_re2 {
    re2::RE2 re;
    explicit pharos_re2(re2::StringPiece pattern, const re2::RE2::Options &options) : re(pattern, options) {}
};

extern "C" int pharos_re2_search_groups(const pharos_re2 *re, const char *text, size_t length, size_t start,
                                        long *bounds, int group_count) {
    if (group_count < 1 || start > length) {
        return 0;
    }
    re2::StringPiece input(text, length);
    std::vector<re2::StringPiece> groups(static_cast<size_t>(group_count));
    if (!re->re.Match(input, start, length, re2::RE2::UNANCHORED, groups.data(), group_count)) {
        return 0;
    }
    for (int i = 0; i < group_count; i++) {
        const re2::StringPiece &g = groups[static_cast<size_t>(i)];
        if (g.data() == nullptr) {
            bounds[2 * i] = -1;
            bounds[2 * i + 1] = -1;
        } else {
            bounds[2 * i] = static_cast<long>(g.data() - text);
            bounds[2 * i + 1] = static_cast<long>(g.data() - text + g.size());
        }
    }
    return 1;
}
