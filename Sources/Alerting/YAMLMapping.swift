internal import Config
internal import Foundation
internal import Yams

/// One mapping of `alertmanager.yml`, read key by key with Config's strict scalar readers.
///
/// Alertmanager decodes with Go's `yaml.UnmarshalStrict`, so a key the section does not have is
/// an error. `finish()` reports the first key nobody asked for, named like yaml.v2 does
/// ("field x not found in type config.plain").
struct YAMLMapping {
    private let entries: [(key: Node, value: Node)]
    private var used: Set<Int> = []
    /// The Go type named in errors (`config.plain`, `timeinterval.TimeInterval`).
    let typeName: String
    /// The line of the mapping, for errors about the section as a whole.
    let line: Int

    init(_ node: Node, type: String) throws(ConfigError) {
        typeName = type
        line = StrictYAML.line(node)
        entries = StrictYAML.isNull(node) ? [] : try StrictYAML.entries(node, type: type)
    }

    /// The value of `key`, marking it read; `nil` when absent.
    mutating func take(_ key: String) -> Node? {
        guard let index = entries.firstIndex(where: { $0.key.scalarText == key }) else { return nil }
        used.insert(index)
        return entries[index].value
    }

    /// Whether `key` is present with a non-null value (Go's "pointer was set").
    func has(_ key: String) -> Bool {
        entries.contains { $0.key.scalarText == key && !StrictYAML.isNull($0.value) }
    }

    mutating func string(_ key: String, default value: String = "") throws(ConfigError) -> String {
        guard let node = take(key), !StrictYAML.isNull(node) else { return value }
        return try StrictYAML.string(node)
    }

    mutating func secret(_ key: String) throws(ConfigError) -> Secret {
        guard let node = take(key) else { return Secret("") }
        return try StrictYAML.secret(node)
    }

    mutating func bool(_ key: String, default value: Bool) throws(ConfigError) -> Bool {
        guard let node = take(key), !StrictYAML.isNull(node) else { return value }
        return try StrictYAML.bool(node)
    }

    /// A bool that stays `nil` when absent, for settings inherited from `global`.
    mutating func optionalBool(_ key: String) throws(ConfigError) -> Bool? {
        guard let node = take(key), !StrictYAML.isNull(node) else { return nil }
        return try StrictYAML.bool(node)
    }

    mutating func int(_ key: String, default value: Int = 0) throws(ConfigError) -> Int {
        guard let node = take(key), !StrictYAML.isNull(node) else { return value }
        return try StrictYAML.int(node)
    }

    mutating func duration(_ key: String) throws(ConfigError) -> Duration? {
        guard let node = take(key), !StrictYAML.isNull(node) else { return nil }
        return try StrictYAML.duration(node)
    }

    mutating func strings(_ key: String) throws(ConfigError) -> [String] {
        guard let node = take(key) else { return [] }
        return try StrictYAML.strings(node)
    }

    mutating func stringMap(_ key: String) throws(ConfigError) -> [String: String] {
        guard let node = take(key) else { return [:] }
        return try StrictYAML.stringMap(node)
    }

    /// An `http_config`; `nil` when absent so the global one applies, as in Alertmanager.
    mutating func httpConfig(_ key: String = "http_config") throws(ConfigError) -> HTTPClientConfig? {
        guard let node = take(key), !StrictYAML.isNull(node) else { return nil }
        return try StrictYAML.httpClientConfig(node)
    }

    /// A URL that must be http(s) with a host (Alertmanager's `config.URL`); "" when absent.
    mutating func url(_ key: String, default value: String = "") throws(ConfigError) -> String {
        guard let node = take(key), !StrictYAML.isNull(node) else { return value }
        let text = try StrictYAML.string(node)
        try URLRules.check(text, line: StrictYAML.line(node))
        return text
    }

    /// Like `url` but kept secret (`config.SecretURL`).
    mutating func secretURL(_ key: String) throws(ConfigError) -> Secret {
        guard let node = take(key), !StrictYAML.isNull(node) else { return Secret("") }
        let text = try StrictYAML.string(node)
        // Alertmanager accepts its own redaction marker back, so a dumped config loads again.
        if text != Secret.redacted { try URLRules.check(text, line: StrictYAML.line(node)) }
        return Secret(text)
    }

    /// Each element of the list at `key`, decoded by `decode`.
    mutating func list<T>(_ key: String, _ decode: (Node) throws(ConfigError) -> T) throws(ConfigError) -> [T] {
        guard let node = take(key), !StrictYAML.isNull(node) else { return [] }
        guard case .sequence(let items) = node else {
            throw .typeMismatch(found: StrictYAML.goDescription(node), expected: "[]\(typeName)", line: StrictYAML.line(node))
        }
        var result: [T] = []
        for item in items { result.append(try decode(item)) }
        return result
    }

    /// Refuses the first key that was not read.
    func finish() throws(ConfigError) {
        for (index, entry) in entries.enumerated() where !used.contains(index) {
            throw .unknownField(entry.key.scalarText ?? StrictYAML.goDescription(entry.key), type: typeName, line: StrictYAML.line(entry.key))
        }
    }

    /// An `.invalid` error at this mapping's line.
    func invalid(_ message: String) -> ConfigError { .invalid(message, line: line) }
}

/// Alertmanager's `parseURL`: Go's `url.Parse`, then an http(s) scheme and a host are required.
enum URLRules {
    static func check(_ text: String, line: Int) throws(ConfigError) {
        guard !text.contains(where: { $0.isWhitespace || ($0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false) }),
            let components = URLComponents(string: text)
        else { throw .invalid("parse \"\(text)\": invalid URL", line: line) }
        let scheme = components.scheme ?? ""
        guard scheme == "http" || scheme == "https" else {
            throw .invalid("unsupported scheme \"\(scheme)\" for URL", line: line)
        }
        // `encodedHost`, not `host`: the same emptiness, without decoding IDNA through ICU (whose
        // normalisation tables would then stay resident in every Alertmanager process).
        guard let host = components.encodedHost, !host.isEmpty else { throw .invalid("missing host for URL", line: line) }
    }
}

extension Node {
    /// The text of a scalar key.
    var scalarText: String? {
        if case .scalar(let scalar) = self { return scalar.string }
        return nil
    }
}
