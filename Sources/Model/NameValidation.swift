/// Which names are valid, as Prometheus 3's `model.NameValidationScheme`.
package enum NameValidationScheme: String, Sendable, Equatable, CustomStringConvertible {
    /// Any non-empty UTF-8 string (Prometheus 3's default).
    case utf8
    /// `[a-zA-Z_][a-zA-Z0-9_]*` for labels, `[a-zA-Z_:][a-zA-Z0-9_:]*` for metric names.
    case legacy

    package var description: String { rawValue == "utf8" ? "UTF-8" : "legacy" }

    /// Whether `name` is a valid label name. `__` prefixed names are valid (reserved, not banned).
    package func isValidLabelName(_ name: String) -> Bool {
        switch self {
        case .utf8: !name.isEmpty
        case .legacy: NameValidationScheme.isLegacyName(name.utf8, allowColon: false)
        }
    }

    /// Whether `name` is a valid metric name.
    package func isValidMetricName(_ name: String) -> Bool {
        switch self {
        case .utf8: !name.isEmpty
        case .legacy: NameValidationScheme.isLegacyName(name.utf8, allowColon: true)
        }
    }

    /// Checks a label name and throws the reason it is invalid.
    package func validateLabelName(_ name: String) throws(ModelError) {
        guard isValidLabelName(name) else { throw .invalidLabelName(name, scheme: self) }
    }

    /// Checks a metric name and throws the reason it is invalid.
    package func validateMetricName(_ name: String) throws(ModelError) {
        guard isValidMetricName(name) else { throw .invalidMetricName(name, scheme: self) }
    }

    /// Whether `bytes` is a legacy name: a letter, `_` (or `:`) first, then also digits.
    package static func isLegacyName(_ bytes: some Collection<UInt8>, allowColon: Bool) -> Bool {
        guard !bytes.isEmpty else { return false }
        var first = true
        for byte in bytes {
            let isLetter = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F
            let isDigit = byte >= 0x30 && byte <= 0x39
            let isColon = allowColon && byte == 0x3A
            guard isLetter || isColon || (isDigit && !first) else { return false }
            first = false
        }
        return true
    }
}
