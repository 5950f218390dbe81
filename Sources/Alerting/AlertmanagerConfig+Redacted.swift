internal import Yams

extension AlertmanagerConfig {
    /// Keys whose values are secrets in `alertmanager.yml` (Alertmanager's `Secret` and
    /// `SecretURL` fields, and `http_config`'s): shown as `<secret>`, as upstream's status does.
    /// A webhook's `url` stays visible, as in Alertmanager 0.25, whose amtool reads the config
    /// back from `/api/v2/status` and refuses a webhook URL it cannot parse.
    static let secretKeys: Set<String> = [
        "smtp_auth_password", "smtp_auth_secret", "slack_api_url", "opsgenie_api_key", "wechat_api_secret", "victorops_api_key",
        "rocketchat_token", "rocketchat_token_id", "password", "credentials", "bearer_token", "client_secret", "secrets",
        "auth_password", "auth_secret", "api_url", "routing_key", "service_key", "api_key", "api_secret", "token", "user_key",
        "bot_token", "webhook_url", "access_key", "secret_key", "client_certificate_key",
    ]

    /// The loaded file's text with every secret replaced by `<secret>` (`config.original` of
    /// `/api/v2/status`); the file as re-serialized YAML, comments dropped.
    package var redactedYAML: String {
        guard let root = try? Yams.compose(yaml: original) else { return "" }
        let redacted = Self.redact(root, key: nil)
        return (try? Yams.serialize(node: redacted)) ?? ""
    }

    private static func redact(_ node: Node, key: String?) -> Node {
        switch node {
        case .scalar(let scalar):
            // The Slack `api_url` of a receiver and the global one are secrets; a URL elsewhere is not.
            guard let key, secretKeys.contains(key), !scalar.string.isEmpty else { return node }
            return .scalar(.init("<secret>"))
        case .mapping(let mapping):
            var pairs: [(Node, Node)] = []
            for (name, value) in mapping {
                pairs.append((name, redact(value, key: name.string)))
            }
            return .mapping(.init(pairs))
        case .sequence(let sequence):
            return .sequence(.init(sequence.map { redact($0, key: key == "secrets" ? key : nil) }))
        case .alias:
            return node
        }
    }
}
