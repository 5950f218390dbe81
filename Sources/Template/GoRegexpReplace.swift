import Model

/// Go's `regexp.Regexp.ReplaceAllString` over RE2: successive leftmost matches, no
/// replacement for an empty match right after a previous match, and `$1`/`${name}` expansion.
enum GoRegexpReplace {
    static func replaceAll(_ regex: RE2Regex, in text: String, with template: String) -> String {
        let src = Array(text.utf8)
        var out: [UInt8] = []
        var lastMatchEnd = 0
        var searchPos = 0
        while searchPos <= src.count {
            guard let groups = regex.firstMatch(in: text, from: searchPos), let whole = groups[0] else { break }
            out.append(contentsOf: src[lastMatchEnd..<whole.lowerBound])
            if whole.upperBound > lastMatchEnd || whole.lowerBound == 0 {
                expand(template, regex: regex, src: src, groups: groups, into: &out)
            }
            lastMatchEnd = whole.upperBound
            let width = searchPos < src.count ? utf8Width(src[searchPos]) : 0
            if searchPos + width > whole.upperBound {
                searchPos += width
            } else if searchPos + 1 > whole.upperBound {
                searchPos += 1
            } else {
                searchPos = whole.upperBound
            }
        }
        out.append(contentsOf: src[min(lastMatchEnd, src.count)...])
        return String(decoding: out, as: UTF8.self)
    }

    private static func utf8Width(_ lead: UInt8) -> Int {
        switch lead {
        case 0..<0x80: 1
        case 0xC0..<0xE0: 2
        case 0xE0..<0xF0: 3
        case 0xF0..<0xF8: 4
        default: 1
        }
    }

    /// Go's `Regexp.Expand` for a string template.
    static func expand(_ template: String, regex: RE2Regex, src: [UInt8], groups: [Range<Int>?], into out: inout [UInt8]) {
        let t = Array(template.unicodeScalars)
        var i = 0
        func appendGroup(_ index: Int) {
            if index < groups.count, let range = groups[index] { out.append(contentsOf: src[range]) }
        }
        while i < t.count {
            guard t[i] == "$" else {
                out.append(contentsOf: String(t[i]).utf8)
                i += 1
                continue
            }
            if i + 1 < t.count, t[i + 1] == "$" {
                out.append(UInt8(ascii: "$"))
                i += 2
                continue
            }
            var j = i + 1
            let brace = j < t.count && t[j] == "{"
            if brace { j += 1 }
            let nameStart = j
            while j < t.count, t[j].properties.isAlphabetic || t[j].properties.numericType == .decimal || t[j] == "_" { j += 1 }
            let name = String(String.UnicodeScalarView(t[nameStart..<j]))
            if name.isEmpty || (brace && (j >= t.count || t[j] != "}")) {
                out.append(UInt8(ascii: "$"))   // malformed: the `$` is literal
                i += 1
                continue
            }
            if brace { j += 1 }
            i = j
            if let number = Int(name), name.allSatisfy(\.isASCII), name.count < 9, !(name.hasPrefix("0") && name.count > 1) {
                appendGroup(number)
            } else if let index = regex.groupIndex(named: name) {
                appendGroup(index)
            }
        }
    }
}
