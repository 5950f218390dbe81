import Model

/// The labels that name a group of pushed metrics: `job` and the label pairs of the URL path
/// `/metrics/job/<job>{/<label>/<value>}`, sorted by name. Values may be empty.
package struct GroupingKey: Hashable, Comparable, Sendable {
    /// The label pairs, sorted by name, `job` included.
    package private(set) var labels: [(name: String, value: String)]

    /// Creates a key from label pairs in any order; a later pair replaces an earlier one
    /// with the same name.
    package init(_ pairs: [(name: String, value: String)]) {
        var byName: [String: String] = [:]
        for pair in pairs { byName[pair.name] = pair.value }
        labels = byName.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }

    /// Parses the part of a push URL after `/metrics/`: `job/<job>` or `job@base64/<job>`,
    /// then `/<label>/<value>` pairs, a `@base64` suffix on a label name marking its value as
    /// URL-safe base64 (padding optional, `=` alone for the empty value). `path` is
    /// percent-decoded first, as Go's `URL.Path` is.
    /// - Throws: `.invalidPath` with the real Pushgateway's message.
    package init(path: String) throws(PushgatewayError) {
        let decoded = Self.percentDecoded(path)
        var rest = Substring(decoded)
        let jobIsBase64: Bool
        if rest.hasPrefix("job@base64/") {
            jobIsBase64 = true
            rest = rest.dropFirst("job@base64/".count)
        } else if rest.hasPrefix("job/") {
            jobIsBase64 = false
            rest = rest.dropFirst("job/".count)
        } else {
            throw .invalidPath("push paths start with job/ or job@base64/")
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var job = String(rest[..<slash])
        let labelString = rest[slash...]
        if jobIsBase64 {
            guard let value = Self.decodeBase64(job) else {
                throw .invalidPath("invalid base64 encoding in job name \"\(job)\": illegal base64 data")
            }
            job = value
        }
        var pairs = try Self.splitLabels(labelString)
        guard !job.isEmpty else { throw .invalidPath("job name is required") }
        pairs.append((name: "job", value: job))
        self.init(pairs)
    }

    /// `handler.splitLabels`: `/name/value` pairs.
    private static func splitLabels(_ text: Substring) throws(PushgatewayError) -> [(name: String, value: String)] {
        guard text.count > 1 else { return [] }
        let components = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard components.count % 2 == 0 else {
            throw .invalidPath("odd number of components in label string \"\(text)\"")
        }
        var pairs: [(name: String, value: String)] = []
        for i in stride(from: 0, to: components.count, by: 2) {
            let name = components[i], value = String(components[i + 1])
            let isBase64 = name.hasSuffix("@base64")
            let trimmed = isBase64 ? String(name.dropLast("@base64".count)) : String(name)
            guard NameValidationScheme.legacy.isValidLabelName(trimmed), !trimmed.hasPrefix("__") else {
                throw .invalidPath("improper label name \"\(trimmed)\"")
            }
            if isBase64 {
                guard let decoded = decodeBase64(value) else {
                    throw .invalidPath("invalid base64 encoding for label \(trimmed)=\"\(value)\": illegal base64 data")
                }
                pairs.append((name: trimmed, value: decoded))
            } else {
                pairs.append((name: trimmed, value: value))
            }
        }
        return pairs
    }

    /// Go's `base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))`: URL-safe
    /// alphabet, no padding, CR and LF ignored; `nil` for anything else. Invalid UTF-8 in the
    /// result is replaced, as label values are strings.
    static func decodeBase64(_ text: String) -> String? {
        var sextets: [UInt8] = []
        var trimmed = Substring(text)
        while trimmed.hasSuffix("=") { trimmed.removeLast() }
        for byte in trimmed.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): sextets.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): sextets.append(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sextets.append(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "-"): sextets.append(62)
            case UInt8(ascii: "_"): sextets.append(63)
            case UInt8(ascii: "\r"), UInt8(ascii: "\n"): continue
            default: return nil
            }
        }
        guard sextets.count % 4 != 1 else { return nil }
        var bytes: [UInt8] = []
        var accumulator: UInt32 = 0, bits = 0
        for sextet in sextets {
            accumulator = (accumulator << 6) | UInt32(sextet)
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `%XX` escapes decoded; a malformed escape stays as written.
    private static func percentDecoded(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The value of `name`, if the key has it.
    package subscript(name: String) -> String? {
        labels.first { $0.name == name }?.value
    }

    package static func == (lhs: GroupingKey, rhs: GroupingKey) -> Bool {
        lhs.labels.elementsEqual(rhs.labels) { $0.name == $1.name && $0.value == $1.value }
    }

    package func hash(into hasher: inout Hasher) {
        for label in labels {
            hasher.combine(label.name)
            hasher.combine(label.value)
        }
    }

    package static func < (lhs: GroupingKey, rhs: GroupingKey) -> Bool {
        lhs.labels.lexicographicallyPrecedes(rhs.labels) { ($0.name, $0.value) < ($1.name, $1.value) }
    }
}
