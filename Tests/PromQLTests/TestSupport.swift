import Foundation
import Model
@testable import PromQL

/// Upstream cases extracted from Prometheus v3.14.0 `promql/parser/*_test.go` into JSON.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct ParseCase: Decodable, Sendable, CustomStringConvertible {
        let input: String
        let fail: Bool
        let error: String?
        let start: Int?
        let top: String?
        let nodes: [String]?
        /// Upstream's expected AST in `GoASTForm`.
        let ast: String?
        var description: String { input }
    }

    struct LexerCase: Decodable, Sendable, CustomStringConvertible {
        let input: String
        let fail: Bool
        /// `[kind, position, text]` triples.
        let tokens: [[TokenField]]
        var description: String { input }
    }

    enum TokenField: Decodable, Sendable {
        case int(Int), text(String)
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) { self = .int(value) } else { self = .text(try container.decode(String.self)) }
        }
        var text: String? { if case .text(let value) = self { value } else { nil } }
        var int: Int? { if case .int(let value) = self { value } else { nil } }
    }

    struct PrinterCase: Decodable, Sendable, CustomStringConvertible {
        let input: String
        let output: String
        var description: String { input }
    }

    static func load<T: Decodable>(_ name: String, as: T.Type) -> T {
        let data = (try? Data(contentsOf: directory.appendingPathComponent(name))) ?? Data()
        return (try? JSONDecoder().decode(T.self, from: data)) ?? { preconditionFailure("fixture \(name) missing") }()
    }

    static let parseCases = load("parse_cases.json", as: [ParseCase].self)
    static let printerCases = load("printer_cases.json", as: [PrinterCase].self)
    static let prettierCases = load("prettier_cases.json", as: [PrinterCase].self)
    static let lexerCases = load("lexer_cases.json", as: [LexerCase].self)
}

/// Every `eval` expression of the upstream promqltest scripts.
enum ConformanceExpressions {
    static let directory = URL(fileURLWithPath: "/work/shared/conformance/promql/testdata")

    struct Eval: Sendable, CustomStringConvertible {
        let file: String
        let line: Int
        let expression: String
        var description: String { "\(file):\(line)" }
    }

    static let all: [Eval] = {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".test") }.sorted()
        var evals: [Eval] = []
        for file in files {
            guard let text = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8) else { continue }
            for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = rawLine.trimmingCharacters(in: .whitespaces)
                guard line.hasPrefix("eval"), let expression = expression(ofHeader: line) else { continue }
                evals.append(Eval(file: file, line: index + 1, expression: expression))
            }
        }
        return evals
    }()

    /// `eval instant at T expr`, `eval range from A to B step S expr` (FORMAT.md section 4.1),
    /// read word by word.
    static func expression(ofHeader line: String) -> String? {
        var rest = Substring(line)
        func word() -> Substring {
            rest = rest.drop(while: { $0 == " " || $0 == "\t" })
            let end = rest.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? rest.endIndex
            defer { rest = rest[end...] }
            return rest[..<end]
        }
        _ = word()   // eval, eval_fail, eval_ordered, ...
        switch word() {
        case "instant":
            guard word() == "at" else { return nil }
            _ = word()
        case "range":
            guard word() == "from" else { return nil }
            _ = word()
            guard word() == "to" else { return nil }
            _ = word()
            guard word() == "step" else { return nil }
            _ = word()
        default:
            return nil
        }
        let expression = rest.trimmingCharacters(in: .whitespaces)
        return expression.isEmpty ? nil : expression
    }
}

extension Expr {
    /// The same tree with every position zeroed, so trees parsed from different text compare equal.
    var withoutPositions: Expr {
        let zero = PositionRange(start: 0, end: 0)
        func strip(_ duration: DurationExpr) -> DurationExpr {
            // `+d` prints as `d`: compare the operand.
            if duration.op == .add, duration.lhs == nil, case .duration(let inner)? = duration.rhs { return strip(inner) }
            var copy = duration
            copy.startPosition = 0
            copy.endPosition = 0
            copy.lhs = copy.lhs?.withoutPositions
            copy.rhs = copy.rhs?.withoutPositions
            return copy
        }
        func strip(_ selector: VectorSelector) -> VectorSelector {
            var copy = selector
            copy.range = zero
            copy.matchers.sort { $0.description < $1.description }   // printing sorts them
            copy.originalOffsetExpr = copy.originalOffsetExpr.map(strip)
            return copy
        }
        switch self {
        case .number(var node):
            node.range = zero
            if node.value.isNaN { node.value = Expr.nanSentinel }   // NaN != NaN under ==
            return .number(node)
        case .string(var node):
            node.range = zero
            return .string(node)
        case .vectorSelector(let node):
            return .vectorSelector(strip(node))
        case .matrixSelector(var node):
            node.vectorSelector = strip(node.vectorSelector)
            node.rangeExpr = node.rangeExpr.map(strip)
            node.endPosition = 0
            return .matrixSelector(node)
        case .subquery(var node):
            node.expr = node.expr.withoutPositions
            node.rangeExpr = node.rangeExpr.map(strip)
            node.stepExpr = node.stepExpr.map(strip)
            node.originalOffsetExpr = node.originalOffsetExpr.map(strip)
            node.endPosition = 0
            return .subquery(node)
        case .paren(var node):
            node.expr = node.expr.withoutPositions
            node.range = zero
            return .paren(node)
        case .unary(var node):
            node.expr = node.expr.withoutPositions
            node.startPosition = 0
            return .unary(node)
        case .binary(var node):
            node.lhs = node.lhs.withoutPositions
            node.rhs = node.rhs.withoutPositions
            if node.matching?.fillLeft?.isNaN == true { node.matching?.fillLeft = Expr.nanSentinel }
            if node.matching?.fillRight?.isNaN == true { node.matching?.fillRight = Expr.nanSentinel }
            return .binary(node)
        case .aggregate(var node):
            node.expr = node.expr.withoutPositions
            node.param = node.param?.withoutPositions
            node.range = zero
            return .aggregate(node)
        case .call(var node):
            node.args = node.args.map(\.withoutPositions)
            node.range = zero
            return .call(node)
        case .duration(let node):
            return .duration(strip(node))
        }
    }

    /// Go type names of every node in the tree, durations in modifiers included, sorted.
    var nodeTypeNames: [String] {
        var names: [String] = []
        collect(into: &names)
        return names.sorted()
    }

    private func collect(into names: inout [String]) {
        names.append(goTypeName)
        switch self {
        case .vectorSelector(let node):
            if let offset = node.originalOffsetExpr { Expr.duration(offset).collect(into: &names) }
        case .matrixSelector(let node):
            names.append("VectorSelector")
            if let offset = node.vectorSelector.originalOffsetExpr { Expr.duration(offset).collect(into: &names) }
            if let range = node.rangeExpr { Expr.duration(range).collect(into: &names) }
            return
        case .subquery(let node):
            for duration in [node.rangeExpr, node.stepExpr, node.originalOffsetExpr].compactMap({ $0 }) {
                Expr.duration(duration).collect(into: &names)
            }
        case .duration(let node):
            node.lhs?.collect(into: &names)
            node.rhs?.collect(into: &names)
            return
        default: break
        }
        for child in children { child.collect(into: &names) }
    }

    /// Stands in for NaN when trees are compared.
    static let nanSentinel = -1.2345678901234567e300

    /// Upstream's Go type name of the node (`VectorSelector`, `BinaryExpr`, ...).
    var goTypeName: String {
        switch self {
        case .number: "NumberLiteral"
        case .string: "StringLiteral"
        case .vectorSelector: "VectorSelector"
        case .matrixSelector: "MatrixSelector"
        case .subquery: "SubqueryExpr"
        case .paren: "ParenExpr"
        case .unary: "UnaryExpr"
        case .binary: "BinaryExpr"
        case .aggregate: "AggregateExpr"
        case .call: "Call"
        case .duration: "DurationExpr"
        }
    }
}
