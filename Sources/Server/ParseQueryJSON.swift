import Model
import PromQL

extension JSONWriter {
    /// Appends `expr` as Prometheus's `/api/v1/parse_query` shows it (upstream's
    /// `translateAST` in `web/api/v1/translate_ast.go`): one object per node with a `type`,
    /// keys in Go's map order (sorted), ranges and offsets in milliseconds.
    mutating func ast(_ expr: Expr?) {
        guard let expr else { raw("null"); return }
        switch expr {
        case .aggregate(let node):
            object([
                ("expr", { $0.ast(node.expr) }),
                ("grouping", { $0.strings(node.grouping) }),
                ("op", { $0.string(node.op.spelling ?? "") }),
                ("param", { $0.ast(node.param) }),
                ("type", { $0.string("aggregation") }),
                ("without", { $0.bool(node.without) }),
            ])
        case .binary(let node):
            object([
                ("bool", { $0.bool(node.returnBool) }),
                ("lhs", { $0.ast(node.lhs) }),
                ("matching", { json in
                    guard let matching = node.matching else { json.raw("null"); return }
                    json.object([
                        ("card", { $0.string(matching.cardinality.rawValue) }),
                        ("fillValues", { json in
                            json.object([("lhs", { $0.optionalNumber(matching.fillLeft) }),
                                         ("rhs", { $0.optionalNumber(matching.fillRight) })])
                        }),
                        ("include", { $0.strings(matching.include) }),
                        ("labels", { $0.strings(matching.matchingLabels) }),
                        ("on", { $0.bool(matching.on) }),
                    ])
                }),
                ("op", { $0.string(node.op.spelling ?? "") }),
                ("rhs", { $0.ast(node.rhs) }),
                ("type", { $0.string("binaryExpr") }),
            ])
        case .call(let node):
            object([
                ("args", { json in json.array(node.args) { $0.ast($1) } }),
                ("func", { json in
                    json.object([
                        ("argTypes", { $0.strings(node.function.argumentTypes.map(\.rawValue)) }),
                        ("name", { $0.string(node.function.name) }),
                        ("returnType", { $0.string(node.function.returnType.rawValue) }),
                        ("variadic", { $0.int(node.function.variadic) }),
                    ])
                }),
                ("type", { $0.string("call") }),
            ])
        case .matrixSelector(let node):
            astSelector(node.vectorSelector, type: "matrixSelector", range: [
                ("range", { $0.int(node.rangeNanoseconds / 1_000_000) }),
                ("rangeExpr", { $0.astDuration(node.rangeExpr) }),
            ])
        case .subquery(let node):
            object([
                ("expr", { $0.ast(node.expr) }),
                ("offset", { $0.int(node.originalOffset / 1_000_000) }),
                ("offsetExpr", { $0.astDuration(node.originalOffsetExpr) }),
                ("range", { $0.int(node.rangeNanoseconds / 1_000_000) }),
                ("rangeExpr", { $0.astDuration(node.rangeExpr) }),
                ("startOrEnd", { $0.astStartOrEnd(node.startOrEnd) }),
                ("step", { $0.int(node.stepNanoseconds / 1_000_000) }),
                ("stepExpr", { $0.astDuration(node.stepExpr) }),
                ("timestamp", { $0.optionalInt(node.timestamp) }),
                ("type", { $0.string("subquery") }),
            ])
        case .number(let node):
            object([
                ("duration", { $0.bool(node.isDuration) }),
                ("type", { $0.string("numberLiteral") }),
                ("val", { $0.string(node.goText) }),
            ])
        case .paren(let node):
            object([("expr", { $0.ast(node.expr) }), ("type", { $0.string("parenExpr") })])
        case .string(let node):
            object([("type", { $0.string("stringLiteral") }), ("val", { $0.string(node.value) })])
        case .unary(let node):
            object([
                ("expr", { $0.ast(node.expr) }),
                ("op", { $0.string(node.op.spelling ?? "") }),
                ("type", { $0.string("unaryExpr") }),
            ])
        case .vectorSelector(let selector):
            astSelector(selector, type: "vectorSelector", range: [])
        case .duration(let node):
            astDuration(node)
        }
    }

    /// A vector or matrix selector; `range` holds a matrix selector's members.
    private mutating func astSelector(_ selector: VectorSelector, type: String, range: [(String, (inout JSONWriter) -> Void)]) {
        object([
            ("anchored", { $0.bool(selector.anchored) }),
            ("matchers", { $0.astMatchers(selector) }),
            ("name", { $0.string(selector.name) }),
            ("offset", { $0.int(selector.originalOffset / 1_000_000) }),
            ("offsetExpr", { $0.astDuration(selector.originalOffsetExpr) }),
        ] + range + [
            ("smoothed", { $0.bool(selector.smoothed) }),
            ("startOrEnd", { $0.astStartOrEnd(selector.startOrEnd) }),
            ("timestamp", { $0.optionalInt(selector.timestamp) }),
            ("type", { $0.string(type) }),
        ])
    }

    /// A duration expression node (`durationExpr`), or `null`.
    private mutating func astDuration(_ node: DurationExpr?) {
        guard let node else { raw("null"); return }
        object([
            ("lhs", { $0.ast(node.lhs) }),
            ("op", { $0.string(node.op.spelling ?? "") }),
            ("rhs", { $0.ast(node.rhs) }),
            ("type", { $0.string("durationExpr") }),
            ("wrapped", { $0.bool(node.wrapped) }),
        ])
    }

    private mutating func astMatchers(_ selector: VectorSelector) {
        array(selector.matchers) { json, matcher in
            json.object([
                ("name", { $0.string(matcher.name) }),
                ("type", { $0.string(matcher.type.rawValue) }),
                ("value", { $0.string(matcher.value) }),
            ])
        }
    }

    private mutating func astStartOrEnd(_ value: AtPreprocessor?) {
        switch value {
        case .start: string("start")
        case .end: string("end")
        case nil: raw("null")
        }
    }

    private mutating func optionalInt(_ value: Int64?) {
        if let value { int(value) } else { raw("null") }
    }

    private mutating func optionalNumber(_ value: Double?) {
        if let value { number(value) } else { raw("null") }
    }

    /// An object of `members` in the order given.
    private mutating func object(_ members: [(String, (inout JSONWriter) -> Void)]) {
        byte("{")
        for (index, (name, write)) in members.enumerated() {
            if index > 0 { byte(",") }
            key(name)
            write(&self)
        }
        byte("}")
    }
}
