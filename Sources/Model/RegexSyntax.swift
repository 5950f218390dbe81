/// The shapes of regular expression `FastRegexMatcher` can answer without RE2, parsed from
/// Go/RE2 syntax. Groups (capturing or not) are transparent: they do not change what matches.
indirect enum RegexNode: Equatable, Sendable {
    /// Matches only the empty string.
    case empty
    /// A literal (UTF-8); `foldCase` under `(?i)`.
    case literal([UInt8], foldCase: Bool)
    /// `.`, which matches any character including `\n` (patterns are compiled as `(?s:…)`).
    case anyChar
    /// `^` outside multi-line mode: the beginning of the text.
    case beginText
    /// `$` outside multi-line mode: the end of the text.
    case endText
    /// `.*` (also `.*?`).
    case anyString
    /// `.+` (also `.+?`).
    case nonEmptyString
    /// `.?` (also `.??`).
    case optionalChar
    /// `[…]` without negation, escapes or case folding: the scalar ranges it accepts.
    case charClass([ClosedRange<UInt32>])
    case concat([RegexNode])
    case alternate([RegexNode])
}

/// A recursive-descent parser for the subset of Go's regexp syntax that `RegexNode` describes.
///
/// It never decides validity: RE2 has compiled the pattern first, so the parser may assume the
/// syntax is valid and returns `nil` for anything it does not model exactly (classes with
/// escapes, repetitions other than `.*`, `.+`, `.?`, flags other than `i` and `s`, `\d`, `\b`,
/// `\Q…\E`, `{n,m}`, …). `nil` only means "no fast path": RE2 then answers.
struct RegexSyntaxParser {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    /// Nesting depth, bounded so that hostile patterns cannot exhaust the stack.
    private var depth = 0
    private static let maxDepth = 64

    /// Parses `pattern`, or returns `nil` when it leaves the supported subset.
    static func parse(_ pattern: String) -> RegexNode? {
        var parser = RegexSyntaxParser(scalars: Array(pattern.unicodeScalars))
        var fold = false
        guard let node = parser.parseAlternation(fold: &fold), parser.index == parser.scalars.count else { return nil }
        return node
    }

    private init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    private var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    /// `a|b|…` up to a `)` or the end. `(?i)` set inside carries over `|`, as in Go, until the
    /// enclosing group closes (the caller restores its own flags).
    private mutating func parseAlternation(fold: inout Bool) -> RegexNode? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { return nil }
        var branches: [RegexNode] = []
        while true {
            guard let branch = parseConcat(fold: &fold) else { return nil }
            branches.append(branch)
            guard peek == "|" else { break }
            index += 1
        }
        return branches.count == 1 ? branches[0] : .alternate(branches)
    }

    private mutating func parseConcat(fold: inout Bool) -> RegexNode? {
        var items: [RegexNode] = []
        func appendLiteral(_ scalar: Unicode.Scalar, fold: Bool) {
            let bytes = Array(String(scalar).utf8)
            if case .literal(let previous, let previousFold)? = items.last, previousFold == fold {
                items[items.count - 1] = .literal(previous + bytes, foldCase: fold)
            } else {
                items.append(.literal(bytes, foldCase: fold))
            }
        }
        while let scalar = peek, scalar != "|", scalar != ")" {
            index += 1
            switch scalar {
            case ".":
                items.append(parseRepetition(of: .anyChar))
            case "^":
                items.append(.beginText)
            case "$":
                items.append(.endText)
            case "(":
                guard let group = parseGroup(fold: &fold) else { return nil }
                if let group { items.append(group) }
            case "[":
                guard let node = parseClass(fold: fold) else { return nil }
                items.append(node)
            case "\\":
                guard let escaped = parseEscape() else { return nil }
                appendLiteral(escaped, fold: fold)
            case "*", "+", "?", "{", "]", "}":
                // Repetition of something other than `.` (or a literal brace): RE2's business.
                return nil
            default:
                appendLiteral(scalar, fold: fold)
            }
            if isRepetition(peek) { return nil }
        }
        switch items.count {
        case 0: return .empty
        case 1: return items[0]
        default: return .concat(items)
        }
    }

    private func isRepetition(_ scalar: Unicode.Scalar?) -> Bool {
        scalar == "*" || scalar == "+" || scalar == "?" || scalar == "{"
    }

    /// `.` possibly followed by `*`, `+` or `?` (and a non-greedy `?`, which does not change
    /// whether a string matches).
    private mutating func parseRepetition(of node: RegexNode) -> RegexNode {
        let repeated: RegexNode
        switch peek {
        case "*": repeated = .anyString
        case "+": repeated = .nonEmptyString
        case "?": repeated = .optionalChar
        default: return node
        }
        index += 1
        if peek == "?" { index += 1 }
        return repeated
    }

    /// After `(`: a group, or a flag setting. Returns `.some(nil)` for a flag setting (no node),
    /// `nil` when unsupported.
    private mutating func parseGroup(fold: inout Bool) -> RegexNode?? {
        var inner = fold
        if peek == "?" {
            index += 1
            if peek == "P" { index += 1 }
            if peek == "<" {
                // Named group: skip the name.
                while let scalar = peek, scalar != ">" { index += 1 }
                guard peek == ">" else { return nil }
                index += 1
            } else {
                // Flags: only `i` and `s` (a no-op, `.` already matches `\n`), no negation.
                var flags = fold
                while let scalar = peek, scalar != ")", scalar != ":" {
                    switch scalar {
                    case "i": flags = true
                    case "s": break
                    default: return nil
                    }
                    index += 1
                }
                guard let end = peek else { return nil }
                index += 1
                if end == ")" {
                    fold = flags
                    return .some(nil)
                }
                inner = flags
            }
        }
        guard let node = parseAlternation(fold: &inner), peek == ")" else { return nil }
        index += 1
        return .some(node)
    }

    /// After `\`: an escaped punctuation character or a control-character escape.
    private mutating func parseEscape() -> Unicode.Scalar? {
        guard let scalar = peek else { return nil }
        index += 1
        switch scalar {
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "f": return "\u{0C}"
        case "v": return "\u{0B}"
        case "a": return "\u{07}"
        default:
            // Go and RE2: an escaped ASCII character that is not a letter or digit is itself.
            guard scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar) else { return nil }
            return scalar
        }
    }

    /// After `[`: a class of plain scalars and ranges, no negation, escapes or POSIX names.
    private mutating func parseClass(fold: Bool) -> RegexNode? {
        guard !fold, peek != "^" else { return nil }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        while let scalar = peek {
            if scalar == "]" && !first { break }
            guard scalar != "\\", scalar != "[" else { return nil }
            // A `-` that is not first or last is a range operator RE2 and Go read differently
            // in corner cases (`[a-b-c]`): leave those to RE2.
            if scalar == "-", !first, index + 1 < scalars.count, scalars[index + 1] != "]" { return nil }
            index += 1
            first = false
            var upper = scalar
            if peek == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                upper = scalars[index + 1]
                guard upper != "\\", upper != "[" else { return nil }
                index += 2
            }
            guard scalar.value <= upper.value else { return nil }
            ranges.append(scalar.value...upper.value)
        }
        guard peek == "]" else { return nil }
        index += 1
        return .charClass(ranges)
    }
}
