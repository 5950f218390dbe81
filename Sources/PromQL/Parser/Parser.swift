package import Model

/// Parses PromQL expressions (upstream's `ParseExpr`): a recursive-descent parser with
/// precedence climbing that follows `promql/parser/generated_parser.y`, then the type checks of
/// upstream's `checkAST`.
package enum PromQLParser {
    /// Parses and type-checks `query`.
    /// - Throws: `PromQLError.parse` with upstream's message and position for the first error.
    package static func parse(_ query: String, options: ParserOptions = ParserOptions()) throws(PromQLError) -> Expr {
        var parser = Parser(query: query, options: options)
        let expr: Expr?
        do {
            expr = try parser.parseStart()
        } catch {
            expr = nil
        }
        if parser.errors.isEmpty, let expr {
            var checker = TypeChecker(query: query)
            checker.check(expr)
            parser.errors = checker.errors
        }
        if let first = parser.errors.first {
            throw .parse(message: first.message, position: first.range, query: query)
        }
        guard let expr else { preconditionFailure("BUG: parser returned neither an expression nor an error") }
        return TypeChecker.normalized(expr)
    }

    /// Parses a series selector such as `match[]` or `/federate` take (upstream's
    /// `ParseMetricSelector`): `name`, `name{...}` or `{...}`, nothing else. The selector is not
    /// type-checked, so `{}` is accepted; callers that need a non-empty matcher check that.
    /// - Returns: the matchers, the `__name__` matcher for a leading name last.
    /// - Throws: `PromQLError.parse` with upstream's message and position.
    package static func parseMetricSelector(_ selector: String) throws(PromQLError) -> [Matcher] {
        var parser = Parser(query: selector, options: ParserOptions())
        var matchers: [Matcher]?
        do {
            matchers = try parser.parseMetricSelectorStart()
        } catch {
            matchers = nil
        }
        if let first = parser.errors.first {
            throw .parse(message: first.message, position: first.range, query: selector)
        }
        guard let matchers else { preconditionFailure("BUG: parser returned neither matchers nor an error") }
        return matchers
    }
}

/// A parse or type error before it is wrapped into `PromQLError`.
struct ParseIssue {
    let message: String
    let range: PositionRange
}

/// Thrown to unwind after a syntax error; the error itself is in `Parser.errors`.
struct SyntaxStop: Error {}

struct Parser {
    let query: String
    let options: ParserOptions
    private var lexer: Lexer
    /// The lookahead, read lazily: like yacc, the parser reads a token only when it needs it, so
    /// errors found while reducing what came before (a bad regex, an unknown function) are
    /// reported before a lexer error in the token after.
    private var lookahead: Token?
    var errors: [ParseIssue] = []
    /// End of the last consumed `)`, `]`, `}`, number or duration (upstream's `lastClosing`).
    var lastClosing = 0
    /// Nesting of aggregation argument lists; upstream's yacc reports errors inside them
    /// "in aggregation".
    var aggregationDepth = 0
    /// The context and expectation upstream's error recovery reports inside `[...]`.
    var bracketContext: (context: String, expected: String)?
    private let inputLength: Int
    /// How deep the tree being built is, at most (recursion plus operator chains).
    private var depth = 0

    init(query: String, options: ParserOptions) {
        self.query = query
        self.options = options
        lexer = Lexer(query)
        inputLength = query.utf8.count
    }

    // MARK: - Tokens

    /// The current token, read on first use. A lexer error is recorded when it is read and
    /// comes back as an `.error` token, which every caller treats as unexpected.
    var token: Token {
        mutating get {
            if let lookahead { return lookahead }
            var next = lexer.next()
            while next.kind == .comment { next = lexer.next() }
            if next.kind == .error {
                errors.append(ParseIssue(message: next.text, range: PositionRange(start: next.position, end: inputLength)))
            }
            lookahead = next
            return next
        }
    }

    /// Consumes the current token; the next one is read when it is first looked at.
    @discardableResult
    mutating func advance() throws(SyntaxStop) -> Token {
        let consumed = token
        if consumed.kind == .error { throw SyntaxStop() }
        switch consumed.kind {
        case .rightBrace, .rightParen, .rightBracket, .duration, .number:
            lastClosing = consumed.position + consumed.text.utf8.count
        default: break
        }
        lookahead = nil
        return consumed
    }

    /// The token after the current one, without consuming anything.
    mutating func peekNext() -> Token {
        _ = token
        var copy = lexer
        var next = copy.next()
        while next.kind == .comment { next = copy.next() }
        return next
    }

    mutating func addError(_ message: String, _ range: PositionRange) {
        errors.append(ParseIssue(message: message, range: range))
    }

    /// Records upstream's "unexpected <token> in <context>, expected <what>" and stops.
    mutating func unexpected(_ context: String = "", expected: String = "") -> SyntaxStop {
        // A lexer error was recorded when the token was read (upstream's `unexpected` skips too).
        if token.kind == .error { return SyntaxStop() }
        var message = "unexpected \(token.errorDescription)"
        var context = context
        var expected = expected
        if context.isEmpty, let bracketContext {
            (context, expected) = bracketContext
        } else if context.isEmpty, aggregationDepth > 0 {
            context = "aggregation"
        }
        if !context.isEmpty { message += " in \(context)" }
        if !expected.isEmpty { message += ", expected \(expected)" }
        errors.append(ParseIssue(message: message, range: token.range))
        return SyntaxStop()
    }

    mutating func expect(_ kind: TokenKind, _ context: String = "", expected: String = "") throws(SyntaxStop) -> Token {
        guard token.kind == kind else { throw unexpected(context, expected: expected) }
        return try advance()
    }

    // MARK: - Expressions

    mutating func parseStart() throws(SyntaxStop) -> Expr {
        if token.kind == .eof {
            addError("no expression found in input", PositionRange(start: 0, end: 0))
            throw SyntaxStop()
        }
        let expr = try parseExpr(minPrecedence: 0)
        guard token.kind == .eof else { throw unexpected() }
        return expr
    }

    mutating func parseMetricSelectorStart() throws(SyntaxStop) -> [Matcher] {
        let selector: VectorSelector
        switch token.kind {
        case .leftBrace:
            selector = try parseSelector(name: nil)
        case .identifier, .metricIdentifier, .by, .fill, .fillLeft, .fillRight, .land, .lor, .lunless, .offset,
             .without, .anchored, .smoothed, .start, .end, .step, .range, .maxOf, .minOf:
            selector = try parseSelector(name: advance())
        case _ where token.kind.isAggregator:
            selector = try parseSelector(name: advance())
        default:
            throw unexpected()
        }
        guard token.kind == .eof else { throw unexpected() }
        return selector.matchers
    }

    static func precedence(_ kind: TokenKind) -> Int? {
        switch kind {
        case .lor: 1
        case .land, .lunless: 2
        case .eqlc, .gte, .gtr, .lss, .lte, .neq, .trimUpper, .trimLower: 3
        case .add, .sub: 4
        case .mul, .div, .mod, .atan2: 5
        case .pow: 6
        default: nil
        }
    }

    /// Counts `levels` more nesting and stops the parse beyond `maxNestingDepth`.
    mutating func descend(_ levels: Int = 1) throws(SyntaxStop) {
        depth += levels
        if depth > options.maxNestingDepth {
            addError("expression nests more than \(options.maxNestingDepth) levels deep", token.range)
            throw SyntaxStop()
        }
    }

    mutating func ascend(_ levels: Int = 1) { depth -= levels }

    mutating func parseExpr(minPrecedence: Int) throws(SyntaxStop) -> Expr {
        try descend()
        var chain = 0
        defer { ascend(1 + chain) }
        var lhs = try parseUnary()
        while let precedence = Parser.precedence(token.kind), precedence >= minPrecedence {
            chain += 1
            try descend()
            let op = try advance()
            var binary = try parseBinaryModifiers()
            let rhs = try parseExpr(minPrecedence: op.kind == .pow ? precedence : precedence + 1)
            binary.op = op.kind
            binary.lhs = lhs
            binary.rhs = rhs
            let node = Expr.binary(binary)
            if !options.binopFillModifiers, binary.matching?.fillLeft != nil || binary.matching?.fillRight != nil {
                addError("binop fill modifiers are experimental and not enabled", node.range)
            }
            lhs = node
        }
        return lhs
    }

    /// Unary `+`/`-` binds like `*`: tighter than `*` only `^` and the postfix modifiers.
    mutating func parseUnary() throws(SyntaxStop) -> Expr {
        guard token.kind == .add || token.kind == .sub else { return try parsePostfix(parsePrimary()) }
        let op = try advance()
        let operand = try parseExpr(minPrecedence: 6)
        if case .number(var literal) = operand {
            if op.kind == .sub { literal.value = -literal.value }
            literal.range.start = op.position
            return .number(literal)
        }
        return .unary(UnaryExpr(op: op.kind, expr: operand, startPosition: op.position))
    }

    mutating func parsePrimary() throws(SyntaxStop) -> Expr {
        switch token.kind {
        case .number, .duration:
            return .number(try parseNumberLiteral())
        case .string:
            let literal = try advance()
            return .string(StringLiteral(value: unquote(literal), range: literal.range))
        case .leftParen:
            let open = try advance()
            let inner = try parseExpr(minPrecedence: 0)
            guard token.kind == .rightParen else { throw unexpected() }
            let close = try advance()
            return .paren(ParenExpr(expr: inner, range: PositionRange(start: open.position, end: close.range.end)))
        case .leftBrace:
            return .vectorSelector(try parseSelector(name: nil))
        case .identifier:
            if peekNext().kind == .leftParen { return try parseCall() }
            return .vectorSelector(try parseSelector(name: advance()))
        case .start, .end, .step, .range, .maxOf, .minOf:
            if peekNext().kind == .leftParen { return try parseCall() }
            return .vectorSelector(try parseSelector(name: advance()))
        case _ where token.kind.isAggregator:
            let next = peekNext().kind
            if next == .leftParen || next == .by || next == .without { return try parseAggregation() }
            return .vectorSelector(try parseSelector(name: advance()))
        case .metricIdentifier, .by, .fill, .fillLeft, .fillRight, .land, .lor, .lunless, .offset, .without,
             .anchored, .smoothed:
            return .vectorSelector(try parseSelector(name: advance()))
        default:
            throw unexpected()
        }
    }

    mutating func parseNumberLiteral() throws(SyntaxStop) -> NumberLiteral {
        let literal = try advance()
        if literal.kind == .duration {
            switch NumberParsing.duration(literal.text) {
            case .success(let nanoseconds):
                return NumberLiteral(value: Double(nanoseconds) / 1e9, isDuration: true, range: literal.range)
            case .failure(let reason):
                addError(reason.message, literal.range)
                return NumberLiteral(value: 0, isDuration: true, range: literal.range)
            }
        }
        switch NumberParsing.number(literal.text) {
        case .success(let value):
            return NumberLiteral(value: value, range: literal.range)
        case .failure(let reason):
            addError("error parsing number: \(reason.message)", literal.range)
            return NumberLiteral(value: 0, range: literal.range)
        }
    }

    mutating func unquote(_ literal: Token) -> String {
        if let value = GoQuote.unquote(literal.text[...].utf8) { return value }
        addError("error unquoting string \(GoQuote.quote(literal.text)): invalid syntax", literal.range)
        return ""
    }

    // MARK: - Calls and aggregations

    /// `( args )`; a trailing comma is reported but parsing continues, as upstream does.
    mutating func parseCallBody() throws(SyntaxStop) -> [Expr] {
        _ = try expect(.leftParen)
        var args: [Expr] = []
        if token.kind == .rightParen {
            try advance()
            return args
        }
        while true {
            args.append(try parseExpr(minPrecedence: 0))
            if token.kind == .comma {
                let comma = try advance()
                // Upstream reduces `args ,` as a trailing comma whenever no expression follows.
                if !Parser.startsExpression(token.kind) {
                    addError("trailing commas not allowed in function call args", comma.range)
                    break
                }
                continue
            }
            break
        }
        guard token.kind == .rightParen else { throw unexpected() }
        try advance()
        return args
    }

    mutating func parseCall() throws(SyntaxStop) -> Expr {
        let name = try advance()
        // Upstream checks the name when it reduces the whole call, after the arguments.
        var args = try parseCallBody()
        let function: PromQLFunction
        if let known = PromQLFunction.named(name.text) {
            function = known
            if known.experimental, !options.experimentalFunctions {
                addError("function \(GoQuote.quote(name.text)) is not enabled", name.range)
            }
        } else {
            addError("unknown function with name \(GoQuote.quote(name.text))", name.range)
            function = PromQLFunction(name: name.text, argumentTypes: [], variadic: -1, returnType: .none,
                                      experimental: false)
        }
        if function.name == "info", args.count > 1, case .vectorSelector(var selector) = args[1], selector.name.isEmpty {
            selector.bypassEmptyMatcherCheck = true
            args[1] = .vectorSelector(selector)
        }
        return .call(Call(function: function, args: args, range: PositionRange(start: name.position, end: lastClosing)))
    }

    mutating func parseAggregation() throws(SyntaxStop) -> Expr {
        let op = try advance()
        var grouping: [String] = []
        var without = false
        var sawModifier = false
        if token.kind == .by || token.kind == .without {
            without = token.kind == .without
            try advance()
            grouping = try parseGroupingLabels()
            sawModifier = true
        }
        guard token.kind == .leftParen else { throw unexpected("aggregation") }
        aggregationDepth += 1
        let args = try parseCallBody()
        aggregationDepth -= 1
        if !sawModifier, token.kind == .by || token.kind == .without {
            without = token.kind == .without
            try advance()
            grouping = try parseGroupingLabels()
        }
        let range = PositionRange(start: op.position, end: lastClosing)
        var node = AggregateExpr(op: op.kind, expr: args.last ?? .number(NumberLiteral(value: 0, range: range)),
                                 param: nil, grouping: grouping, without: without, range: range)
        if args.isEmpty {
            addError("no arguments for aggregate expression provided", range)
            return .aggregate(node)
        }
        var desired = 1
        if op.kind.isAggregatorWithParameter {
            if !options.experimentalFunctions, op.kind.isExperimentalAggregator {
                addError("\(op.text.lowercased())() is experimental and must be enabled with --enable-feature=promql-experimental-functions", range)
                return .aggregate(node)
            }
            desired = 2
            node.param = args[0]
        }
        if args.count != desired {
            addError("wrong number of arguments for aggregate expression provided, expected \(desired), got \(args.count)", range)
            return .aggregate(node)
        }
        node.expr = args[desired - 1]
        return .aggregate(node)
    }

    /// Whether a token can start an expression.
    static func startsExpression(_ kind: TokenKind) -> Bool {
        switch kind {
        case .number, .duration, .string, .leftParen, .leftBrace, .identifier, .metricIdentifier, .add, .sub,
             .by, .fill, .fillLeft, .fillRight, .land, .lor, .lunless, .offset, .without, .anchored, .smoothed,
             .start, .end, .step, .range, .maxOf, .minOf:
            true
        default:
            kind.isAggregator
        }
    }

    /// Whether a token can name a label in `by (...)`, `on (...)` (upstream's `maybe_label`).
    static func isMaybeLabel(_ kind: TokenKind) -> Bool {
        switch kind {
        case .identifier, .metricIdentifier, .land, .lor, .lunless, .atan2, .start, .end, .step, .range,
             .maxOf, .minOf:
            true
        default:
            kind.isAggregator || kind.isKeyword
        }
    }

    mutating func parseGroupingLabels() throws(SyntaxStop) -> [String] {
        guard token.kind == .leftParen else { throw unexpected("grouping opts", expected: "\"(\"") }
        try advance()
        var labels: [String] = []
        if token.kind == .rightParen {
            try advance()
            return labels
        }
        while true {
            if Parser.isMaybeLabel(token.kind) {
                let label = try advance()
                if label.text.isEmpty {
                    addError("invalid label name for grouping: \(GoQuote.quote(label.text))", label.range)
                }
                labels.append(label.text)
            } else if token.kind == .string {
                let label = try advance()
                let name = unquote(label)
                if !NameValidationScheme.utf8.isValidLabelName(name) {
                    addError("invalid label name for grouping: \(GoQuote.quote(name))", label.range)
                }
                labels.append(name)
            } else {
                throw unexpected("grouping opts", expected: "label")
            }
            if token.kind == .comma {
                try advance()
                if token.kind == .rightParen { break }
                continue
            }
            if token.kind == .rightParen { break }
            throw unexpected("grouping opts", expected: "\",\" or \")\"")
        }
        try advance()
        return labels
    }

    // MARK: - Binary modifiers

    mutating func parseBinaryModifiers() throws(SyntaxStop) -> BinaryExpr {
        let placeholder = Expr.number(NumberLiteral(value: 0, range: PositionRange(start: 0, end: 0)))
        var binary = BinaryExpr(op: .add, lhs: placeholder, rhs: placeholder, matching: VectorMatching())
        var matching = VectorMatching()
        if token.kind == .bool {
            binary.returnBool = true
            try advance()
        }
        if token.kind == .on || token.kind == .ignoring {
            matching.on = token.kind == .on
            try advance()
            matching.matchingLabels = try parseGroupingLabels()
            if token.kind == .groupLeft || token.kind == .groupRight {
                matching.cardinality = token.kind == .groupLeft ? .manyToOne : .oneToMany
                try advance()
                if token.kind == .leftParen { matching.include = try parseGroupingLabels() }
            }
        }
        switch token.kind {
        case .fill:
            try advance()
            let value = try parseFillValue()
            matching.fillLeft = value
            matching.fillRight = value
        case .fillLeft, .fillRight:
            let first = try advance().kind
            let value = try parseFillValue()
            if first == .fillLeft { matching.fillLeft = value } else { matching.fillRight = value }
            let other: TokenKind = first == .fillLeft ? .fillRight : .fillLeft
            if token.kind == other {
                try advance()
                let second = try parseFillValue()
                if other == .fillLeft { matching.fillLeft = second } else { matching.fillRight = second }
            }
        default: break
        }
        binary.matching = matching
        return binary
    }

    mutating func parseFillValue() throws(SyntaxStop) -> Double {
        _ = try expect(.leftParen)
        var negate = false
        if token.kind == .add || token.kind == .sub {
            negate = try advance().kind == .sub
        }
        guard token.kind == .number || token.kind == .duration else { throw unexpected() }
        let literal = try parseNumberLiteral()
        _ = try expect(.rightParen)
        return negate ? -literal.value : literal.value
    }
}
