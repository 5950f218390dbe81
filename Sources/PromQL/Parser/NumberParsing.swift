import Model

/// Numbers and durations as upstream converts lexed text: Go's `strconv.ParseInt(s, 0, 64)`
/// then `ParseFloat`, and `model.ParseDuration`.
enum NumberParsing {
    /// The value of a NUMBER token, or the Go-worded reason it is invalid.
    static func number(_ text: String) -> Result<Double, Reason> {
        // Fast path: a plain decimal integer without leading zero (most literals).
        if let value = plainInteger(text.utf8) { return .success(Double(value)) }
        let cleaned = text.utf8.contains(UInt8(ascii: "_")) ? text.replacing("_", with: "") : text
        let lower = cleaned.lowercased()
        if lower.hasPrefix("0x") {
            if let value = Int64(lower.dropFirst(2), radix: 16) { return .success(Double(value)) }
            return .failure(Reason("strconv.ParseFloat: parsing \(GoQuote.quote(text)): invalid syntax"))
        }
        if !cleaned.isEmpty, cleaned.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            if cleaned.count > 1, cleaned.hasPrefix("0"), let octal = Int64(cleaned.dropFirst(), radix: 8) {
                return .success(Double(octal))
            }
            if let integer = Int64(cleaned) { return .success(Double(integer)) }
        }
        guard let value = Double(cleaned) else {
            return .failure(Reason("strconv.ParseFloat: parsing \(GoQuote.quote(text)): invalid syntax"))
        }
        if value.isInfinite, lower != "inf", lower != "+inf", lower != "-inf" {
            return .failure(Reason("strconv.ParseFloat: parsing \(GoQuote.quote(text)): value out of range"))
        }
        return .success(value)
    }

    /// `[1-9][0-9]{0,17}` or `0`, which fits an Int64; nil for anything else.
    private static func plainInteger(_ bytes: String.UTF8View) -> Int64? {
        guard let first = bytes.first, bytes.count <= 18, first != UInt8(ascii: "0") || bytes.count == 1 else {
            return nil
        }
        var value: Int64 = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int64(byte - 0x30)   // at most 18 digits: cannot overflow
        }
        return value
    }

    /// Go's error text.
    struct Reason: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// `model.ParseDuration`: `1y2w3d4h5m6s7ms`, units descending and at most once; `0` alone.
    /// Returns nanoseconds.
    static func duration(_ text: String) -> Result<Int64, Reason> {
        if text == "0" { return .success(0) }
        if text.isEmpty { return .failure(Reason("empty duration string")) }
        let invalid = Reason("not a valid duration string: \(GoQuote.quote(text))")
        let units: [(String, Int64)] = [
            ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000),
            ("m", 60_000), ("s", 1000), ("ms", 1),
        ]
        let bytes = Array(text.utf8)
        var index = 0
        var lastUnit = -1
        var totalMilliseconds: Int64 = 0
        let maxMilliseconds = Int64.max / 1_000_000
        while index < bytes.count {
            let digitsStart = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            guard index > digitsStart,
                  let value = UInt64(String(decoding: bytes[digitsStart..<index], as: UTF8.self)) else {
                return .failure(invalid)
            }
            let unitStart = index
            while index < bytes.count, bytes[index] < 0x30 || bytes[index] > 0x39 { index += 1 }
            guard index > unitStart else { return .failure(invalid) }
            let unit = String(decoding: bytes[unitStart..<index], as: UTF8.self)
            guard let position = units.firstIndex(where: { $0.0 == unit }) else {
                return .failure(Reason("unknown unit \(GoQuote.quote(unit)) in duration \(GoQuote.quote(text))"))
            }
            guard position > lastUnit else { return .failure(invalid) }
            lastUnit = position
            let multiplier = units[position].1
            guard value <= UInt64(maxMilliseconds / multiplier) else { return .failure(Reason("duration out of range")) }
            let (sum, overflow) = totalMilliseconds.addingReportingOverflow(Int64(value) * multiplier)
            guard !overflow, sum <= maxMilliseconds else { return .failure(Reason("duration out of range")) }
            totalMilliseconds = sum
        }
        return .success(totalMilliseconds * 1_000_000)
    }

    /// Seconds to nanoseconds as Go's `time.Duration(math.Round(s * 1e9))`, saturating.
    static func nanoseconds(fromSeconds seconds: Double) -> Int64 {
        saturatingInt64((seconds * 1e9).rounded())
    }

    /// A double to Int64, saturating at the ends and mapping NaN to 0 (Go does not trap here).
    static func saturatingInt64(_ value: Double) -> Int64 {
        if value.isNaN { return 0 }
        if value >= 9.223372036854775807e18 { return .max }
        if value <= -9.223372036854775808e18 { return .min }
        return Int64(value)
    }
}
