/// A relabel `replacement` or `target_label` template, parsed once against the regex whose
/// groups it refers to, and expanded with the rules of Go's `regexp.Expand`:
///
/// - `$name` and `${name}` insert a group; a name is the longest run of Unicode letters, decimal
///   digits and `_`, so `$1x` names the group `1x` (usually absent: it inserts nothing);
/// - a name of ASCII digits (no leading zero, below 10^8) is a group number;
/// - a name that is neither an existing number nor a named group inserts nothing;
/// - `$$` is a literal `$`; a `$` not followed by a valid name (or a `${` without `}`) is literal.
struct ReplacementTemplate: Sendable {
    enum Piece: Sendable, Equatable {
        case literal([UInt8])
        case group(Int)
    }

    let pieces: [Piece]
    /// Whether the template has a `$` at all (Prometheus's `varInRegexTemplate`).
    let hasVariables: Bool
    /// The template as given, for templates without variables.
    let text: String

    /// Parses `template`; `regex` resolves group names and bounds group numbers.
    init(_ template: String, regex: RE2Regex) {
        text = template
        hasVariables = template.utf8.contains(UInt8(ascii: "$"))
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        let scalars = Array(template.unicodeScalars)
        var i = 0
        func flush() {
            if !literal.isEmpty { pieces.append(.literal(literal)); literal.removeAll() }
        }
        while i < scalars.count {
            let scalar = scalars[i]
            guard scalar == "$" else {
                literal.append(contentsOf: String(scalar).utf8)
                i += 1
                continue
            }
            if i + 1 < scalars.count, scalars[i + 1] == "$" {
                literal.append(UInt8(ascii: "$"))
                i += 2
                continue
            }
            guard let (name, end) = Self.reference(in: scalars, after: i) else {
                literal.append(UInt8(ascii: "$"))
                i += 1
                continue
            }
            i = end
            flush()
            if let number = Self.groupNumber(name) {
                if number <= regex.groupCount { pieces.append(.group(number)) }
            } else if let index = regex.groupIndex(named: name) {
                pieces.append(.group(index))
            }
        }
        flush()
        self.pieces = pieces
    }

    /// The reference after the `$` at `dollar`: its name and the index just past it.
    private static func reference(in scalars: [Unicode.Scalar], after dollar: Int) -> (String, Int)? {
        var i = dollar + 1
        let braced = i < scalars.count && scalars[i] == "{"
        if braced { i += 1 }
        let start = i
        while i < scalars.count, isNameScalar(scalars[i]) { i += 1 }
        guard i > start else { return nil }
        var name = ""
        name.unicodeScalars.append(contentsOf: scalars[start..<i])
        if braced {
            guard i < scalars.count, scalars[i] == "}" else { return nil }
            i += 1
        }
        return (name, i)
    }

    /// Go's `unicode.IsLetter || unicode.IsDigit || '_'`.
    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber:
            return true
        default:
            return false
        }
    }

    /// The group number a name stands for, as Go's `extract`: ASCII digits only, no leading
    /// zero, and giving up once the number reaches 10^8.
    private static func groupNumber(_ name: String) -> Int? {
        var number = 0
        for byte in name.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), number < 100_000_000 else { return nil }
            number = number * 10 + Int(byte - UInt8(ascii: "0"))
        }
        if name.utf8.count > 1, name.utf8.first == UInt8(ascii: "0") { return nil }
        return number
    }

    /// Expands the template for a match of `source` whose groups are `groups` (UTF-8 byte
    /// ranges into `source`, `nil` for a group that did not take part).
    func expand(source: String, groups: [Range<Int>?]) -> String {
        if !hasVariables { return text }
        var out: [UInt8] = []
        var source = source
        source.withUTF8 { bytes in
            for piece in pieces {
                switch piece {
                case .literal(let literal):
                    out.append(contentsOf: literal)
                case .group(let index):
                    if index < groups.count, let range = groups[index] {
                        out.append(contentsOf: bytes[range])
                    }
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
