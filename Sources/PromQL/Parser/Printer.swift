import Model

/// Prints expressions in the canonical form of upstream's `printer.go` (`String()`).
enum Printer {
    /// Go's `%v` for a float64 (`'g'` with the shortest digits, exponent from 1e21 or below 1e-4).
    static func goFloatV(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let (negative, digits, exponent) = decompose(value)
        let decimalExponent = exponent - 1
        if decimalExponent < -4 || decimalExponent >= 21 {
            var out = negative ? "-" : ""
            out += String(digits.prefix(1))
            if digits.count > 1 { out += "." + digits.dropFirst() }
            let magnitude = abs(decimalExponent)
            out += (decimalExponent < 0 ? "e-" : "e+") + (magnitude < 10 ? "0" : "") + String(magnitude)
            return out
        }
        return FloatFormatting.goFixed(value)
    }

    /// Go's `%f` (six decimals) for the `@` bound error.
    static func goFixed(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let (negative, digits, exponent) = decompose(value)
        if abs(value) >= 1e12 {
            // Too large to scale by 1e6 in a UInt64; at most a few fractional digits remain.
            let integer = exponent >= digits.count ? digits + String(repeating: "0", count: exponent - digits.count)
                : String(digits.prefix(exponent))
            var fraction = exponent >= digits.count ? "" : String(digits.dropFirst(exponent))
            fraction = String((fraction + "000000").prefix(6))
            return (negative ? "-" : "") + integer + "." + fraction
        }
        let scaled = (abs(value) * 1e6).rounded()
        let integer = UInt64(scaled)
        let fraction = String(integer % 1_000_000)
        return (negative ? "-" : "") + String(integer / 1_000_000) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    /// Shortest round-tripping decimal digits of |value| and the position of the decimal
    /// point relative to them (`value = 0.digits × 10^exponent`).
    private static func decompose(_ value: Double) -> (Bool, String, Int) {
        let negative = value.sign == .minus && value != 0
        if value == 0 { return (value.sign == .minus, "0", 1) }
        let text = "\(abs(value))"   // Swift prints the shortest round-tripping digits.
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var integerPart = mantissa
        var fractionPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(integerPart) + fractionPart
        var point = integerPart.count + exponent
        while digits.count > 1, digits.hasPrefix("0") {
            digits.removeFirst()
            point -= 1
        }
        while digits.count > 1, digits.hasSuffix("0") { digits.removeLast() }
        return (negative, digits, point)
    }

    /// `model.Duration.String()` of nanoseconds: `1h30m`, `0s`; years and weeks only when exact.
    static func duration(nanoseconds: Int64) -> String {
        guard nanoseconds >= 0 else { return "" }   // as Go: no unit prints for a negative duration
        return duration(magnitude: nanoseconds.magnitude)
    }

    /// `model.Duration.String()` of a non-negative duration given as a magnitude in nanoseconds.
    static func duration(magnitude nanoseconds: UInt64) -> String {
        var milliseconds = nanoseconds / 1_000_000
        if milliseconds == 0 { return "0s" }
        var out = ""
        let units: [(String, UInt64, Bool)] = [
            ("y", 365 * 86_400_000, true), ("w", 7 * 86_400_000, true), ("d", 86_400_000, false),
            ("h", 3_600_000, false), ("m", 60_000, false), ("s", 1000, false), ("ms", 1, false),
        ]
        for (unit, multiple, exact) in units {
            if exact, milliseconds % multiple != 0 { continue }
            let count = milliseconds / multiple
            if count > 0 {
                out += "\(count)\(unit)"
                milliseconds -= count * multiple
            }
        }
        return out
    }

    static func labelName(_ name: String) -> String {
        NameValidationScheme.isLegacyName(name.utf8, allowColon: false) ? name : GoQuote.quote(name)
    }

    static func labelList(_ names: [String]) -> String {
        names.map(labelName).joined(separator: ", ")
    }

    static func matcher(_ matcher: Matcher) -> String {
        labelName(matcher.name) + matcher.type.rawValue + GoQuote.quote(matcher.value)
    }

    static func timestamp(_ milliseconds: Int64) -> String {
        let negative = milliseconds < 0
        let magnitude = milliseconds.magnitude
        let fraction = String(magnitude % 1000)
        return (negative ? "-" : "") + "\(magnitude / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    static func at(_ timestamp: Int64?, _ preprocessor: AtPreprocessor?) -> String {
        if let timestamp { return " @ " + Printer.timestamp(timestamp) }
        switch preprocessor {
        case .start: return " @ start()"
        case .end: return " @ end()"
        case nil: return ""
        }
    }

    static func offset(_ nanoseconds: Int64, _ expr: DurationExpr?) -> String {
        if let expr { return " offset \(Expr.duration(expr))" }
        if nanoseconds > 0 { return " offset " + duration(nanoseconds: nanoseconds) }
        if nanoseconds < 0 { return " offset -" + duration(magnitude: nanoseconds.magnitude) }
        return ""
    }

    static func selector(_ node: VectorSelector, modifiers: Bool) -> String {
        var out = node.name
        let matchers = node.matchers
            .filter { !($0.name == "__name__" && $0.type == .equal && $0.value == node.name && !$0.value.isEmpty) }
            .map(matcher)
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        if !matchers.isEmpty { out += "{" + matchers.joined(separator: ",") + "}" }
        guard modifiers else { return out }
        out += at(node.timestamp, node.startOrEnd)
        if node.anchored { out += " anchored" } else if node.smoothed { out += " smoothed" }
        return out + offset(node.originalOffset, node.originalOffsetExpr)
    }

    static func matching(_ node: BinaryExpr) -> String {
        guard let matching = node.matching else { return "" }
        var out = ""
        let grouped = matching.cardinality == .manyToOne || matching.cardinality == .oneToMany
        if !matching.matchingLabels.isEmpty || matching.on || grouped {
            out += " \(matching.on ? "on" : "ignoring") (" + labelList(matching.matchingLabels) + ")"
        }
        if grouped {
            out += " group_\(matching.cardinality == .manyToOne ? "left" : "right") (" + labelList(matching.include) + ")"
        }
        if let left = matching.fillLeft, let right = matching.fillRight, left == right {
            out += " fill (\(goFloatV(left)))"
        } else {
            if let left = matching.fillLeft { out += " fill_left (\(goFloatV(left)))" }
            if let right = matching.fillRight { out += " fill_right (\(goFloatV(right)))" }
        }
        return out
    }
}

extension Expr: CustomStringConvertible {
    /// The canonical form, as upstream's `Expr.String()`.
    package var description: String {
        switch self {
        case .number(let node):
            if node.isDuration {
                let nanoseconds = NumberParsing.nanoseconds(fromSeconds: abs(node.value))
                return (node.value < 0 ? "-" : "") + Printer.duration(nanoseconds: nanoseconds)
            }
            return FloatFormatting.goFixed(node.value)
        case .string(let node):
            return GoQuote.quote(node.value)
        case .vectorSelector(let node):
            return Printer.selector(node, modifiers: true)
        case .matrixSelector(let node):
            let selector = node.vectorSelector
            let range = node.rangeExpr.map { Expr.duration($0).description }
                ?? Printer.duration(nanoseconds: node.rangeNanoseconds)
            let extended = selector.anchored ? " anchored" : selector.smoothed ? " smoothed" : ""
            return Printer.selector(selector, modifiers: false) + "[\(range)]" + extended
                + Printer.at(selector.timestamp, selector.startOrEnd)
                + Printer.offset(selector.originalOffset, selector.originalOffsetExpr)
        case .subquery(let node):
            let range = node.rangeExpr.map { Expr.duration($0).description }
                ?? Printer.duration(nanoseconds: node.rangeNanoseconds)
            var step = ""
            if node.stepNanoseconds != 0 {
                step = Printer.duration(nanoseconds: node.stepNanoseconds)
            } else if let stepExpr = node.stepExpr {
                step = Expr.duration(stepExpr).description
            }
            return node.expr.description + "[\(range):\(step)]" + Printer.at(node.timestamp, node.startOrEnd)
                + Printer.offset(node.originalOffset, node.originalOffsetExpr)
        case .paren(let node):
            return "(\(node.expr))"
        case .unary(let node):
            return (node.op.spelling ?? "") + node.expr.description
        case .binary(let node):
            return "\(node.lhs) \(node.op.spelling ?? "")\(node.returnBool ? " bool" : "")\(Printer.matching(node)) \(node.rhs)"
        case .aggregate(let node):
            var out = node.op.spelling ?? ""
            if node.without {
                out += " without (" + Printer.labelList(node.grouping) + ") "
            } else if !node.grouping.isEmpty {
                out += " by (" + Printer.labelList(node.grouping) + ") "
            }
            out += "("
            if let param = node.param { out += param.description + ", " }
            return out + node.expr.description + ")"
        case .call(let node):
            return node.function.name + "(" + node.args.map(\.description).joined(separator: ", ") + ")"
        case .duration(let node):
            var out = node.wrapped ? "(" : ""
            switch node.op {
            case .step: out += "step()"
            case .range: out += "range()"
            case .minOf, .maxOf:
                out += (node.op.spelling ?? "") + "(" + (node.lhs?.description ?? "") + ", " + (node.rhs?.description ?? "") + ")"
            default:
                if let lhs = node.lhs {
                    out += "\(lhs) \(node.op.spelling ?? "") " + (node.rhs?.description ?? "")
                } else if node.op == .sub {
                    out += "-" + (node.rhs?.description ?? "")
                } else {
                    out += node.rhs?.description ?? ""
                }
            }
            return out + (node.wrapped ? ")" : "")
        }
    }
}

extension NumberLiteral {
    /// The value as Go's `strconv.FormatFloat(v, 'f', -1, 64)` writes it (`/api/v1/parse_query`).
    package var goText: String { FloatFormatting.goFixed(value) }
}
