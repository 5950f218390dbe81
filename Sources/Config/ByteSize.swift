internal import Yams

/// A size in bytes written with Prometheus's base-2 units (`alecthomas/units.ParseBase2Bytes`):
/// `B`, `KB`/`KiB`, `MB`/`MiB`, `GB`/`GiB`, `TB`/`TiB`, `PB`/`PiB`, `EB`/`EiB`, all powers of 1024;
/// terms may repeat (`1GB512MB`) and carry fractions (`1.5GB`). Only `0` may go without a unit:
/// Prometheus refuses `body_size_limit: 100`.
package struct ByteSize: Sendable, Equatable, Comparable {
    /// The number of bytes; 0 means "no limit" wherever a limit is meant.
    package var bytes: Int64

    /// A size of `bytes` bytes.
    package init(bytes: Int64) { self.bytes = bytes }

    private static let multipliers: [String: Double] = {
        var table: [String: Double] = ["B": 1]
        var scale = 1.0
        for prefix in ["K", "M", "G", "T", "P", "E"] {
            scale *= 1024
            table[prefix + "B"] = scale
            table[prefix + "iB"] = scale
        }
        return table
    }()

    /// Parses `text` (`10MB`, `512KiB`, `0`).
    /// - Throws: `ConfigError.invalid` naming the text.
    package init(parsing text: String, line: Int = 0) throws(ConfigError) {
        if text == "0" {
            bytes = 0
            return
        }
        var rest = Substring(text)
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { throw .invalid("invalid size \"\(text)\"", line: line) }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            guard !number.isEmpty, number != ".", let value = Double(number) else {
                throw .invalid("invalid size \"\(text)\"", line: line)
            }
            guard let multiplier = ByteSize.multipliers[String(unit)] else {
                throw .invalid("unknown unit \"\(unit)\" in size \"\(text)\"", line: line)
            }
            total += value * multiplier
        }
        guard total < 9.2e18 else { throw .invalid("size \"\(text)\" out of range", line: line) }
        bytes = Int64(negative ? -total : total)
    }

    /// The size in the largest base-2 unit that divides it (`10MiB`), as Prometheus prints it.
    package var prometheusString: String {
        if bytes == 0 { return "0B" }
        var value = bytes
        var unitIndex = 0
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        while value % 1024 == 0, unitIndex < units.count - 1 {
            value /= 1024
            unitIndex += 1
        }
        return "\(value)\(units[unitIndex])"
    }

    /// Orders sizes by their number of bytes.
    package static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }
}

extension ByteSize: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> ByteSize {
        if node.isNull { return ByteSize(bytes: 0) }
        guard let text = node.scalarText else { throw node.mismatch(expected: "units.Base2Bytes") }
        return try ByteSize(parsing: text, line: node.line)
    }
    func encode() -> Node? { .plain(prometheusString) }
    var isYAMLEmpty: Bool { bytes == 0 }
}
