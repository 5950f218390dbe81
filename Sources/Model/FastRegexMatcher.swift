/// Matches label values against an anchored RE2 expression, skipping RE2 for the shapes that
/// dominate real selectors, as Prometheus's `FastRegexMatcher` (`model/labels/regexp.go`):
/// literals, `a|b|c`, `(?i)` literals, `foo.*`, `.*foo`, `.*foo.*`, `.*(a|b).*`, `.*`, `.+`, and
/// literal prefixes/suffixes checked before RE2 runs.
///
/// RE2 stays the reference: the pattern is always compiled (so invalid syntax is always refused)
/// and a fast path is only taken for patterns `RegexSyntaxParser` models exactly. Where Prometheus
/// trades exactness for speed (its case-insensitive sets compare NFKD-normalised lower case),
/// Pharos keeps RE2's answer.
package struct FastRegexMatcher: Sendable {
    /// How values are matched.
    enum Strategy: Sendable, Equatable {
        /// Entirely without RE2.
        case matcher(StringMatcher)
        /// RE2, after cheap necessary conditions: a literal prefix (`fold` under `(?i)`), a
        /// literal suffix and literals that must appear in order.
        case re2(prefix: [UInt8], prefixFold: Bool, suffix: [UInt8], contains: [[UInt8]])
    }

    let strategy: Strategy
    /// The compiled expression (always compiled, so invalid syntax is always refused).
    let re2: RE2Regex
    /// The values that match, when they are a small finite set of case-sensitive strings.
    private let finiteSet: [[UInt8]]?

    /// Sets larger than this are matched but not offered to an index (Prometheus's `maxSetMatches`).
    static let maxSetMatches = 256

    /// Compiles `pattern` anchored at both ends (`^(?s:pattern)$`).
    ///
    /// - Throws: `ModelError.invalidRegex` when RE2 refuses the pattern.
    package init(_ pattern: String) throws(ModelError) {
        re2 = try RE2Regex(anchored: pattern)
        let node = RegexSyntaxParser.parse(pattern).map(Self.strippingAnchors)
        let set = node.flatMap { Self.expandSet($0) }.map(Self.sortedUnique)
        finiteSet = set
        if let set {
            strategy = .matcher(set.count == 1 ? .equal(set[0]) : .set(set))
        } else if let node, let matcher = Self.matcher(for: node) {
            strategy = .matcher(matcher)
        } else {
            strategy = Self.prefilters(node)
        }
    }

    /// Whether all of `value` matches.
    package func matches(_ value: String) -> Bool {
        // Native strings expose their UTF-8 in place; only a bridged or lazy one is copied.
        if let answer = value.utf8.withContiguousStorageIfAvailable({ matches(bytes: $0) }) { return answer }
        var copy = value
        return copy.withUTF8 { matches(bytes: $0) }
    }

    /// Whether all of `bytes` matches. Internal: the fast paths assume valid UTF-8 (every
    /// `String`, every label set built from them), while RE2 and Go disagree about what `.`
    /// does with a stray byte.
    func matches(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch strategy {
        case .matcher(let matcher):
            return matcher.matches(bytes)
        case .re2(let prefix, let prefixFold, let suffix, let contains):
            if prefixFold {
                guard StringMatcher.foldPrefixLength(bytes, prefix) != nil else { return false }
            } else if !StringMatcher.hasPrefix(bytes, prefix) {
                return false
            }
            guard StringMatcher.hasSuffix(bytes, suffix) else { return false }
            var from = 0
            for literal in contains {
                guard let position = StringMatcher.firstIndex(of: literal, in: bytes, from: from) else { return false }
                from = position + literal.count
            }
            return re2.matchesWhole(UnsafeRawBufferPointer(bytes))
        }
    }

    /// Whether RE2 is skipped entirely.
    package var isOptimized: Bool {
        if case .matcher = strategy { return true }
        return false
    }

    /// The finite set of values that match, sorted by bytes, when the expression is a literal or
    /// a small case-sensitive alternation (`a|b|c`, `(a|b)c`, `x[12]`), else `nil`.
    package var literalAlternatives: [String]? {
        guard let finiteSet, finiteSet.count <= Self.maxSetMatches else { return nil }
        return finiteSet.map { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: - Planning

    /// Removes a `^` at the very start and a `$` at the very end: every Prometheus regex is
    /// anchored anyway. Any other `^`/`$` stays and keeps the fast paths off.
    private static func strippingAnchors(_ node: RegexNode) -> RegexNode {
        switch node {
        case .beginText, .endText:
            return .empty
        case .concat(var items):
            if items.first == .beginText { items.removeFirst() }
            if items.last == .endText { items.removeLast() }
            switch items.count {
            case 0: return .empty
            case 1: return items[0]
            default: return .concat(items)
            }
        default:
            return node
        }
    }

    /// Every string the node matches, when that is a finite set of at most `maxSetMatches`
    /// case-sensitive strings.
    static func expandSet(_ node: RegexNode) -> [[UInt8]]? {
        switch node {
        case .empty:
            return [[]]
        case .literal(let bytes, let fold):
            return fold ? nil : [bytes]
        case .charClass(let ranges):
            var total = 0
            for range in ranges { total += range.count }
            guard total <= maxSetMatches else { return nil }
            var values: [[UInt8]] = []
            for range in ranges {
                for value in range {
                    if let scalar = Unicode.Scalar(value) { values.append(Array(String(scalar).utf8)) }
                }
            }
            return values
        case .alternate(let branches):
            var values: [[UInt8]] = []
            for branch in branches {
                guard let expanded = expandSet(branch), values.count + expanded.count <= maxSetMatches else { return nil }
                values += expanded
            }
            return values
        case .concat(let items):
            var values: [[UInt8]] = [[]]
            for item in items {
                guard let expanded = expandSet(item), values.count * expanded.count <= maxSetMatches else { return nil }
                values = values.flatMap { head in expanded.map { head + $0 } }
            }
            return values
        case .anyChar, .anyString, .nonEmptyString, .optionalChar, .beginText, .endText:
            return nil
        }
    }

    /// A matcher answering exactly as RE2 for `node`, or `nil`.
    static func matcher(for node: RegexNode) -> StringMatcher? {
        if let set = expandSet(node) {
            let sorted = sortedUnique(set)
            return sorted.count == 1 ? .equal(sorted[0]) : .set(sorted)
        }
        switch node {
        case .empty: return .empty
        case .anyString: return .any
        case .nonEmptyString: return .nonEmpty
        case .optionalChar: return .optionalChar
        case .literal(let bytes, let fold):
            // Case-insensitive only for ASCII literals, whose fold orbits `StringMatcher` knows.
            return fold && bytes.allSatisfy({ $0 < 0x80 }) ? .equalFold(bytes) : nil
        case .alternate(let branches):
            var matchers: [StringMatcher] = []
            var literals: [[UInt8]] = []
            for branch in branches {
                switch matcher(for: branch) {
                case nil: return nil
                case .equal(let value)?: literals.append(value)
                case .set(let values)?: literals += values
                case let other?: matchers.append(other)
                }
            }
            // Literals of a long alternation (beyond `maxSetMatches`) become one sorted set
            // searched in O(log n), as upstream uses a map past 16 values.
            if !literals.isEmpty { matchers.insert(.set(sortedUnique(literals)), at: 0) }
            return matchers.count == 1 ? matchers[0] : .or(matchers)
        case .concat(let items):
            return concatMatcher(items)
        case .anyChar, .charClass, .beginText, .endText:
            return nil
        }
    }

    /// A literal whose case folding `StringMatcher` handles: any case-sensitive literal, or an
    /// ASCII one under `(?i)`.
    private static func foldableLiteral(_ node: RegexNode) -> ([UInt8], Bool)? {
        guard case .literal(let bytes, let fold) = node, !fold || bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        return (bytes, fold)
    }

    private static func sortedUnique(_ values: [[UInt8]]) -> [[UInt8]] {
        Array(Set(values)).sorted { $0.lexicographicallyPrecedes($1) }
    }

    private static func isWildcard(_ node: RegexNode) -> Bool {
        node == .anyString || node == .nonEmptyString || node == .optionalChar
    }

    /// `[wildcard] literals [wildcard]`, or `literal rest` / `rest literal`.
    private static func concatMatcher(_ items: [RegexNode]) -> StringMatcher? {
        var middle = items[...]
        var left: StringMatcher?
        var right: StringMatcher?
        if let first = middle.first, isWildcard(first), middle.count > 1 {
            left = matcher(for: first)
            middle = middle.dropFirst()
        }
        if let last = middle.last, isWildcard(last), middle.count > 1 {
            right = matcher(for: last)
            middle = middle.dropLast()
        }
        let core: RegexNode = middle.count == 1 ? middle[middle.startIndex] : .concat(Array(middle))

        var literals: [[UInt8]]
        var fold = false
        if let (bytes, isFolded) = foldableLiteral(core) {
            literals = [bytes]
            fold = isFolded
        } else if let set = expandSet(core) {
            literals = set
        } else if left == nil, right == nil, middle.count >= 2,
            let first = middle.first, let last = middle.last
        {
            // A literal prefix or suffix around something else we can match.
            if let (bytes, isFolded) = foldableLiteral(first),
                let rest = matcher(for: middle.count == 2 ? last : .concat(Array(middle.dropFirst())))
            {
                return .prefix(bytes, fold: isFolded, rest: rest)
            }
            if let (bytes, isFolded) = foldableLiteral(last),
                let rest = matcher(for: middle.count == 2 ? first : .concat(Array(middle.dropLast())))
            {
                return .suffix(bytes, fold: isFolded, rest: rest)
            }
            return nil
        } else {
            return nil
        }

        switch (left, right) {
        case (nil, nil):
            return fold ? .equalFold(literals[0]) : .set(sortedUnique(literals))
        case (nil, let right?):
            let options = literals.map { StringMatcher.prefix($0, fold: fold, rest: right) }
            return options.count == 1 ? options[0] : .or(options)
        case (let left?, nil):
            let options = literals.map { StringMatcher.suffix($0, fold: fold, rest: left) }
            return options.count == 1 ? options[0] : .or(options)
        case (let left?, let right?):
            return fold ? nil : .contains(left: left, substrings: literals, right: right)
        }
    }

    /// Necessary conditions checked before RE2, from the literals at the edges and inside of a
    /// top-level concatenation (Prometheus's `optimizeConcatRegex`).
    private static func prefilters(_ node: RegexNode?) -> Strategy {
        guard case .concat(let items)? = node else {
            return .re2(prefix: [], prefixFold: false, suffix: [], contains: [])
        }
        var prefix: [UInt8] = []
        var prefixFold = false
        var suffix: [UInt8] = []
        var contains: [[UInt8]] = []
        if let first = items.first, let (bytes, fold) = foldableLiteral(first) {
            prefix = bytes
            prefixFold = fold
        }
        if case .literal(let bytes, false)? = items.last {
            suffix = bytes
        }
        for item in items.dropFirst().dropLast() {
            if case .literal(let bytes, false) = item { contains.append(bytes) }
        }
        return .re2(prefix: prefix, prefixFold: prefixFold, suffix: suffix, contains: contains)
    }
}
