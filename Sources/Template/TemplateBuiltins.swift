/// Go's predefined template functions (`text/template/funcs.go`): arity, behaviour and the
/// error texts Go returns from them.
enum TemplateBuiltins {
    enum Builtin: String, CaseIterable {
        case and, or, not, len, index, slice, print, printf, println, html, js, urlquery, call
        case eq, ne, lt, le, gt, ge

        /// Fixed parameter count and whether more may follow.
        var arity: (Int, Bool) {
            switch self {
            case .and, .or, .index, .slice, .printf, .call, .eq: (1, true)
            case .not, .len: (1, false)
            case .print, .println, .html, .js, .urlquery: (0, true)
            case .ne, .lt, .le, .gt, .ge: (2, false)
            }
        }
    }

    static let names: Set<String> = Set(Builtin.allCases.map(\.rawValue))

    static func call(_ builtin: Builtin, _ args: [TemplateValue], calleeName: String) throws(TemplateFunctionError) -> TemplateValue {
        switch builtin {
        case .and, .or:
            preconditionFailure("BUG: and/or are evaluated lazily by the executor")
        case .not: return .bool(!args[0].isTrue)
        case .len: return .int(try length(args[0]))
        case .index: return try index(args[0], Array(args.dropFirst()))
        case .slice: return try slice(args[0], Array(args.dropFirst()))
        case .print: return .string(GoPrint.sprint(args))
        case .println: return .string(GoPrint.sprintln(args))
        case .printf:
            guard case .string(let format) = args[0] else { preconditionFailure("BUG: printf format is a string") }
            return .string(GoSprintf.format(format, Array(args.dropFirst())))
        case .html: return .string(GoEscape.html(escaperInput(args)))
        case .js: return .string(GoEscape.js(escaperInput(args)))
        case .urlquery: return .string(GoEscape.queryEscape(escaperInput(args)))
        case .call:
            if args[0] == .missing { throw TemplateFunctionError("call of nil") }
            throw TemplateFunctionError("non-function \(calleeName) of type \(args[0].goTypeName)")
        case .eq:
            guard args.count > 1 else { throw TemplateFunctionError("missing argument for comparison") }
            for other in args.dropFirst() where try equal(args[0], other) { return .bool(true) }
            return .bool(false)
        case .ne: return .bool(!(try equal(args[0], args[1])))
        case .lt: return .bool(try less(args[0], args[1]))
        case .le, .gt:
            let isLess = try less(args[0], args[1])
            let lessOrEqual = isLess ? true : try equal(args[0], args[1])
            return .bool(builtin == .le ? lessOrEqual : !lessOrEqual)
        case .ge: return .bool(!(try less(args[0], args[1])))
        }
    }

    /// `evalArgs`: one string argument is used as is; anything else goes through `fmt.Sprint`.
    private static func escaperInput(_ args: [TemplateValue]) -> String {
        if args.count == 1, case .string(let s) = args[0] { return s }
        return GoPrint.sprint(args)
    }

    private static func length(_ value: TemplateValue) throws(TemplateFunctionError) -> Int {
        switch value {
        case .string(let s), .html(let s): return s.utf8.count
        case .list(let l): return l.count
        case .map(let m): return m.entries.count
        case .samples(let s): return s.count
        case .missing: throw TemplateFunctionError("reflect: call of reflect.Value.Type on zero Value")
        default: throw TemplateFunctionError("len of type \(value.goTypeName)")
        }
    }

    private static func indexValue(_ index: TemplateValue, bound: Int, allowEnd: Bool) throws(TemplateFunctionError) -> Int {
        let x: Int
        switch index {
        case .int(let i): x = i
        case .missing: throw TemplateFunctionError("cannot index slice/array with nil")
        default: throw TemplateFunctionError("cannot index slice/array with type \(index.goTypeName)")
        }
        if x < 0 || x > bound || (!allowEnd && x == bound) { throw TemplateFunctionError("index out of range: \(x)") }
        return x
    }

    private static func index(_ item: TemplateValue, _ indexes: [TemplateValue]) throws(TemplateFunctionError) -> TemplateValue {
        guard item != .missing else { throw TemplateFunctionError("index of untyped nil") }
        var item = item
        for index in indexes {
            switch item {
            case .list(let list):
                item = list[try indexValue(index, bound: list.count, allowEnd: false)]
            case .samples(let samples):
                item = .sample(samples[try indexValue(index, bound: samples.count, allowEnd: false)])
            case .string(let s), .html(let s):
                let bytes = Array(s.utf8)
                item = .int(Int(bytes[try indexValue(index, bound: bytes.count, allowEnd: false)]))   // a Go byte
            case .map(let map):
                guard case .string(let key) = index else {
                    if index == .missing { throw TemplateFunctionError("value is nil; should be of type string") }
                    throw TemplateFunctionError("value has type \(index.goTypeName); should be string")
                }
                item = map.entries[key] ?? map.elementType.zero
            case .missing:
                throw TemplateFunctionError("index of nil pointer")
            default:
                throw TemplateFunctionError("can't index item of type \(item.goTypeName)")
            }
        }
        return item
    }

    private static func slice(_ item: TemplateValue, _ indexes: [TemplateValue]) throws(TemplateFunctionError) -> TemplateValue {
        guard item != .missing else { throw TemplateFunctionError("slice of untyped nil") }
        guard indexes.count <= 3 else { throw TemplateFunctionError("too many slice indexes: \(indexes.count)") }
        let count: Int
        switch item {
        case .string(let s), .html(let s):
            if indexes.count == 3 { throw TemplateFunctionError("cannot 3-index slice a string") }
            count = s.utf8.count
        case .list(let l): count = l.count
        case .samples(let s): count = s.count
        default: throw TemplateFunctionError("can't slice item of type \(item.goTypeName)")
        }
        var bounds = [0, count, count]
        for (i, index) in indexes.enumerated() { bounds[i] = try indexValue(index, bound: count, allowEnd: true) }
        if bounds[0] > bounds[1] { throw TemplateFunctionError("invalid slice index: \(bounds[0]) > \(bounds[1])") }
        if indexes.count == 3, bounds[1] > bounds[2] {
            throw TemplateFunctionError("invalid slice index: \(bounds[1]) > \(bounds[2])")
        }
        let range = bounds[0]..<bounds[1]
        switch item {
        case .string(let s): return .string(String(decoding: Array(s.utf8)[range], as: UTF8.self))
        case .html(let s): return .html(String(decoding: Array(s.utf8)[range], as: UTF8.self))
        case .list(let l): return .list(Array(l[range]))
        case .samples(let s): return .samples(Array(s[range]))
        default: preconditionFailure("BUG: checked above")
        }
    }

    private enum BasicKind { case bool, int, float, string }

    private static func basicKind(_ v: TemplateValue) -> BasicKind? {
        switch v {
        case .bool: .bool
        case .int, .duration: .int
        case .float: .float
        case .string, .html: .string
        default: nil
        }
    }

    /// Go's `eq` for one pair: basic kinds compare by value (ints of any sign together), a
    /// missing value equals only another missing value, maps and slices are not comparable.
    static func equal(_ a: TemplateValue, _ b: TemplateValue) throws(TemplateFunctionError) -> Bool {
        let ka = basicKind(a)
        let kb = basicKind(b)
        if ka != kb {
            if a == .missing || b == .missing { return false }
            if ka == nil || kb == nil {
                // Non-basic against basic: Go reports incompatible types.
                throw TemplateFunctionError("incompatible types for comparison")
            }
            throw TemplateFunctionError("incompatible types for comparison")
        }
        if ka != nil { return basicEqual(a, b) }
        switch (a, b) {
        case (.missing, .missing): return true
        case (.list, _), (.map, _), (.samples, _):
            throw TemplateFunctionError("non-comparable type \(asString(a)): \(a.goTypeName)")
        case (_, .list), (_, .map), (_, .samples):
            throw TemplateFunctionError("non-comparable type \(asString(b)): \(b.goTypeName)")
        default:
            guard a.goTypeName == b.goTypeName else { throw TemplateFunctionError("incompatible types for comparison") }
            return a == b
        }
    }

    /// Go formats the value with `%s` in this message.
    private static func asString(_ v: TemplateValue) -> String {
        GoSprintf.formatArg(v, verb: "s", flags: GoSprintf.Flags(), depth: 0)
    }

    private static func basicEqual(_ a: TemplateValue, _ b: TemplateValue) -> Bool {
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return x == y
        case (.float(let x), .float(let y)): return x == y
        default:
            if let x = intValue(a), let y = intValue(b) { return x == y }
            if let x = stringValue(a), let y = stringValue(b) { return x == y }
            return false
        }
    }

    private static func intValue(_ v: TemplateValue) -> Int64? {
        switch v {
        case .int(let i): Int64(i)
        case .duration(let d): d
        default: nil
        }
    }

    private static func stringValue(_ v: TemplateValue) -> String? {
        switch v {
        case .string(let s), .html(let s): s
        default: nil
        }
    }

    /// Go's `lt`: only ints, floats and strings are ordered; mixing them is an error.
    static func less(_ a: TemplateValue, _ b: TemplateValue) throws(TemplateFunctionError) -> Bool {
        guard let ka = basicKind(a), let kb = basicKind(b) else {
            throw TemplateFunctionError("invalid type for comparison")
        }
        guard ka == kb else { throw TemplateFunctionError("incompatible types for comparison") }
        switch ka {
        case .bool: throw TemplateFunctionError("invalid type for comparison")
        case .int: return (intValue(a) ?? 0) < (intValue(b) ?? 0)
        case .float:
            guard case .float(let x) = a, case .float(let y) = b else { return false }
            return x < y
        case .string:
            return Array((stringValue(a) ?? "").utf8).lexicographicallyPrecedes(Array((stringValue(b) ?? "").utf8))
        }
    }
}
