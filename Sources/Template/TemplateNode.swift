import Model

/// A number literal with every interpretation Go's parser records for it.
struct NumberConstant: Sendable {
    var text: String
    var int: Int64?
    var float: Double?
    var isUnsignedOnly = false
    var isChar = false

    /// What the literal is as an untyped constant (`idealConstant`): a float when written with
    /// `.`, an exponent or `p` (and not hex/char), else an int.
    var idealIsFloat: Bool {
        let isHex = text.hasPrefix("0x") || text.hasPrefix("0X") || text.hasPrefix("-0x") || text.hasPrefix("+0x")
        return float != nil && !isChar && (isHex ? text.contains { $0 == "p" || $0 == "P" } : text.contains { ".eEpP".contains($0) })
    }
}

/// An operand inside a command, as `text/template/parse` models it.
indirect enum ArgNode: Sendable {
    case field(pos: Int, names: [String])
    /// `$x.a.b`: `names[0]` is the variable (with `$`).
    case variable(pos: Int, names: [String])
    case chain(pos: Int, node: ArgNode, fields: [String])
    case identifier(pos: Int, name: String)
    case dot(pos: Int)
    case nilValue(pos: Int)
    case bool(pos: Int, value: Bool)
    case number(pos: Int, NumberConstant)
    case string(pos: Int, quoted: String, text: String)
    case pipe(PipeNode)

    var pos: Int {
        switch self {
        case .field(let p, _), .variable(let p, _), .chain(let p, _, _), .identifier(let p, _), .dot(let p),
            .nilValue(let p), .bool(let p, _), .number(let p, _), .string(let p, _, _):
            p
        case .pipe(let pipe): pipe.pos
        }
    }

    /// The operand as written, for error contexts.
    var described: String {
        switch self {
        case .field(_, let names): names.map { "." + $0 }.joined()
        case .variable(_, let names): names[0] + names.dropFirst().map { "." + $0 }.joined()
        case .chain(_, let node, let fields):
            (node.isPipe ? "(" + node.described + ")" : node.described) + fields.map { "." + $0 }.joined()
        case .identifier(_, let name): name
        case .dot: "."
        case .nilValue: "nil"
        case .bool(_, let value): value ? "true" : "false"
        case .number(_, let constant): constant.text
        case .string(_, let quoted, _): quoted
        case .pipe(let pipe): pipe.described
        }
    }

    var isPipe: Bool {
        if case .pipe = self { return true }
        return false
    }
}

struct CommandNode: Sendable {
    var pos: Int
    var args: [ArgNode]

    var described: String {
        args.map { $0.isPipe ? "(" + $0.described + ")" : $0.described }.joined(separator: " ")
    }
}

struct PipeNode: Sendable {
    var pos: Int
    var isAssign = false
    var decl: [String] = []
    var commands: [CommandNode] = []

    var described: String {
        var out = ""
        if !decl.isEmpty { out = decl.joined(separator: ", ") + (isAssign ? " = " : " := ") }
        return out + commands.map(\.described).joined(separator: " | ")
    }
}

struct ControlNode: Sendable {
    var pos: Int
    var pipe: PipeNode
    var list: [TemplateNode]
    var elseList: [TemplateNode]?
}

/// A node of a parsed template body.
indirect enum TemplateNode: Sendable {
    case text([UInt8])
    case action(pos: Int, PipeNode)
    case ifNode(ControlNode)
    case rangeNode(ControlNode)
    case withNode(ControlNode)
    case template(pos: Int, name: String, pipe: PipeNode?)
    case breakNode(pos: Int)
    case continueNode(pos: Int)

    /// The node as written, for error contexts (Go's `Node.String()`).
    var described: String {
        switch self {
        case .text(let bytes): String(decoding: bytes, as: UTF8.self)
        case .action(_, let pipe): "{{" + pipe.described + "}}"
        case .ifNode(let c): Self.describeControl("if", c)
        case .rangeNode(let c): Self.describeControl("range", c)
        case .withNode(let c): Self.describeControl("with", c)
        case .template(_, let name, let pipe):
            "{{template " + GoQuote.quote(name) + (pipe.map { " " + $0.described } ?? "") + "}}"
        case .breakNode: "{{break}}"
        case .continueNode: "{{continue}}"
        }
    }

    private static func describeControl(_ keyword: String, _ c: ControlNode) -> String {
        var out = "{{" + keyword + " " + c.pipe.described + "}}" + c.list.map(\.described).joined()
        if let elseList = c.elseList { out += "{{else}}" + elseList.map(\.described).joined() }
        return out + "{{end}}"
    }
}

/// One named template's body and the text it was parsed from (for error positions).
struct TemplateTree: Sendable {
    var name: String
    /// The name of the template whose text this came from (`ParseName` in Go).
    var parseName: String
    var source: TemplateSource
    var root: [TemplateNode]
}

/// Template text kept for turning byte offsets into `line:column`.
final class TemplateSource: Sendable {
    let bytes: [UInt8]

    init(_ text: String) { bytes = Array(text.utf8) }

    /// Go's `ErrorContext` location: 1-based line and a 0-based byte column.
    func location(of pos: Int) -> (line: Int, column: Int) {
        let end = min(max(pos, 0), bytes.count)
        var line = 1
        var lastNewline = -1
        for i in 0..<end where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lastNewline = i
        }
        return (line, lastNewline < 0 ? end : end - lastNewline - 1)
    }
}
