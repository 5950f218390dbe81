internal import Model

/// A JSON object written key by key in the order given, as Go's `encoding/json` writes a
/// struct: strings escaped as Go escapes them, `omitempty` keys left out when empty.
struct GoJSONObject {
    private var members: [String] = []

    /// Whether no member was written.
    var isEmpty: Bool { members.isEmpty }

    mutating func string(_ key: String, _ value: String, omitEmpty: Bool = false) {
        if omitEmpty && value.isEmpty { return }
        raw(key, GoJSONString.quoted(value))
    }

    mutating func bool(_ key: String, _ value: Bool, omitEmpty: Bool = false) {
        if omitEmpty && !value { return }
        raw(key, value ? "true" : "false")
    }

    mutating func int(_ key: String, _ value: Int, omitEmpty: Bool = false) {
        if omitEmpty && value == 0 { return }
        raw(key, String(value))
    }

    /// A `map[string]string` (keys sorted, as Go writes maps).
    mutating func stringMap(_ key: String, _ value: [String: String], omitEmpty: Bool = false) {
        if omitEmpty && value.isEmpty { return }
        raw(key, WebhookMessage.object(value))
    }

    mutating func strings(_ key: String, _ value: [String], omitEmpty: Bool = false) {
        if omitEmpty && value.isEmpty { return }
        raw(key, "[" + value.map(GoJSONString.quoted).joined(separator: ",") + "]")
    }

    mutating func object(_ key: String, _ value: GoJSONObject) {
        raw(key, value.json)
    }

    mutating func objects(_ key: String, _ value: [GoJSONObject], omitEmpty: Bool = false) {
        if omitEmpty && value.isEmpty { return }
        raw(key, "[" + value.map(\.json).joined(separator: ",") + "]")
    }

    /// A member whose value is already JSON.
    mutating func raw(_ key: String, _ json: String) {
        members.append(GoJSONString.quoted(key) + ":" + json)
    }

    var json: String { "{" + members.joined(separator: ",") + "}" }

    /// The body as `json.NewEncoder(w).Encode` writes it (with a final newline).
    var encoded: [UInt8] { Array((json + "\n").utf8) }
}
