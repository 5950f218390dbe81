package import Config
internal import Yams

/// The `global` section of `alertmanager.yml` with Alertmanager's defaults
/// (`config.DefaultGlobalConfig`). Integrations take these when they leave a key unset.
package struct AlertmanagerGlobalConfig: Sendable, Equatable {
    /// `resolve_timeout`: an alert without `endsAt` is resolved after this long (5m).
    package var resolveTimeout = Duration.seconds(300)
    /// `http_config` for every integration that has none.
    package var httpConfig = HTTPClientConfig()
    package var smtpFrom = ""
    package var smtpHello = "localhost"
    /// `smtp_smarthost` as `host:port`.
    package var smtpSmarthost = ""
    package var smtpAuthUsername = ""
    package var smtpAuthPassword = Secret("")
    package var smtpAuthPasswordFile = ""
    package var smtpAuthSecret = Secret("")
    package var smtpAuthSecretFile = ""
    package var smtpAuthIdentity = ""
    package var smtpRequireTLS = true
    package var smtpTLSConfig = TLSConfig()
    package var slackAPIURL = Secret("")
    package var slackAPIURLFile = ""
    package var pagerdutyURL = "https://events.pagerduty.com/v2/enqueue"
    package var opsgenieAPIURL = "https://api.opsgenie.com/"
    package var opsgenieAPIKey = Secret("")
    package var opsgenieAPIKeyFile = ""
    package var wechatAPIURL = "https://qyapi.weixin.qq.com/cgi-bin/"
    package var wechatAPISecret = Secret("")
    package var wechatAPICorpID = ""
    package var victoropsAPIURL = "https://alert.victorops.com/integrations/generic/20131114/alert/"
    package var victoropsAPIKey = Secret("")
    package var victoropsAPIKeyFile = ""
    package var telegramAPIURL = "https://api.telegram.org"
    package var webexAPIURL = "https://webexapis.com/v1/messages"
    package var jiraAPIURL = ""
    package var rocketchatAPIURL = "https://open.rocket.chat/"
    package var rocketchatToken = Secret("")
    package var rocketchatTokenFile = ""
    package var rocketchatTokenID = Secret("")
    package var rocketchatTokenIDFile = ""

    /// The defaults.
    package init() {}

    static func decode(_ node: Node) throws(ConfigError) -> AlertmanagerGlobalConfig {
        var map = try YAMLMapping(node, type: "config.plain")
        var global = AlertmanagerGlobalConfig()
        if let timeout = try map.duration("resolve_timeout") { global.resolveTimeout = timeout }
        if let http = try map.httpConfig() { global.httpConfig = http }
        global.jiraAPIURL = try map.url("jira_api_url")
        global.smtpFrom = try map.string("smtp_from")
        global.smtpHello = try map.string("smtp_hello", default: global.smtpHello)
        if let node = map.take("smtp_smarthost") { global.smtpSmarthost = try HostPort.decode(node) }
        global.smtpAuthUsername = try map.string("smtp_auth_username")
        global.smtpAuthPassword = try map.secret("smtp_auth_password")
        global.smtpAuthPasswordFile = try map.string("smtp_auth_password_file")
        global.smtpAuthSecret = try map.secret("smtp_auth_secret")
        global.smtpAuthSecretFile = try map.string("smtp_auth_secret_file")
        global.smtpAuthIdentity = try map.string("smtp_auth_identity")
        global.smtpRequireTLS = try map.bool("smtp_require_tls", default: true)
        if let node = map.take("smtp_tls_config") { global.smtpTLSConfig = try StrictYAML.tlsConfig(node) }
        global.slackAPIURL = try map.secretURL("slack_api_url")
        global.slackAPIURLFile = try map.string("slack_api_url_file")
        global.pagerdutyURL = try map.url("pagerduty_url", default: global.pagerdutyURL)
        global.opsgenieAPIURL = try map.url("opsgenie_api_url", default: global.opsgenieAPIURL)
        global.opsgenieAPIKey = try map.secret("opsgenie_api_key")
        global.opsgenieAPIKeyFile = try map.string("opsgenie_api_key_file")
        global.wechatAPIURL = try map.url("wechat_api_url", default: global.wechatAPIURL)
        global.wechatAPISecret = try map.secret("wechat_api_secret")
        global.wechatAPICorpID = try map.string("wechat_api_corp_id")
        global.victoropsAPIURL = try map.url("victorops_api_url", default: global.victoropsAPIURL)
        global.victoropsAPIKey = try map.secret("victorops_api_key")
        global.victoropsAPIKeyFile = try map.string("victorops_api_key_file")
        global.telegramAPIURL = try map.url("telegram_api_url", default: global.telegramAPIURL)
        global.webexAPIURL = try map.url("webex_api_url", default: global.webexAPIURL)
        global.rocketchatAPIURL = try map.url("rocketchat_api_url", default: global.rocketchatAPIURL)
        global.rocketchatToken = try map.secret("rocketchat_token")
        global.rocketchatTokenFile = try map.string("rocketchat_token_file")
        global.rocketchatTokenID = try map.secret("rocketchat_token_id")
        global.rocketchatTokenIDFile = try map.string("rocketchat_token_id_file")
        try map.finish()
        try global.validate(line: map.line)
        return global
    }

    /// The checks of Alertmanager's `Config.UnmarshalYAML` on the global section.
    func validate(line: Int) throws(ConfigError) {
        let exclusive: [(Bool, Bool, String)] = [
            (!slackAPIURL.isEmpty, !slackAPIURLFile.isEmpty, "slack_api_url & slack_api_url_file"),
            (!opsgenieAPIKey.isEmpty, !opsgenieAPIKeyFile.isEmpty, "opsgenie_api_key & opsgenie_api_key_file"),
            (!victoropsAPIKey.isEmpty, !victoropsAPIKeyFile.isEmpty, "victorops_api_key & victorops_api_key_file"),
            (!smtpAuthPassword.isEmpty, !smtpAuthPasswordFile.isEmpty, "smtp_auth_password & smtp_auth_password_file"),
            (!rocketchatToken.isEmpty, !rocketchatTokenFile.isEmpty, "rocketchat_token & rocketchat_token_file"),
            (!rocketchatTokenID.isEmpty, !rocketchatTokenIDFile.isEmpty, "rocketchat_token_id & rocketchat_token_id_file"),
            (!smtpAuthSecret.isEmpty, !smtpAuthSecretFile.isEmpty, "smtp_auth_secret & smtp_auth_secret_file"),
        ]
        for (first, second, keys) in exclusive where first && second {
            throw .invalid("at most one of \(keys) must be configured", line: line)
        }
    }
}

/// A `host:port` address (Alertmanager's `config.HostPort`), kept as written.
enum HostPort {
    static func decode(_ node: Node) throws(ConfigError) -> String {
        let text = try StrictYAML.string(node)
        guard !text.isEmpty else { return "" }
        let line = StrictYAML.line(node)
        // Go's net.SplitHostPort: the port follows the last colon; an IPv6 host is bracketed.
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalid("address \(text): missing ']' in address", line: line) }
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw .invalid("address \(text): missing port in address", line: line) }
            port = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .invalid("address \(text): missing port in address", line: line) }
            port = text[text.index(after: colon)...]
            if text[..<colon].contains(":") { throw .invalid("address \(text): too many colons in address", line: line) }
        }
        if port.isEmpty { throw .invalid("address \"\(text)\": port cannot be empty", line: line) }
        return text
    }
}
