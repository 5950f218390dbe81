/// Prometheus's duration syntax (`model.ParseDuration`): units `y w d h m s ms`, each at most
/// once and in that order, e.g. `1h30m`; `0` alone is zero.
enum PrometheusDuration {
    /// Milliseconds, or `nil` where Prometheus reports `not a valid duration string`.
    static func parseMilliseconds(_ text: String) -> Int64? {
        if text == "0" { return 0 }
        let units: [(String, Int64)] = [
            ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000),
            ("m", 60_000), ("s", 1_000), ("ms", 1),
        ]
        let bytes = Array(text.utf8)
        var i = 0
        var nextUnit = 0
        var total: Int64 = 0
        guard !bytes.isEmpty else { return nil }
        while i < bytes.count {
            let start = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
            guard i > start, let number = Int64(String(decoding: bytes[start..<i], as: UTF8.self)) else { return nil }
            let unitStart = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "a"), bytes[i] <= UInt8(ascii: "z") { i += 1 }
            let unit = String(decoding: bytes[unitStart..<i], as: UTF8.self)
            guard let found = units[nextUnit...].firstIndex(where: { $0.0 == unit }) else { return nil }
            nextUnit = found + 1
            let (product, overflow) = number.multipliedReportingOverflow(by: units[found].1)
            guard !overflow else { return nil }
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow2 else { return nil }
            total = sum
        }
        return total
    }
}
