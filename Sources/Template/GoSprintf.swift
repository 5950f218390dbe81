import Model

/// Go's `fmt.Sprintf` over template values: the verbs templates use (`%v %s %d %q %f %e %g
/// %x %X %o %b %c %t %T %%`), flags `+ - # space 0`, width and precision (numbers or `*`),
/// and Go's in-band errors (`%!d(string=x)`, `%!s(MISSING)`, `%!(EXTRA …)`).
enum GoSprintf {
    struct Flags {
        var plus = false, minus = false, sharp = false, space = false, zero = false
        var width: Int?
        var precision: Int?
    }

    static func format(_ format: String, _ args: [TemplateValue]) -> String {
        let scalars = Array(format.unicodeScalars)
        var out = ""
        var argIndex = 0
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            guard c == "%" else {
                out.unicodeScalars.append(c)
                i += 1
                continue
            }
            i += 1
            var flags = Flags()
            flagLoop: while i < scalars.count {
                switch scalars[i] {
                case "+": flags.plus = true
                case "-": flags.minus = true; flags.zero = false
                case "#": flags.sharp = true
                case " ": flags.space = true
                case "0": flags.zero = !flags.minus
                default: break flagLoop
                }
                i += 1
            }
            // Width.
            if i < scalars.count, scalars[i] == "*" {
                i += 1
                if argIndex < args.count, case .int(let w) = args[argIndex] {
                    flags.width = abs(w)
                    if w < 0 { flags.minus = true; flags.zero = false }
                } else {
                    out += "%!(BADWIDTH)"
                }
                argIndex += 1
            } else {
                flags.width = parseNumber(scalars, &i)
            }
            if i < scalars.count, scalars[i] == "." {
                i += 1
                if i < scalars.count, scalars[i] == "*" {
                    i += 1
                    if argIndex < args.count, case .int(let p) = args[argIndex], p >= 0 {
                        flags.precision = p
                    } else {
                        out += "%!(BADPREC)"
                    }
                    argIndex += 1
                } else {
                    flags.precision = parseNumber(scalars, &i) ?? 0
                }
            }
            guard i < scalars.count else {
                out += "%!(NOVERB)"
                break
            }
            let verb = scalars[i]
            i += 1
            if verb == "%" {
                out += "%"
                continue
            }
            guard argIndex < args.count else {
                out += "%!" + String(verb) + "(MISSING)"
                continue
            }
            out += formatArg(args[argIndex], verb: verb, flags: flags, depth: 0)
            argIndex += 1
        }
        if argIndex < args.count {
            out += "%!(EXTRA " + args[argIndex...].map { arg in
                arg == .missing ? "<nil>" : arg.goTypeName + "=" + arg.goFormatted()
            }.joined(separator: ", ") + ")"
        }
        return out
    }

    private static func parseNumber(_ scalars: [Unicode.Scalar], _ i: inout Int) -> Int? {
        var value: Int?
        while i < scalars.count, let digit = Int(String(scalars[i])), scalars[i].isASCII {
            value = min((value ?? 0) * 10 + digit, 1_000_000)
            i += 1
        }
        return value
    }

    static func formatArg(_ arg: TemplateValue, verb: Unicode.Scalar, flags: Flags, depth: Int) -> String {
        if verb == "T" { return pad(arg == .missing ? "<nil>" : arg.goTypeName, flags) }
        switch arg {
        case .missing:
            return verb == "v" ? pad("<nil>", flags) : "%!" + String(verb) + "(<nil>)"
        case .bool(let b):
            return verb == "v" || verb == "t" ? pad(b ? "true" : "false", flags) : bad(arg, verb, flags)
        case .int(let n):
            return formatInteger(Int64(n), arg: arg, verb: verb, flags: flags)
        case .duration(let n):
            if "vsqxX".unicodeScalars.contains(verb) { return formatString(arg.goFormatted(), arg: arg, verb: verb, flags: flags) }
            return formatInteger(n, arg: arg, verb: verb, flags: flags)
        case .float(let f):
            return formatFloat(f, arg: arg, verb: verb, flags: flags)
        case .string(let s), .html(let s):
            return formatString(s, arg: arg, verb: verb, flags: flags)
        case .time:
            return "vsq".unicodeScalars.contains(verb)
                ? formatString(arg.goFormatted(), arg: arg, verb: verb, flags: flags) : bad(arg, verb, flags)
        case .list(let items):
            return "[" + items.map { formatArg($0, verb: verb, flags: flags, depth: depth + 1) }.joined(separator: " ") + "]"
        case .samples(let samples):
            return "[" + samples.map { formatArg(.sample($0), verb: verb, flags: flags, depth: depth + 1) }.joined(separator: " ") + "]"
        case .map(let map):
            return "map[" + map.sortedKeys.map { key in
                formatArg(.string(key), verb: verb, flags: flags, depth: depth + 1) + ":"
                    + formatArg(map.entries[key] ?? .missing, verb: verb, flags: flags, depth: depth + 1)
            }.joined(separator: " ") + "]"
        case .record(let record):
            return "{" + record.fieldValues.map { formatArg($0, verb: verb, flags: flags, depth: depth + 1) }.joined(separator: " ") + "}"
        case .sample(let sample):
            return "&{" + formatArg(sample.labelMap, verb: verb, flags: flags, depth: depth + 1) + " "
                + formatArg(.float(sample.value), verb: verb, flags: flags, depth: depth + 1) + "}"
        }
    }

    /// Go's `badVerb`: the value is printed with `%v` and the verb's own flags, width and
    /// precision (so `%6s` of 7 gives `%!s(int=     7)`).
    private static func bad(_ arg: TemplateValue, _ verb: Unicode.Scalar, _ flags: Flags) -> String {
        "%!" + String(verb) + "(" + arg.goTypeName + "=" + formatArg(arg, verb: "v", flags: flags, depth: 1) + ")"
    }

    /// Pads to the width with spaces (left, or right with `-`), or zeros with `0`.
    static func pad(_ s: String, _ flags: Flags) -> String {
        guard let width = flags.width else { return s }
        let count = s.unicodeScalars.count
        guard count < width else { return s }
        let fill = String(repeating: flags.zero && !flags.minus ? "0" : " ", count: width - count)
        return flags.minus ? s + fill : fill + s
    }

    /// Pads a number: zeros go between the sign (and base prefix) and the digits.
    private static func padNumber(sign: String, body: String, flags: Flags, allowZero: Bool = true) -> String {
        if let width = flags.width, flags.zero, allowZero, !flags.minus {
            let count = sign.unicodeScalars.count + body.unicodeScalars.count
            if count < width { return sign + String(repeating: "0", count: width - count) + body }
            return sign + body
        }
        var spaced = flags
        spaced.zero = false
        return pad(sign + body, spaced)
    }

    private static func formatInteger(_ n: Int64, arg: TemplateValue, verb: Unicode.Scalar, flags: Flags) -> String {
        let magnitude = n.magnitude
        var sign = n < 0 ? "-" : flags.plus ? "+" : flags.space ? " " : ""
        var digits: String
        switch verb {
        case "v", "d": digits = String(magnitude)
        case "b": digits = String(magnitude, radix: 2); if flags.sharp { sign += "0b" }
        case "o": digits = String(magnitude, radix: 8); if flags.sharp { digits = "0" + digits }
        case "O": digits = String(magnitude, radix: 8); sign += "0o"
        case "x": digits = String(magnitude, radix: 16); if flags.sharp { sign += "0x" }
        case "X": digits = String(magnitude, radix: 16, uppercase: true); if flags.sharp { sign += "0X" }
        case "c":
            return pad(Unicode.Scalar(UInt32(truncatingIfNeeded: n)).map { String(Character($0)) } ?? "\u{FFFD}", flags)
        case "q":
            let scalar = Unicode.Scalar(UInt32(truncatingIfNeeded: n)) ?? "\u{FFFD}"
            return pad(GoQuote.quoteRune(scalar), flags)
        case "U":
            var hex = String(magnitude, radix: 16, uppercase: true)
            if hex.count < 4 { hex = String(repeating: "0", count: 4 - hex.count) + hex }
            return pad("U+" + hex, flags)
        default:
            return bad(arg, verb, flags)
        }
        if let precision = flags.precision {
            if precision == 0, n == 0 { digits = "" }
            if digits.count < precision { digits = String(repeating: "0", count: precision - digits.count) + digits }
            return padNumber(sign: sign, body: digits, flags: flags, allowZero: false)
        }
        return padNumber(sign: sign, body: digits, flags: flags)
    }

    private static func formatFloat(_ f: Double, arg: TemplateValue, verb: Unicode.Scalar, flags: Flags) -> String {
        guard "vgGeEfFxXb".unicodeScalars.contains(verb) else { return bad(arg, verb, flags) }
        if f.isNaN || f.isInfinite {
            var text = f.isNaN ? "NaN" : (f < 0 ? "-Inf" : "+Inf")
            if f.isNaN, flags.plus { text = "+NaN" } else if f.isNaN, flags.space { text = " NaN" }
            else if !f.isNaN, f > 0, flags.space, !flags.plus { text = " Inf" }
            var spaced = flags
            spaced.zero = false
            return pad(text, spaced)
        }
        let sign = f.sign == .minus ? "-" : flags.plus ? "+" : flags.space ? " " : ""
        let body: String
        switch verb {
        case "v", "g", "G":
            if let precision = flags.precision {
                let cVerb = verb == "v" ? UInt8(ascii: "g") : UInt8(verb.value)
                body = GoFloatFormat.cFormat(f.magnitude, verb: cVerb, flags: flags.sharp ? "#" : "", width: nil, precision: precision)
            } else {
                let shortest = GoFloatFormat.shortest(f.magnitude)
                body = verb == "G" ? shortest.uppercased() : shortest
            }
        case "b":
            // Go's `%b`: decimal mantissa and binary exponent, `5429388417957888p-42`.
            let m = f.magnitude
            let normal = m.exponentBitPattern != 0
            let mantissa = normal ? m.significandBitPattern | (1 << 52) : m.significandBitPattern
            let exponent = (normal ? Int(m.exponentBitPattern) : 1) - 1075
            body = String(mantissa) + "p" + (exponent < 0 ? "-" : "+") + String(abs(exponent))
        case "x", "X":
            // C's %a, with Go's two-digit minimum exponent (`0x1p+01` where C prints `0x1p+1`).
            let c = GoFloatFormat.cFormat(f.magnitude, verb: verb == "x" ? UInt8(ascii: "a") : UInt8(ascii: "A"),
                                          flags: flags.sharp ? "#" : "", width: nil, precision: flags.precision)
            body = GoFloatFormat.widenExponent(c, marker: verb == "x" ? "p" : "P")
        default:
            body = GoFloatFormat.cFormat(f.magnitude, verb: UInt8(verb.value), flags: flags.sharp ? "#" : "", width: nil, precision: flags.precision ?? 6)
        }
        return padNumber(sign: sign, body: body, flags: flags)
    }

    private static func formatString(_ s: String, arg: TemplateValue, verb: Unicode.Scalar, flags: Flags) -> String {
        var text = s
        if let precision = flags.precision, verb != "x", verb != "X" {
            text = String(String.UnicodeScalarView(text.unicodeScalars.prefix(precision)))
        }
        switch verb {
        case "v", "s": return pad(text, flags)
        case "q": return pad(flags.sharp && !text.contains("`") ? "`" + text + "`" : GoQuote.quote(text, asciiOnly: flags.plus), flags)
        case "x", "X":
            var bytes = Array(s.utf8)
            if let precision = flags.precision { bytes = Array(bytes.prefix(precision)) }
            let hex = bytes.map { byte -> String in
                let h = String(byte, radix: 16, uppercase: verb == "X")
                return (byte < 16 ? "0" : "") + h
            }
            return pad(hex.joined(separator: flags.space ? " " : ""), flags)
        default: return bad(arg, verb, flags)
        }
    }
}
