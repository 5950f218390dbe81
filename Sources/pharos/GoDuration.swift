/// Go's `time.ParseDuration`, which promtool's duration flags use: a sequence of decimal
/// numbers with units (`1h30m`, `1.5s`, `300ms`; units `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`).
enum GoDuration {
    /// The duration in whole milliseconds (rounded toward zero), or nil when Go would reject `text`.
    static func milliseconds(_ text: String) -> Int64? {
        var rest = Substring(text)
        var sign: Double = 1
        if let first = rest.first, first == "-" || first == "+" {
            if first == "-" { sign = -1 }
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        var nanoseconds: Double = 0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard number.contains(where: \.isNumber), let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            rest = rest.dropFirst(unit.count)
            guard let scale = units[String(unit)] else { return nil }
            nanoseconds += value * scale
        }
        guard nanoseconds < 9.2e18 else { return nil }
        return Int64(sign * nanoseconds) / 1_000_000
    }

    private static let units: [String: Double] = [
        "ns": 1, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9,
    ]
}
