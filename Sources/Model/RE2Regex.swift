internal import CRE2

/// A regular expression compiled by Google's RE2: Go's regexp syntax (which Prometheus uses),
/// matched in linear time. Backreferences and look-around are refused, as in Go.
///
/// `@unchecked Sendable`: RE2 objects are immutable after construction and RE2 documents
/// its matching methods as safe to call from many threads at once.
package final class RE2Regex: @unchecked Sendable {
    let re: OpaquePointer
    /// The expression as given.
    package let pattern: String
    /// The number of capturing groups, not counting the whole match.
    package let groupCount: Int

    /// Compiles `pattern` as given (no anchors added).
    package init(_ pattern: String) throws(ModelError) {
        var errorBuffer = [CChar](repeating: 0, count: 256)
        var source = Self.namedGroupsAsRE2(pattern)
        let compiled = source.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { chars in
                pharos_re2_compile(chars.baseAddress, chars.count, &errorBuffer, errorBuffer.count)
            }
        }
        guard let compiled else {
            let reason = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .invalidRegex(pattern: pattern, reason: reason)
        }
        re = compiled
        self.pattern = pattern
        groupCount = Int(pharos_re2_group_count(compiled))
    }

    /// Compiles `pattern` anchored at both ends with `.` matching newlines, as Prometheus
    /// compiles matcher and relabel regexes (`^(?s:pattern)$`).
    package convenience init(anchored pattern: String) throws(ModelError) {
        do {
            try self.init("^(?s:" + pattern + ")$")
        } catch {
            guard case .invalidRegex(_, let reason) = error else { throw error }
            throw .invalidRegex(pattern: pattern, reason: reason)
        }
    }

    deinit { pharos_re2_free(re) }

    /// Go (1.22+) accepts `(?<name>re)` for a named group; Debian's RE2 (2022) knows only
    /// `(?P<name>re)`. Rewrites the former to the latter outside escapes, `\Q…\E` and
    /// character classes. `(?<=` and `(?<!` (look-behind) are left for RE2 to refuse, as Go does.
    static func namedGroupsAsRE2(_ pattern: String) -> String {
        let bytes = Array(pattern.utf8)
        guard bytes.count >= 4, pattern.utf8.contains(UInt8(ascii: "<")) else { return pattern }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 4)
        var i = 0
        var inClass = false
        func at(_ k: Int) -> UInt8? { k < bytes.count ? bytes[k] : nil }
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\\") {
                if !inClass, at(i + 1) == UInt8(ascii: "Q") {
                    // Literal text up to `\E` (or the end).
                    var j = i + 2
                    while j < bytes.count, !(bytes[j] == UInt8(ascii: "\\") && at(j + 1) == UInt8(ascii: "E")) { j += 1 }
                    let end = min(j + 2, bytes.count)
                    out.append(contentsOf: bytes[i..<end])
                    i = end
                    continue
                }
                let end = min(i + 2, bytes.count)
                out.append(contentsOf: bytes[i..<end])
                i = end
                continue
            }
            if inClass {
                if byte == UInt8(ascii: "["), at(i + 1) == UInt8(ascii: ":") {
                    // A POSIX class such as `[:alpha:]` inside a bracket expression.
                    var j = i + 2
                    while j + 1 < bytes.count, !(bytes[j] == UInt8(ascii: ":") && bytes[j + 1] == UInt8(ascii: "]")) { j += 1 }
                    let end = min(j + 2, bytes.count)
                    out.append(contentsOf: bytes[i..<end])
                    i = end
                    continue
                }
                if byte == UInt8(ascii: "]") { inClass = false }
                out.append(byte)
                i += 1
                continue
            }
            if byte == UInt8(ascii: "[") {
                inClass = true
                out.append(byte)
                i += 1
                // `]` right after `[` or `[^` is a literal member.
                if at(i) == UInt8(ascii: "^") { out.append(bytes[i]); i += 1 }
                if at(i) == UInt8(ascii: "]") { out.append(bytes[i]); i += 1 }
                continue
            }
            if byte == UInt8(ascii: "("), at(i + 1) == UInt8(ascii: "?"), at(i + 2) == UInt8(ascii: "<"),
                let next = at(i + 3), next != UInt8(ascii: "="), next != UInt8(ascii: "!")
            {
                out.append(contentsOf: "(?P<".utf8)
                i += 3
                continue
            }
            out.append(byte)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether all of `text` matches.
    package func matchesWhole(_ text: String) -> Bool {
        Self.withBytes(text) { pharos_re2_full_match(re, $0.baseAddress, $0.count) != 0 }
    }

    /// Whether all of `bytes` (UTF-8) matches.
    package func matchesWhole(_ bytes: UnsafeRawBufferPointer) -> Bool {
        pharos_re2_full_match(re, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count) != 0
    }

    /// Whether some part of `text` matches.
    package func matchesPart(of text: String) -> Bool {
        Self.withBytes(text) { pharos_re2_partial_match(re, $0.baseAddress, $0.count) != 0 }
    }

    /// The index of the capturing group called `name`, or `nil`.
    package func groupIndex(named name: String) -> Int? {
        let index = Self.withBytes(name) { pharos_re2_named_group(re, $0.baseAddress, $0.count) }
        return index < 0 ? nil : Int(index)
    }

    /// Matches all of `text` and returns the UTF-8 byte ranges of group 0 (the whole match)
    /// through `groupCount`; `nil` for a group that did not take part. `nil` if no match.
    package func wholeMatchGroups(_ text: String) -> [Range<Int>?]? {
        let slots = groupCount + 1
        var bounds = [Int](repeating: -1, count: 2 * slots)
        let matched = Self.withBytes(text) { chars in
            bounds.withUnsafeMutableBufferPointer { out in
                pharos_re2_full_match_groups(re, chars.baseAddress, chars.count, out.baseAddress, Int32(slots))
            }
        }
        guard matched != 0 else { return nil }
        return (0..<slots).map { i in bounds[2 * i] < 0 ? nil : bounds[2 * i]..<bounds[2 * i + 1] }
    }

    private static func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<CChar>) -> R) -> R {
        var text = text
        return text.withUTF8 { utf8 in utf8.withMemoryRebound(to: CChar.self, body) }
    }
}
