package import Model

extension PromQLParser {
    /// Parses a metric written as a label set, `name{a="b", "c.d"="e"}`, `{__name__="x"}` or `{}`
    /// (upstream's `ParseMetric`, used by test scripts and series descriptions). Only `=` is
    /// allowed; a later duplicate name wins and empty values are dropped, as `labels.Builder`.
    /// - Throws: `PromQLError.parse` with upstream's "in label set" messages.
    package static func parseMetric(_ metric: String) throws(PromQLError) -> Labels {
        var parser = Parser(query: metric, options: ParserOptions())
        var labels: [Label]?
        do {
            labels = try parser.parseMetricStart()
        } catch {
            labels = nil
        }
        if let first = parser.errors.first {
            throw .parse(message: first.message, position: first.range, query: metric)
        }
        return Labels(labels ?? [])
    }
}

extension Parser {
    mutating func parseMetricStart() throws(SyntaxStop) -> [Label] {
        var labels: [Label] = []
        var name: String?
        if token.kind != .leftBrace, token.kind != .eof, Parser.startsExpression(token.kind),
           token.kind != .number, token.kind != .duration, token.kind != .string, token.kind != .leftParen,
           token.kind != .add, token.kind != .sub {
            name = try advance().text
        }
        if token.kind == .leftBrace {
            try advance()
            labels = try parseLabelSet()
        }
        guard token.kind == .eof else { throw unexpected() }
        if let name { labels.append(Label(name: "__name__", value: name)) }
        return labels
    }

    /// The items after `{` up to and including `}`.
    private mutating func parseLabelSet() throws(SyntaxStop) -> [Label] {
        var labels: [Label] = []
        while token.kind != .rightBrace {
            let label = token
            switch label.kind {
            case .identifier:
                try advance()
                guard token.kind == .assign else { throw unexpected("label set", expected: "\"=\"") }
            case .string:
                try advance()
            default:
                throw unexpected("label set", expected: "identifier or \"}\"")
            }
            let name = label.kind == .string ? unquote(label) : label.text
            if token.kind == .assign {
                try advance()
                guard token.kind == .string else { throw unexpected("label set", expected: "string") }
                labels.append(Label(name: name, value: unquote(try advance())))
            } else {
                labels.append(Label(name: "__name__", value: name))
            }
            if token.kind == .comma {
                try advance()
                continue
            }
            if token.kind != .rightBrace { throw unexpected("label set", expected: "\",\" or \"}\"") }
        }
        try advance()
        return labels
    }
}
