/// Printing values as Go's `fmt` prints them (`%v`, `Sprint`, `Sprintln`), plus the `String()`
/// forms of `time.Time` and `time.Duration`.
extension TemplateValue {
    /// `fmt.Sprint(v)` for one value; `topLevel` follows `fmt`'s rule that a pointer to a struct
    /// prints as `&{…}` only at the outermost level.
    func goFormatted(topLevel: Bool = true) -> String {
        switch self {
        case .missing: return "<nil>"
        case .string(let s), .html(let s): return s
        case .int(let i): return String(i)
        case .float(let f): return GoFloatFormat.shortest(f)
        case .bool(let b): return b ? "true" : "false"
        case .list(let items):
            return "[" + items.map { $0.goFormatted(topLevel: false) }.joined(separator: " ") + "]"
        case .map(let map):
            return "map[" + map.sortedKeys.map { key in
                key + ":" + (map.entries[key] ?? .missing).goFormatted(topLevel: false)
            }.joined(separator: " ") + "]"
        case .record(let record):
            return "{" + record.fieldValues.map { $0.goFormatted(topLevel: false) }.joined(separator: " ") + "}"
        case .sample(let sample):
            // Go prints a nested pointer as an address; Pharos prints the struct there too.
            return "&{" + sample.labelMap.goFormatted(topLevel: false) + " " + GoFloatFormat.shortest(sample.value) + "}"
        case .samples(let samples):
            return "[" + samples.map { TemplateValue.sample($0).goFormatted(topLevel: false) }.joined(separator: " ") + "]"
        case .time(let time): return GoTimeFormat.string(time)
        case .duration(let nanos): return GoTimeFormat.durationString(nanos)
        }
    }

    /// How `{{ value }}` prints: like `fmt.Fprint`, except that a missing value is `<no value>`
    /// and a top-level pointer is dereferenced first (`text/template`'s `printableValue`).
    var templatePrinted: String {
        switch self {
        case .missing: "<no value>"
        case .sample(let sample): "{" + sample.labelMap.goFormatted(topLevel: false) + " " + GoFloatFormat.shortest(sample.value) + "}"
        default: goFormatted()
        }
    }

    var isGoString: Bool {
        if case .string = self { return true }
        if case .html = self { return true }
        return false
    }
}

enum GoPrint {
    /// `fmt.Sprint`: operands separated by a space when neither side is a string.
    static func sprint(_ args: [TemplateValue]) -> String {
        var out = ""
        for (i, arg) in args.enumerated() {
            if i > 0, !arg.isGoString, !args[i - 1].isGoString { out += " " }
            out += arg.goFormatted()
        }
        return out
    }

    /// `fmt.Sprintln`: operands always separated by a space, then a newline.
    static func sprintln(_ args: [TemplateValue]) -> String {
        args.map { $0.goFormatted() }.joined(separator: " ") + "\n"
    }
}

enum GoTimeFormat {
    /// `time.Time.String()` for a UTC time: `2006-01-02 15:04:05.999999999 +0000 UTC`.
    static func string(_ time: TemplateTime) -> String {
        let days = floorDiv(time.seconds, 86_400)
        let secondOfDay = time.seconds - days * 86_400
        let (year, month, day) = civilFromDays(days)
        var out = yearString(year) + "-" + pad2(month) + "-" + pad2(day) + " "
        out += pad2(Int64(secondOfDay / 3600)) + ":" + pad2(Int64(secondOfDay / 60 % 60)) + ":" + pad2(Int64(secondOfDay % 60))
        if time.nanoseconds != 0 {
            var fraction = String(time.nanoseconds)
            fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            out += "." + fraction
        }
        return out + " +0000 UTC"
    }

    /// `time.Duration.String()`: `1h2m3.5s`, `1.5ms`, `0s`.
    static func durationString(_ nanos: Int64) -> String {
        if nanos == 0 { return "0s" }
        let negative = nanos < 0
        var u = nanos.magnitude
        var out: String
        if u < 1_000_000_000 {
            let (unit, precision): (String, Int) =
                u < 1_000 ? ("ns", 0) : u < 1_000_000 ? ("µs", 3) : ("ms", 6)
            let (fraction, rest) = fractionDigits(u, precision: precision)
            out = String(rest) + fraction + unit
        } else {
            let (fraction, seconds) = fractionDigits(u, precision: 9)
            u = seconds
            out = String(u % 60) + fraction + "s"
            u /= 60
            if u > 0 {
                out = String(u % 60) + "m" + out
                u /= 60
                if u > 0 { out = String(u) + "h" + out }
            }
        }
        return negative ? "-" + out : out
    }

    /// Go's `fmtFrac`: the low `precision` digits as `.ddd` without trailing zeros (nothing when
    /// they are all zero), and the value with those digits removed.
    private static func fractionDigits(_ v: UInt64, precision: Int) -> (String, UInt64) {
        var v = v
        var digits: [Character] = []
        var printing = false
        for _ in 0..<precision {
            let digit = v % 10
            printing = printing || digit != 0
            if printing { digits.append(Character(String(digit))) }
            v /= 10
        }
        return (digits.isEmpty ? "" : "." + String(digits.reversed()), v)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// Proleptic Gregorian date from days since 1970-01-01 (Howard Hinnant's algorithm).
    static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad2(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }

    private static func yearString(_ year: Int64) -> String {
        let digits = String(year.magnitude)
        let padded = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        return year < 0 ? "-" + padded : padded
    }
}
