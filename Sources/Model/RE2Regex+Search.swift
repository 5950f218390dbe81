internal import CRE2

extension RE2Regex {
    /// Finds the leftmost match in `text` that starts at or after UTF-8 offset `start`, as Go's
    /// regexp does when it scans for successive matches: the whole of `text` is context, so
    /// `^`, `$` and `\b` see the real neighbours rather than the cut at `start`.
    ///
    /// - Returns: the UTF-8 byte ranges of group 0 (the match) through `groupCount`, `nil` for a
    ///   group that did not take part; `nil` when there is no match at or after `start`.
    package func firstMatch(in text: String, from start: Int) -> [Range<Int>?]? {
        let slots = groupCount + 1
        var bounds = [Int](repeating: -1, count: 2 * slots)
        var text = text
        let matched = text.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { chars in
                bounds.withUnsafeMutableBufferPointer { out in
                    pharos_re2_search_groups(re, chars.baseAddress, chars.count, start, out.baseAddress, Int32(slots))
                }
            }
        }
        guard matched != 0 else { return nil }
        return (0..<slots).map { i in bounds[2 * i] < 0 ? nil : bounds[2 * i]..<bounds[2 * i + 1] }
    }
}
