internal import Yams

/// A password, token or key from the config. It prints and serializes as `<secret>` so it never
/// reaches logs or the status API; read `value` only where the secret is used.
package struct Secret: Sendable, Equatable, ExpressibleByStringLiteral {
    /// The secret itself.
    package let value: String

    /// Wraps `value`.
    package init(_ value: String) { self.value = value }

    /// A secret written in code (tests, defaults).
    package init(stringLiteral value: String) { self.value = value }

    /// Whether no secret was given.
    package var isEmpty: Bool { value.isEmpty }

    /// What is shown instead of a secret, as Prometheus (`prometheus/common` `config.Secret`).
    package static let redacted = "<secret>"
}

extension Secret: CustomStringConvertible, CustomDebugStringConvertible {
    /// Always `<secret>`.
    package var description: String { Secret.redacted }
    /// Always `<secret>`, so `dump` and `debugPrint` do not leak either.
    package var debugDescription: String { Secret.redacted }
}

extension Secret: CustomReflectable {
    /// No children, so `dump` and reflection-based printers show only `<secret>`.
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension Secret: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> Secret {
        Secret(try String.decode(node))
    }
    func encode() -> Node? { .plain(Secret.redacted) }
    var isYAMLEmpty: Bool { value.isEmpty }
}
