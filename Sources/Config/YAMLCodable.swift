internal import Foundation
internal import Model
internal import Yams

/// A value that reads itself from a `Yams.Node` (which keeps line marks) and writes itself back.
///
/// Decoding is strict, like Go's `yaml.UnmarshalStrict` that Prometheus uses: a scalar of the
/// wrong kind is a `typeMismatch`, and structs (see `YAMLStruct`) refuse unknown keys.
protocol YAMLCodable {
    /// Reads a value from `node`.
    static func decode(_ node: Node) throws(ConfigError) -> Self
    /// The node to write, or `nil` to leave the key out.
    func encode() -> Node?
    /// Whether Go's `omitempty` would leave this value out (zero, empty, false).
    var isYAMLEmpty: Bool { get }
}

extension YAMLCodable {
    var isYAMLEmpty: Bool { false }
}

extension Node {
    /// The 1-based line of the node, 0 if unknown.
    var line: Int { mark?.line ?? 0 }

    /// Whether this is a YAML null (`~`, `null`, or nothing), as Go's yaml.v2 resolves it.
    var isNull: Bool {
        guard case .scalar(let scalar) = self, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The text of a scalar, or `nil` for mappings and sequences.
    var scalarText: String? {
        if case .scalar(let scalar) = self { return scalar.string }
        return nil
    }

    /// Whether a scalar was written plain (not quoted), so it may be a number, bool or null.
    var isPlainScalar: Bool {
        guard case .scalar(let scalar) = self else { return false }
        return scalar.style == .plain || scalar.style == .any
    }

    /// How Go's yaml.v2 names this node in "cannot unmarshal" errors: ``!!str `abc` ``, `!!map`.
    var goDescription: String {
        switch self {
        case .mapping: return "!!map"
        case .sequence: return "!!seq"
        case .alias: return "!!alias"
        case .scalar(let scalar):
            if isNull { return "!!null" }
            let tag: String
            if !isPlainScalar {
                tag = "!!str"
            } else if YAMLScalar.bool(scalar.string) != nil {
                tag = "!!bool"
            } else if YAMLScalar.integer(scalar.string) != nil {
                tag = "!!int"
            } else if YAMLScalar.float(scalar.string) != nil {
                tag = "!!float"
            } else {
                tag = "!!str"
            }
            let shown = scalar.string.count > 10 ? String(scalar.string.prefix(7)) + "..." : scalar.string
            return "\(tag) `\(shown)`"
        }
    }

    /// A `typeMismatch` for this node.
    func mismatch(expected: String) -> ConfigError {
        .typeMismatch(found: goDescription, expected: expected, line: line)
    }

    /// A plain scalar node for writing.
    static func plain(_ text: String) -> Node { .scalar(.init(text)) }
}

/// YAML 1.1 scalar resolution as Go's yaml.v2 does it for plain scalars.
enum YAMLScalar {
    static func bool(_ text: String) -> Bool? {
        switch text {
        case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": true
        case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": false
        default: nil
        }
    }

    static func integer(_ text: String) -> Int64? {
        var body = Substring(text.replacingOccurrences(of: "_", with: ""))
        var negative = false
        if let first = body.first, first == "-" || first == "+" {
            negative = first == "-"
            body = body.dropFirst()
        }
        guard !body.isEmpty else { return nil }
        let magnitude: UInt64?
        if body.hasPrefix("0x") {
            magnitude = UInt64(body.dropFirst(2), radix: 16)
        } else if body.hasPrefix("0b") {
            magnitude = UInt64(body.dropFirst(2), radix: 2)
        } else if body.hasPrefix("0o") {
            magnitude = UInt64(body.dropFirst(2), radix: 8)
        } else if body.count > 1, body.hasPrefix("0") {
            magnitude = UInt64(body.dropFirst(), radix: 8)
        } else {
            magnitude = UInt64(body, radix: 10)
        }
        guard let magnitude else { return nil }
        if negative {
            return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    static func float(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default:
            guard text.contains(where: { $0.isNumber }), !text.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" })
            else { return nil }
            return Double(text)
        }
    }
}

extension String: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node else { throw node.mismatch(expected: "string") }
        if node.isNull { return "" }
        guard scalar.tag.description == "tag:yaml.org,2002:binary" else { return scalar.string }
        // `!!binary` scalars are base64, decoded to bytes as Go's yaml.v2 does; Pharos keeps
        // strings as UTF-8, so bytes that are not UTF-8 are refused here.
        let compact = scalar.string.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else {
            throw .invalid("!!binary value contains invalid base64 data", line: node.line)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            let escaped = data.map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
            throw .invalid("\"\(escaped)\" is not valid UTF-8", line: node.line)
        }
        return text
    }
    func encode() -> Node? { .plain(self) }
    var isYAMLEmpty: Bool { isEmpty }
}

extension Bool: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> Bool {
        if node.isNull { return false }
        guard node.isPlainScalar, let text = node.scalarText, let value = YAMLScalar.bool(text) else {
            throw node.mismatch(expected: "bool")
        }
        return value
    }
    func encode() -> Node? { .plain(self ? "true" : "false") }
    var isYAMLEmpty: Bool { !self }
}

/// Reads an integer scalar into `T`, refusing text and values `T` cannot hold, as yaml.v2 does.
private func decodeInteger<T: FixedWidthInteger>(_ node: Node, as typeName: String) throws(ConfigError) -> T {
    if node.isNull { return 0 }
    guard node.isPlainScalar, let text = node.scalarText, let value = YAMLScalar.integer(text),
        let converted = T(exactly: value)
    else { throw node.mismatch(expected: typeName) }
    return converted
}

extension Int: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> Int { try decodeInteger(node, as: "int") }
    func encode() -> Node? { .plain(String(self)) }
    var isYAMLEmpty: Bool { self == 0 }
}

extension UInt: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> UInt { try decodeInteger(node, as: "uint") }
    func encode() -> Node? { .plain(String(self)) }
    var isYAMLEmpty: Bool { self == 0 }
}

extension UInt64: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> UInt64 { try decodeInteger(node, as: "uint64") }
    func encode() -> Node? { .plain(String(self)) }
    var isYAMLEmpty: Bool { self == 0 }
}

extension Double: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> Double {
        if node.isNull { return 0 }
        guard node.isPlainScalar, let text = node.scalarText,
            let value = YAMLScalar.float(text) ?? YAMLScalar.integer(text).map(Double.init)
        else { throw node.mismatch(expected: "float64") }
        return value
    }
    func encode() -> Node? { .plain(String(self)) }
    var isYAMLEmpty: Bool { self == 0 }
}

extension Duration: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> Duration {
        if node.isNull { return .zero }
        guard let text = node.scalarText else { throw node.mismatch(expected: "model.Duration") }
        do {
            return try Duration(prometheus: text)
        } catch {
            throw .invalid(error.description, line: node.line)
        }
    }
    func encode() -> Node? { .plain(prometheusString) }
    var isYAMLEmpty: Bool { self == .zero }
}

extension Optional: YAMLCodable where Wrapped: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> Wrapped? {
        node.isNull ? nil : try Wrapped.decode(node)
    }
    func encode() -> Node? { self?.encode() }
    var isYAMLEmpty: Bool { self == nil }
}

extension Array: YAMLCodable where Element: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> [Element] {
        if node.isNull { return [] }
        guard case .sequence(let sequence) = node else { throw node.mismatch(expected: "[]" + String(describing: Element.self)) }
        var result: [Element] = []
        result.reserveCapacity(sequence.count)
        for item in sequence { result.append(try Element.decode(item)) }
        return result
    }
    func encode() -> Node? { .sequence(.init(map { $0.encode() ?? .plain("null") })) }
    var isYAMLEmpty: Bool { isEmpty }
}

extension Dictionary: YAMLCodable where Key == String, Value: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> [String: Value] {
        if node.isNull { return [:] }
        var result: [String: Value] = [:]
        for (key, value) in try YAMLMappingEntries.of(node, expected: "map[string]" + String(describing: Value.self)) {
            result[try String.decode(key)] = try Value.decode(value)
        }
        return result
    }
    /// Keys are written sorted, as Go's YAML encoder writes maps.
    func encode() -> Node? {
        .mapping(.init(keys.sorted().map { key in (Node.plain(key), self[key]?.encode() ?? .plain("null")) }))
    }
    var isYAMLEmpty: Bool { isEmpty }
}

/// The entries of a mapping with YAML merge keys (`<<: *anchor`) expanded, as yaml.v2 does.
enum YAMLMappingEntries {
    static func of(_ node: Node, expected: String) throws(ConfigError) -> [(Node, Node)] {
        guard case .mapping(let mapping) = node else { throw node.mismatch(expected: expected) }
        var own: [(Node, Node)] = []
        var merged: [(Node, Node)] = []
        for (key, value) in mapping {
            guard key.scalarText == "<<", key.isPlainScalar else {
                own.append((key, value))
                continue
            }
            let sources: [Node]
            if case .sequence(let list) = value { sources = Array(list) } else { sources = [value] }
            for source in sources {
                merged.append(contentsOf: try of(source, expected: "map merge"))
            }
        }
        // Keys written in the mapping itself win over merged ones.
        let ownKeys = Set(own.compactMap { $0.0.scalarText })
        return own + merged.filter { !ownKeys.contains($0.0.scalarText ?? "") }
    }
}
