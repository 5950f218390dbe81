import Model

/// Recursive-descent parser for Go's template language, following `text/template/parse/parse.go`:
/// the same grammar, scoping of variables and error wording (`template: NAME:LINE: …`).
struct TemplateParser {
    private let tokens: [TemplateToken]
    private var index = 0
    private let parseName: String
    private let source: TemplateSource
    private let functionNames: Set<String>
    private var vars: [String] = ["$"]
    private var rangeDepth = 0
    /// Nesting of parenthesised pipelines and control structures. Go bounds parentheses at
    /// 10000 (`max expression depth exceeded`); Pharos bounds both lower, as every level is a
    /// native stack frame here and in the executor.
    private var nesting = 0
    /// The line of the `{{` of the action being parsed (Go's `actionLine`).
    private var actionLine = 0
    static let maxNesting = 100
    /// Templates found (`define`, `block`), in order; the main body is added by `parse`.
    private(set) var trees: [TemplateTree] = []

    /// Parses `text` as template `name`. Returns every tree it defines, the main one first.
    static func parse(name: String, text: String, functions: Set<String>) throws(TemplateError) -> [TemplateTree] {
        var parser = TemplateParser(name: name, text: text, functions: functions)
        let root = try parser.parseTop()
        try parser.addTree(name: name, root: root)
        // The main template first, then the ones it defines.
        let main = parser.trees.filter { $0.name == name }
        return main + parser.trees.filter { $0.name != name }
    }

    private init(name: String, text: String, functions: Set<String>) {
        tokens = TemplateLexer.tokenize(text)
        parseName = name
        source = TemplateSource(text)
        functionNames = functions
    }

    // MARK: token stream

    private func peek() -> TemplateToken { tokens[min(index, tokens.count - 1)] }

    private mutating func next() -> TemplateToken {
        let token = peek()
        if index < tokens.count { index += 1 }
        return token
    }

    private mutating func backup() { index = max(0, index - 1) }

    private mutating func nextNonSpace() -> TemplateToken {
        var token = next()
        while token.kind == .space { token = next() }
        return token
    }

    private mutating func peekNonSpace() -> TemplateToken {
        let token = nextNonSpace()
        backup()
        return token
    }

    private func error(_ message: String, line: Int? = nil) -> TemplateError {
        .parse(name: parseName, line: line ?? tokens[min(max(index - 1, 0), tokens.count - 1)].line, message: message)
    }

    private func unexpected(_ token: TemplateToken, _ context: String) -> TemplateError {
        if token.kind == .error {
            // A lexing error inside a multi-line action also names where the action began.
            var extra = ""
            if actionLine != 0, actionLine != token.line {
                extra = " in action started at \(parseName):\(actionLine)"
                if token.text.hasSuffix(" action") { extra = String(extra.dropFirst(" in action".count)) }
            }
            return error(token.text + extra, line: token.line)
        }
        return error("unexpected \(token.described) in \(context)", line: token.line)
    }

    private mutating func expect(_ kind: TemplateToken.Kind, _ context: String) throws(TemplateError) -> TemplateToken {
        let token = nextNonSpace()
        guard token.kind == kind else { throw unexpected(token, context) }
        return token
    }

    // MARK: structure

    private enum Terminator { case end(TemplateToken), elseToken(TemplateToken) }

    private mutating func parseTop() throws(TemplateError) -> [TemplateNode] {
        var root: [TemplateNode] = []
        while peek().kind != .eof {
            if peek().kind == .leftDelim {
                let delimIndex = index
                _ = next()
                if nextNonSpace().kind == .keyword(.define) {
                    try parseDefinition()
                    continue
                }
                index = delimIndex
            }
            switch try textOrAction() {
            case .node(let node): root.append(node)
            case .terminator(.end(let token)): throw error("unexpected {{end}}", line: token.line)
            case .terminator(.elseToken(let token)): throw error("unexpected {{else}}", line: token.line)
            case .nothing: break
            }
        }
        if case .error = peek().kind { throw error(peek().text, line: peek().line) }
        return root
    }

    private enum Item { case node(TemplateNode), terminator(Terminator), nothing }

    private mutating func textOrAction() throws(TemplateError) -> Item {
        let token = nextNonSpace()
        switch token.kind {
        case .text: return .node(.text(Array(token.text.utf8)))
        case .leftDelim:
            actionLine = token.line
            defer { actionLine = 0 }
            return try action()
        default: throw unexpected(token, "input")
        }
    }

    private mutating func itemList() throws(TemplateError) -> ([TemplateNode], Terminator) {
        var list: [TemplateNode] = []
        while peekNonSpace().kind != .eof {
            if case .error = peekNonSpace().kind { throw error(peekNonSpace().text, line: peekNonSpace().line) }
            switch try textOrAction() {
            case .node(let node): list.append(node)
            case .terminator(let terminator): return (list, terminator)
            case .nothing: break
            }
        }
        throw error("unexpected EOF", line: peekNonSpace().line)
    }

    private mutating func parseDefinition() throws(TemplateError) {
        let context = "define clause"
        let nameToken = nextNonSpace()
        guard nameToken.kind == .string || nameToken.kind == .rawString else { throw unexpected(nameToken, context) }
        let name = try unquote(nameToken)
        _ = try expect(.rightDelim, context)
        let savedVars = vars
        let savedDepth = rangeDepth
        vars = ["$"]
        rangeDepth = 0
        let (body, terminator) = try itemList()
        vars = savedVars
        rangeDepth = savedDepth
        guard case .end = terminator else { throw error("unexpected {{else}} in \(context)") }
        try addTree(name: name, root: body)
    }

    /// Within one text Go refuses two non-empty definitions of a name and lets a non-empty one
    /// replace an empty one (`Tree.add`).
    private mutating func addTree(name: String, root: [TemplateNode]) throws(TemplateError) {
        let tree = TemplateTree(name: name, parseName: parseName, source: source, root: root)
        guard let existing = trees.firstIndex(where: { $0.name == name }) else {
            trees.append(tree)
            return
        }
        if Self.isEmpty(trees[existing].root) {
            trees[existing] = tree
        } else if !Self.isEmpty(root) {
            throw error("template: multiple definition of template \(GoQuote.quote(name))")
        }
    }

    static func isEmpty(_ nodes: [TemplateNode]) -> Bool {
        nodes.allSatisfy { node in
            if case .text(let bytes) = node {
                return bytes.allSatisfy { $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }
            }
            return false
        }
    }

    private mutating func action() throws(TemplateError) -> Item {
        let token = nextNonSpace()
        switch token.kind {
        case .keyword(.block): return .node(try blockControl())
        case .keyword(.break), .keyword(.continue):
            let closing = nextNonSpace()
            guard closing.kind == .rightDelim else { throw unexpected(closing, "{{\(token.text)}}") }
            guard rangeDepth > 0 else { throw error("{{\(token.text)}} outside {{range}}", line: token.line) }
            return .node(token.kind == .keyword(.break) ? .breakNode(pos: token.pos) : .continueNode(pos: token.pos))
        case .keyword(.else):
            let peeked = peekNonSpace()
            if peeked.kind == .keyword(.if) || peeked.kind == .keyword(.with) {
                return .terminator(.elseToken(token))
            }
            _ = try expect(.rightDelim, "else")
            return .terminator(.elseToken(token))
        case .keyword(.end):
            _ = try expect(.rightDelim, "end")
            return .terminator(.end(token))
        case .keyword(.if): return .node(.ifNode(try parseControl("if")))
        case .keyword(.range): return .node(.rangeNode(try parseControl("range")))
        case .keyword(.with): return .node(.withNode(try parseControl("with")))
        case .keyword(.template): return .node(try templateControl())
        default:
            backup()
            let pipe = try pipeline("command", end: .rightDelim)
            return .node(.action(pos: pipe.pos, pipe))
        }
    }

    private mutating func parseControl(_ context: String) throws(TemplateError) -> ControlNode {
        guard nesting < Self.maxNesting else { throw error("max expression depth exceeded") }
        nesting += 1
        defer { nesting -= 1 }
        let savedVars = vars.count
        defer { vars.removeSubrange(min(savedVars, vars.count)...) }
        let pipe = try pipeline(context, end: .rightDelim)
        if context == "range" { rangeDepth += 1 }
        let (list, terminator) = try itemList()
        if context == "range" { rangeDepth -= 1 }
        var elseList: [TemplateNode]?
        if case .elseToken = terminator {
            if context == "if", peekNonSpace().kind == .keyword(.if) {
                _ = nextNonSpace()
                elseList = [.ifNode(try parseControl("if"))]
            } else if context == "with", peekNonSpace().kind == .keyword(.with) {
                _ = nextNonSpace()
                elseList = [.withNode(try parseControl("with"))]
            } else {
                let (list, next) = try itemList()
                guard case .end = next else { throw error("expected end; found {{else}}") }
                elseList = list
            }
        }
        return ControlNode(pos: pipe.pos, pipe: pipe, list: list, elseList: elseList)
    }

    private mutating func templateName(_ context: String) throws(TemplateError) -> (TemplateToken, String) {
        let token = nextNonSpace()
        guard token.kind == .string || token.kind == .rawString else { throw unexpected(token, context) }
        return (token, try unquote(token))
    }

    private mutating func templateControl() throws(TemplateError) -> TemplateNode {
        let context = "template clause"
        let (token, name) = try templateName(context)
        var pipe: PipeNode?
        if nextNonSpace().kind != .rightDelim {
            backup()
            pipe = try pipeline(context, end: .rightDelim)
        }
        return .template(pos: token.pos, name: name, pipe: pipe)
    }

    private mutating func blockControl() throws(TemplateError) -> TemplateNode {
        let context = "block clause"
        let (token, name) = try templateName(context)
        let pipe = try pipeline(context, end: .rightDelim)
        let savedVars = vars
        let savedDepth = rangeDepth
        vars = ["$"]
        rangeDepth = 0
        let (body, terminator) = try itemList()
        vars = savedVars
        rangeDepth = savedDepth
        guard case .end = terminator else { throw error("unexpected {{else}} in \(context)") }
        try addTree(name: name, root: body)
        return .template(pos: token.pos, name: name, pipe: pipe)
    }

    // MARK: pipelines

    private mutating func pipeline(_ context: String, end: TemplateToken.Kind) throws(TemplateError) -> PipeNode {
        var pipe = PipeNode(pos: peekNonSpace().pos)
        // Declarations: `$x :=`, `$x =`, or in range `$i, $v :=`.
        declarations: while peekNonSpace().kind == .variable {
            let start = index
            let variable = nextNonSpace()
            let afterVariable = peek()
            let next = peekNonSpace()
            if next.kind == .assign || next.kind == .declare {
                pipe.isAssign = next.kind == .assign
                _ = nextNonSpace()
                pipe.decl.append(variable.text)
                vars.append(variable.text)
                break declarations
            }
            if next.kind == .char, next.text == "," {
                _ = nextNonSpace()
                pipe.decl.append(variable.text)
                vars.append(variable.text)
                if context == "range", pipe.decl.count < 2 {
                    switch peekNonSpace().kind {
                    case .variable, .rightDelim, .rightParen: continue declarations
                    default: throw error("range can only initialize variables")
                    }
                }
                throw error("too many declarations in \(context)")
            }
            _ = afterVariable
            index = start
            break declarations
        }
        while true {
            let token = nextNonSpace()
            if token.kind == end {
                guard !pipe.commands.isEmpty else { throw error("missing value for \(context)", line: token.line) }
                for (i, command) in pipe.commands.enumerated().dropFirst() {
                    switch command.args[0] {
                    case .bool, .dot, .nilValue, .number, .string:
                        throw error("non executable command in pipeline stage \(i + 1)")
                    default: break
                    }
                }
                return pipe
            }
            switch token.kind {
            case .bool, .charConstant, .dot, .field, .identifier, .number, .nilKeyword, .rawString, .string, .variable, .leftParen:
                backup()
                pipe.commands.append(try command())
            default:
                throw unexpected(token, context)
            }
        }
    }

    private mutating func command() throws(TemplateError) -> CommandNode {
        var command = CommandNode(pos: peekNonSpace().pos, args: [])
        while true {
            _ = peekNonSpace()
            if let operand = try operand() { command.args.append(operand) }
            let token = next()
            switch token.kind {
            case .space: continue
            case .rightDelim, .rightParen: backup()
            case .pipe: break
            default: throw unexpected(token, "operand")
            }
            break
        }
        guard !command.args.isEmpty else { throw error("empty command") }
        return command
    }

    private mutating func operand() throws(TemplateError) -> ArgNode? {
        guard let node = try term() else { return nil }
        guard peek().kind == .field else { return node }
        let chainPos = peek().pos
        var fields: [String] = []
        while peek().kind == .field { fields.append(String(next().text.dropFirst())) }
        // Go rebuilds the node at the position of the first chained field.
        switch node {
        case .field(_, let names): return .field(pos: chainPos, names: names + fields)
        case .variable(_, let names): return .variable(pos: chainPos, names: names + fields)
        case .bool, .string, .number, .nilValue, .dot:
            throw error("unexpected . after term \(GoQuote.quote(node.described))")
        default: return .chain(pos: chainPos, node: node, fields: fields)
        }
    }

    private mutating func term() throws(TemplateError) -> ArgNode? {
        let token = nextNonSpace()
        switch token.kind {
        case .identifier:
            guard functionNames.contains(token.text) else { throw error("function \(GoQuote.quote(token.text)) not defined") }
            return .identifier(pos: token.pos, name: token.text)
        case .dot: return .dot(pos: token.pos)
        case .nilKeyword: return .nilValue(pos: token.pos)
        case .variable:
            guard vars.contains(token.text) else { throw error("undefined variable \(GoQuote.quote(token.text))") }
            return .variable(pos: token.pos, names: [token.text])
        case .field: return .field(pos: token.pos, names: [String(token.text.dropFirst())])
        case .bool: return .bool(pos: token.pos, value: token.text == "true")
        case .number, .charConstant: return .number(pos: token.pos, try number(token))
        case .leftParen:
            guard nesting < Self.maxNesting else { throw error("max expression depth exceeded") }
            nesting += 1
            defer { nesting -= 1 }
            return .pipe(try pipeline("parenthesized pipeline", end: .rightParen))
        case .string, .rawString: return .string(pos: token.pos, quoted: token.text, text: try unquote(token))
        default:
            backup()
            return nil
        }
    }

    private func unquote(_ token: TemplateToken) throws(TemplateError) -> String {
        guard let text = GoQuote.unquote(token.text.utf8) else { throw error("invalid syntax", line: token.line) }
        return text
    }

    private func number(_ token: TemplateToken) throws(TemplateError) -> NumberConstant {
        var constant = NumberConstant(text: token.text)
        if token.kind == .charConstant {
            // Go: a bad escape or `''` is `invalid syntax`; more than one character is malformed.
            let body = token.text.dropFirst().dropLast()
            if body.isEmpty { throw error("invalid syntax") }
            guard let text = GoQuote.unquote(token.text.utf8), text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
                if body.hasPrefix("\\") && body.count == 2 || body.count == 1 { throw error("invalid syntax") }
                throw error("malformed character constant: \(token.text)")
            }
            constant.isChar = true
            constant.int = Int64(scalar.value)
            constant.float = Double(scalar.value)
            return constant
        }
        // Imaginary (`2i`) and complex (`1+2i`) constants; `-i` and the like are just illegal.
        let isImaginary = token.text.hasSuffix("i") && Self.parseGoFloat(String(token.text.dropLast())) != nil
        let isComplex = token.text.hasSuffix("i") && token.text.dropFirst().contains { $0 == "+" || $0 == "-" }
        if isImaginary || isComplex {
            throw error("complex numbers are not supported: \(GoQuote.quote(token.text))")
        }
        if let int = Self.parseGoInteger(token.text) {
            constant.int = int
            constant.float = Double(int)
        } else if Self.parseGoUnsigned(token.text) != nil {
            constant.isUnsignedOnly = true
            constant.float = Double(Self.parseGoUnsigned(token.text) ?? 0)
        } else if let float = Self.parseGoFloat(token.text) {
            // Integer-looking text that only parses as a float is too large (or, like `08`,
            // not valid octal): Go calls it an overflow.
            if !token.text.contains(where: { ".eEpP".contains($0) }) {
                throw error("integer overflow: \(GoQuote.quote(token.text))")
            }
            constant.float = float
            if float == float.rounded(), abs(float) < 9.2e18 { constant.int = Int64(float) }
        } else {
            throw error("illegal number syntax: \(GoQuote.quote(token.text))")
        }
        return constant
    }

    /// `strconv.ParseInt(s, 0, 64)`: sign, base prefix (`0x`, `0o`, `0b`, leading `0` octal),
    /// underscores only between digits after a prefix or digit.
    static func parseGoInteger(_ text: String) -> Int64? {
        var s = Substring(text)
        var negative = false
        if s.hasPrefix("+") || s.hasPrefix("-") {
            negative = s.hasPrefix("-")
            s = s.dropFirst()
        }
        guard let magnitude = parseGoUnsigned(String(s)) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    static func parseGoUnsigned(_ text: String) -> UInt64? {
        guard underscoreOK(text) else { return nil }
        var s = Substring(text)
        var radix = 10
        let lower = s.lowercased()
        if lower.hasPrefix("0x") { radix = 16; s = s.dropFirst(2) }
        else if lower.hasPrefix("0o") { radix = 8; s = s.dropFirst(2) }
        else if lower.hasPrefix("0b") { radix = 2; s = s.dropFirst(2) }
        else if s.count > 1, s.hasPrefix("0") { radix = 8; s = s.dropFirst() }
        let digits = s.replacing("_", with: "")
        guard !digits.isEmpty else { return nil }
        return UInt64(digits, radix: radix)
    }

    /// Go's `strconv.underscoreOK`: underscores only between digits, or after a base prefix.
    static func underscoreOK(_ text: String) -> Bool {
        var s = Array(text.utf8)
        if let first = s.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { s.removeFirst() }
        var saw: UInt8 = UInt8(ascii: "^")
        var i = 0
        var hex = false
        if s.count >= 2, s[0] == UInt8(ascii: "0"), [UInt8(ascii: "b"), UInt8(ascii: "o"), UInt8(ascii: "x")].contains(s[1] | 0x20) {
            i = 2
            saw = UInt8(ascii: "0")
            hex = s[1] | 0x20 == UInt8(ascii: "x")
        }
        while i < s.count {
            let c = s[i]
            i += 1
            if (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (hex && (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "f")) {
                saw = UInt8(ascii: "0")
                continue
            }
            if c == UInt8(ascii: "_") {
                if saw != UInt8(ascii: "0") { return false }
                saw = c
                continue
            }
            if saw == UInt8(ascii: "_") { return false }
            saw = UInt8(ascii: "!")
        }
        return saw != UInt8(ascii: "_")
    }

    static func parseGoFloat(_ text: String) -> Double? {
        guard underscoreOK(text) else { return nil }
        let cleaned = text.replacing("_", with: "")
        let body = cleaned.hasPrefix("+") || cleaned.hasPrefix("-") ? cleaned.dropFirst() : Substring(cleaned)
        guard let first = body.first, first.isNumber || first == "." else { return nil }
        return Double(cleaned)
    }
}
