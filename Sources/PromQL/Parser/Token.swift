import Model

/// The kinds of token the PromQL lexer produces (upstream's `ItemType`, expression subset).
package enum TokenKind: UInt8, Sendable {
    case eof, error, comment, identifier, metricIdentifier, number, string, duration
    case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket, comma, assign, colon
    // Operators.
    case add, div, eqlc, eqlRegex, gte, gtr, trimUpper, trimLower, land, lor, lss, lte, lunless
    case mod, mul, neq, neqRegex, pow, sub, at, atan2
    // Aggregators.
    case avg, bottomk, count, countValues, group, max, min, quantile, stddev, stdvar, sum, topk
    case limitk, limitRatio
    // Keywords.
    case bool, by, groupLeft, groupRight, fill, fillLeft, fillRight, ignoring, offset, smoothed
    case anchored, on, without
    // Preprocessors.
    case start, end, step, range, maxOf, minOf

    /// Whether the kind is an operator (upstream's `IsOperator`).
    package var isOperator: Bool { rawValue >= TokenKind.add.rawValue && rawValue <= TokenKind.atan2.rawValue }
    /// Whether the kind is an aggregation operator.
    package var isAggregator: Bool {
        rawValue >= TokenKind.avg.rawValue && rawValue <= TokenKind.limitRatio.rawValue
    }
    /// Whether the aggregator takes a parameter before the vector (`topk(3, x)`).
    package var isAggregatorWithParameter: Bool {
        switch self {
        case .topk, .bottomk, .countValues, .quantile, .limitk, .limitRatio: true
        default: false
        }
    }
    /// Whether the aggregator needs `promql-experimental-functions`.
    package var isExperimentalAggregator: Bool { self == .limitk || self == .limitRatio }
    /// Whether the kind is a keyword (`by`, `offset`, ...).
    package var isKeyword: Bool { rawValue >= TokenKind.bool.rawValue && rawValue <= TokenKind.without.rawValue }
    /// Comparison operators (`==`, `!=`, `<`, `<=`, `>`, `>=`).
    package var isComparison: Bool {
        switch self {
        case .eqlc, .neq, .lte, .lss, .gte, .gtr: true
        default: false
        }
    }
    /// Set operators (`and`, `or`, `unless`).
    package var isSetOperator: Bool { self == .land || self == .lor || self == .lunless }

    /// The fixed spelling, as upstream's `ItemTypeStr`; `nil` for kinds with variable text.
    package var spelling: String? {
        switch self {
        case .eof, .error, .comment, .identifier, .metricIdentifier, .number, .string, .duration: nil
        case .leftParen: "("
        case .rightParen: ")"
        case .leftBrace: "{"
        case .rightBrace: "}"
        case .leftBracket: "["
        case .rightBracket: "]"
        case .comma: ","
        case .assign: "="
        case .colon: ":"
        case .add: "+"
        case .div: "/"
        case .eqlc: "=="
        case .eqlRegex: "=~"
        case .gte: ">="
        case .gtr: ">"
        case .trimUpper: "</"
        case .trimLower: ">/"
        case .land: "and"
        case .lor: "or"
        case .lss: "<"
        case .lte: "<="
        case .lunless: "unless"
        case .mod: "%"
        case .mul: "*"
        case .neq: "!="
        case .neqRegex: "!~"
        case .pow: "^"
        case .sub: "-"
        case .at: "@"
        case .atan2: "atan2"
        case .avg: "avg"
        case .bottomk: "bottomk"
        case .count: "count"
        case .countValues: "count_values"
        case .group: "group"
        case .max: "max"
        case .min: "min"
        case .quantile: "quantile"
        case .stddev: "stddev"
        case .stdvar: "stdvar"
        case .sum: "sum"
        case .topk: "topk"
        case .limitk: "limitk"
        case .limitRatio: "limit_ratio"
        case .bool: "bool"
        case .by: "by"
        case .groupLeft: "group_left"
        case .groupRight: "group_right"
        case .fill: "fill"
        case .fillLeft: "fill_left"
        case .fillRight: "fill_right"
        case .ignoring: "ignoring"
        case .offset: "offset"
        case .smoothed: "smoothed"
        case .anchored: "anchored"
        case .on: "on"
        case .without: "without"
        case .start: "start"
        case .end: "end"
        case .step: "step"
        case .range: "range"
        case .maxOf: "max_of"
        case .minOf: "min_of"
        }
    }

    /// Keywords by lower-cased spelling (upstream's `key` map, without `inf`/`nan`).
    static let keywords: [String: TokenKind] = {
        var map: [String: TokenKind] = [:]
        for raw in TokenKind.land.rawValue...TokenKind.minOf.rawValue {
            guard let kind = TokenKind(rawValue: raw), let spelling = kind.spelling,
                  spelling.first?.isLetter == true else { continue }
            map[spelling] = kind
        }
        return map
    }()

    /// How an error message names this kind (upstream's `ItemType.desc`).
    var description: String {
        switch self {
        case .error: "error"
        case .eof: "end of input"
        case .comment: "comment"
        case .identifier: "identifier"
        case .metricIdentifier: "metric identifier"
        case .string: "string"
        case .number: "number"
        case .duration: "duration"
        default: "\"\(spelling ?? "")\""
        }
    }
}

/// One lexed token: its kind, byte offset and text.
package struct Token: Sendable, Equatable {
    /// What was lexed.
    package var kind: TokenKind
    /// Byte offset of the first byte in the query.
    package var position: Int
    /// The token's text (for `.error`, the message).
    package var text: String

    /// The byte range the token covers.
    package var range: PositionRange { PositionRange(start: position, end: position + text.utf8.count) }

    /// How an "unexpected ..." message names the token (upstream's `Item.desc`).
    var errorDescription: String {
        if kind.spelling != nil { return displayed }
        if kind == .eof { return kind.description }
        return "\(kind.description) \(displayed)"
    }

    /// Upstream's `Item.String`.
    private var displayed: String {
        switch kind {
        case .eof: return "EOF"
        case .error: return text
        case .identifier, .metricIdentifier: return GoQuote.quote(text)
        default: break
        }
        if kind.isKeyword { return "<\(text)>" }
        if kind.isOperator { return "<op:\(text)>" }
        if kind.isAggregator { return "<aggr:\(text)>" }
        if text.unicodeScalars.count > 10 {
            return GoQuote.quote(String(String.UnicodeScalarView(text.unicodeScalars.prefix(10)))) + "..."
        }
        return GoQuote.quote(text)
    }
}
