#include "cre2.h"

#include <re2/re2.h>

#include <cstring>
#include <string>
#include <vector>

struct pharos_re2 {
    re2::RE2 re;
    explicit pharos_re2(re2::StringPiece pattern, const re2::RE2::Options &options) : re(pattern, options) {}
};

extern "C" pharos_re2 *pharos_re2_compile(const char *pattern, size_t length, char *error, size_t error_capacity) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    options.set_encoding(re2::RE2::Options::EncodingUTF8);
    auto *re = new pharos_re2(re2::StringPiece(pattern, length), options);
    if (re->re.ok()) {
        return re;
    }
    if (error != nullptr && error_capacity > 0) {
        const std::string &message = re->re.error();
        size_t n = message.size() < error_capacity - 1 ? message.size() : error_capacity - 1;
        std::memcpy(error, message.data(), n);
        error[n] = '\0';
    }
    delete re;
    return nullptr;
}

extern "C" void pharos_re2_free(pharos_re2 *re) { delete re; }

extern "C" int pharos_re2_full_match(const pharos_re2 *re, const char *text, size_t length) {
    return re2::RE2::FullMatch(re2::StringPiece(text, length), re->re) ? 1 : 0;
}

extern "C" int pharos_re2_partial_match(const pharos_re2 *re, const char *text, size_t length) {
    return re2::RE2::PartialMatch(re2::StringPiece(text, length), re->re) ? 1 : 0;
}

extern "C" int pharos_re2_group_count(const pharos_re2 *re) { return re->re.NumberOfCapturingGroups(); }

extern "C" int pharos_re2_named_group(const pharos_re2 *re, const char *name, size_t length) {
    const auto &groups = re->re.NamedCapturingGroups();
    auto it = groups.find(std::string(name, length));
    return it == groups.end() ? -1 : it->second;
}

extern "C" int pharos_re2_full_match_groups(const pharos_re2 *re, const char *text, size_t length,
                                            long *bounds, int group_count) {
    if (group_count < 1) {
        return 0;
    }
    re2::StringPiece input(text, length);
    std::vector<re2::StringPiece> groups(static_cast<size_t>(group_count));
    if (!re->re.Match(input, 0, length, re2::RE2::ANCHOR_BOTH, groups.data(), group_count)) {
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
