package import Config
internal import Yams

/// `webhook_configs` entry.
package struct WebhookConfig: Sendable, Equatable {
    /// `send_resolved` (true).
    package var sendResolved = true
    /// `http_config`; the global one when unset.
    package var httpConfig: HTTPClientConfig?
    /// `url` (secret) or `url_file`: exactly one is set.
    package var url = Secret("")
    package var urlFile = ""
    /// `max_alerts`: alerts per message, 0 for all.
    package var maxAlerts = 0
    /// `timeout`: 0 uses the notification timeout.
    package var timeout = Duration.zero

    static func decode(_ node: Node) throws(ConfigError) -> WebhookConfig {
        var map = try YAMLMapping(node, type: "config.plain")
        var config = WebhookConfig()
        config.sendResolved = try map.bool("send_resolved", default: true)
        config.httpConfig = try map.httpConfig()
        config.url = try map.secretURL("url")
        config.urlFile = try map.string("url_file")
        config.maxAlerts = try map.int("max_alerts")
        config.timeout = try map.duration("timeout") ?? .zero
        try map.finish()
        if config.url.isEmpty && config.urlFile.isEmpty { throw map.invalid("one of url or url_file must be configured") }
        if !config.url.isEmpty && !config.urlFile.isEmpty { throw map.invalid("at most one of url & url_file must be configured") }
        if config.maxAlerts < 0 { throw .typeMismatch(found: "!!int `\(config.maxAlerts)`", expected: "uint64", line: map.line) }
        return config
    }
}

/// `email_configs` entry; unset SMTP settings come from `global`.
package struct EmailConfig: Sendable, Equatable {
    package var sendResolved = false
    package var to = ""
    package var from = ""
    package var hello = ""
    /// `smarthost` as `host:port`.
    package var smarthost = ""
    package var authUsername = ""
    package var authPassword = Secret("")
    package var authPasswordFile = ""
    package var authSecret = Secret("")
    package var authSecretFile = ""
    package var authIdentity = ""
    /// `headers`, names in canonical form (`Subject`, `Reply-To`).
    package var headers: [String: String] = [:]
    package var html = "{{ template \"email.default.html\" . }}"
    package var text = ""
    /// `require_tls`; the global `smtp_require_tls` when unset.
    package var requireTLS: Bool?
    /// `tls_config`; the global `smtp_tls_config` when unset.
    package var tlsConfig: TLSConfig?

    static func decode(_ node: Node) throws(ConfigError) -> EmailConfig {
        var map = try YAMLMapping(node, type: "config.plain")
        var config = EmailConfig()
        config.sendResolved = try map.bool("send_resolved", default: false)
        config.to = try map.string("to")
        config.from = try map.string("from")
        config.hello = try map.string("hello")
        if let node = map.take("smarthost") { config.smarthost = try HostPort.decode(node) }
        config.authUsername = try map.string("auth_username")
        config.authPassword = try map.secret("auth_password")
        config.authPasswordFile = try map.string("auth_password_file")
        config.authSecret = try map.secret("auth_secret")
        config.authSecretFile = try map.string("auth_secret_file")
        config.authIdentity = try map.string("auth_identity")
        let headers = try map.stringMap("headers")
        config.html = try map.string("html", default: config.html)
        config.text = try map.string("text")
        config.requireTLS = try map.optionalBool("require_tls")
        if let node = map.take("tls_config"), !StrictYAML.isNull(node) { config.tlsConfig = try StrictYAML.tlsConfig(node) }
        try map.finish()
        guard !config.to.isEmpty else { throw map.invalid("missing to address in email config") }
        for name in headers.keys.sorted() {
            let canonical = HeaderName.canonical(name)
            if config.headers[canonical] != nil { throw map.invalid("duplicate header \"\(canonical)\" in email config") }
            config.headers[canonical] = headers[name]
        }
        if !config.authPassword.isEmpty && !config.authPasswordFile.isEmpty {
            throw map.invalid("at most one of auth_password & auth_password_file must be configured")
        }
        if !config.authSecret.isEmpty && !config.authSecretFile.isEmpty {
            throw map.invalid("at most one of auth_secret & auth_secret_file must be configured")
        }
        return config
    }

    mutating func applyGlobal(_ global: AlertmanagerGlobalConfig) throws(ConfigError) {
        if tlsConfig == nil { tlsConfig = global.smtpTLSConfig }
        if smarthost.isEmpty {
            guard !global.smtpSmarthost.isEmpty else { throw .invalid("no global SMTP smarthost set", line: 0) }
            smarthost = global.smtpSmarthost
        }
        if from.isEmpty {
            guard !global.smtpFrom.isEmpty else { throw .invalid("no global SMTP from set", line: 0) }
            from = global.smtpFrom
        }
        if hello.isEmpty { hello = global.smtpHello }
        if authUsername.isEmpty { authUsername = global.smtpAuthUsername }
        if authPassword.isEmpty && authPasswordFile.isEmpty {
            authPassword = global.smtpAuthPassword
            authPasswordFile = global.smtpAuthPasswordFile
        }
        if authSecret.isEmpty && authSecretFile.isEmpty {
            authSecret = global.smtpAuthSecret
            authSecretFile = global.smtpAuthSecretFile
        }
        if authIdentity.isEmpty { authIdentity = global.smtpAuthIdentity }
        if requireTLS == nil { requireTLS = global.smtpRequireTLS }
    }
}

/// Go's `textproto.CanonicalMIMEHeaderKey` for the header names Alertmanager normalises.
enum HeaderName {
    static func canonical(_ name: String) -> String {
        guard !name.contains(where: { $0 == " " || !$0.isASCII }) else { return name }
        return name.split(separator: "-", omittingEmptySubsequences: false)
            .map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }
            .joined(separator: "-")
    }
}

/// `slack_configs` entry.
package struct SlackConfig: Sendable, Equatable {
    package var sendResolved = false
    package var httpConfig: HTTPClientConfig?
    /// `api_url` (secret) or `api_url_file`; the global ones when both unset.
    package var apiURL = Secret("")
    package var apiURLFile = ""
    package var channel = ""
    package var username = "{{ template \"slack.default.username\" . }}"
    package var color = "{{ if eq .Status \"firing\" }}danger{{ else }}good{{ end }}"
    package var title = "{{ template \"slack.default.title\" . }}"
    package var titleLink = "{{ template \"slack.default.titlelink\" . }}"
    package var pretext = "{{ template \"slack.default.pretext\" . }}"
    package var text = "{{ template \"slack.default.text\" . }}"
    package var fields: [SlackField] = []
    package var shortFields = false
    package var footer = "{{ template \"slack.default.footer\" . }}"
    package var fallback = "{{ template \"slack.default.fallback\" . }}"
    package var callbackID = "{{ template \"slack.default.callbackid\" . }}"
    package var iconEmoji = "{{ template \"slack.default.iconemoji\" . }}"
    package var iconURL = "{{ template \"slack.default.iconurl\" . }}"
    package var imageURL = ""
    package var thumbURL = ""
    package var linkNames = false
    package var mrkdwnIn = ["fallback", "pretext", "text"]
    package var actions: [SlackAction] = []

    static func decode(_ node: Node) throws(ConfigError) -> SlackConfig {
        var map = try YAMLMapping(node, type: "config.plain")
        var c = SlackConfig()
        c.sendResolved = try map.bool("send_resolved", default: false)
        c.httpConfig = try map.httpConfig()
        c.apiURL = try map.secretURL("api_url")
        c.apiURLFile = try map.string("api_url_file")
        c.channel = try map.string("channel")
        c.username = try map.string("username", default: c.username)
        c.color = try map.string("color", default: c.color)
        c.title = try map.string("title", default: c.title)
        c.titleLink = try map.string("title_link", default: c.titleLink)
        c.pretext = try map.string("pretext", default: c.pretext)
        c.text = try map.string("text", default: c.text)
        c.fields = try map.list("fields", SlackField.decode)
        c.shortFields = try map.bool("short_fields", default: false)
        c.footer = try map.string("footer", default: c.footer)
        c.fallback = try map.string("fallback", default: c.fallback)
        c.callbackID = try map.string("callback_id", default: c.callbackID)
        c.iconEmoji = try map.string("icon_emoji", default: c.iconEmoji)
        c.iconURL = try map.string("icon_url", default: c.iconURL)
        c.imageURL = try map.string("image_url")
        c.thumbURL = try map.string("thumb_url")
        c.linkNames = try map.bool("link_names", default: false)
        if map.has("mrkdwn_in") { c.mrkdwnIn = try map.strings("mrkdwn_in") } else { _ = map.take("mrkdwn_in") }
        c.actions = try map.list("actions", SlackAction.decode)
        _ = try map.string("message_text")
        _ = try map.bool("update_message", default: false)
        try map.finish()
        if !c.apiURL.isEmpty && !c.apiURLFile.isEmpty { throw map.invalid("at most one of api_url & api_url_file must be configured") }
        return c
    }

    mutating func applyGlobal(_ global: AlertmanagerGlobalConfig) throws(ConfigError) {
        if httpConfig == nil { httpConfig = global.httpConfig }
        if apiURL.isEmpty && apiURLFile.isEmpty {
            guard !global.slackAPIURL.isEmpty || !global.slackAPIURLFile.isEmpty else {
                throw .invalid("no global Slack API URL set either inline or in a file", line: 0)
            }
            apiURL = global.slackAPIURL
            apiURLFile = global.slackAPIURLFile
        }
    }
}

/// A Slack attachment field.
package struct SlackField: Sendable, Equatable {
    package var title: String
    package var value: String
    package var short: Bool?

    static func decode(_ node: Node) throws(ConfigError) -> SlackField {
        var map = try YAMLMapping(node, type: "config.plain")
        let field = SlackField(title: try map.string("title"), value: try map.string("value"), short: try map.optionalBool("short"))
        try map.finish()
        if field.title.isEmpty { throw map.invalid("missing title in Slack field configuration") }
        if field.value.isEmpty { throw map.invalid("missing value in Slack field configuration") }
        return field
    }
}

/// A Slack message action (button).
package struct SlackAction: Sendable, Equatable {
    package var type = ""
    package var text = ""
    package var url = ""
    package var style = ""
    package var name = ""
    package var value = ""
    /// `confirm`: title, text, ok_text, dismiss_text.
    package var confirm: [String: String] = [:]

    static func decode(_ node: Node) throws(ConfigError) -> SlackAction {
        var map = try YAMLMapping(node, type: "config.plain")
        var action = SlackAction()
        action.type = try map.string("type")
        action.text = try map.string("text")
        action.url = try map.string("url")
        action.style = try map.string("style")
        action.name = try map.string("name")
        action.value = try map.string("value")
        if let node = map.take("confirm"), !StrictYAML.isNull(node) {
            var confirm = try YAMLMapping(node, type: "config.plain")
            for key in ["title", "text", "ok_text", "dismiss_text"] { action.confirm[key] = try confirm.string(key) }
            try confirm.finish()
            if action.confirm["text"]?.isEmpty ?? true { throw confirm.invalid("missing text in Slack confirmation configuration") }
        }
        try map.finish()
        if action.type.isEmpty { throw map.invalid("missing type in Slack action configuration") }
        if action.text.isEmpty { throw map.invalid("missing text in Slack action configuration") }
        if !action.url.isEmpty {
            action.name = ""
        } else if action.name.isEmpty {
            throw map.invalid("missing name or url in Slack action configuration")
        }
        return action
    }
}

/// `pagerduty_configs` entry (Events API v2 with `routing_key`, v1 with `service_key`).
package struct PagerDutyConfig: Sendable, Equatable {
    package var sendResolved = true
    package var httpConfig: HTTPClientConfig?
    package var serviceKey = Secret("")
    package var serviceKeyFile = ""
    package var routingKey = Secret("")
    package var routingKeyFile = ""
    /// `url`; the global `pagerduty_url` when unset.
    package var url = ""
    package var client = "{{ template \"pagerduty.default.client\" . }}"
    package var clientURL = "{{ template \"pagerduty.default.clientURL\" . }}"
    package var description = "{{ template \"pagerduty.default.description\" .}}"
    /// `details`, with Alertmanager's `firing`, `resolved`, `num_firing`, `num_resolved` added.
    package var details: [String: String] = [:]
    /// `images`: `src`, `alt`, `href` each.
    package var images: [[String: String]] = []
    /// `links`: `href`, `text` each.
    package var links: [[String: String]] = []
    package var source = ""
    package var severity = ""
    package var `class` = ""
    package var component = ""
    package var group = ""

    static let defaultDetails = [
        "firing": "{{ template \"pagerduty.default.instances\" .Alerts.Firing }}",
        "resolved": "{{ template \"pagerduty.default.instances\" .Alerts.Resolved }}",
        "num_firing": "{{ .Alerts.Firing | len }}",
        "num_resolved": "{{ .Alerts.Resolved | len }}",
    ]

    static func decode(_ node: Node) throws(ConfigError) -> PagerDutyConfig {
        var map = try YAMLMapping(node, type: "config.plain")
        var c = PagerDutyConfig()
        c.sendResolved = try map.bool("send_resolved", default: true)
        c.httpConfig = try map.httpConfig()
        c.serviceKey = try map.secret("service_key")
        c.serviceKeyFile = try map.string("service_key_file")
        c.routingKey = try map.secret("routing_key")
        c.routingKeyFile = try map.string("routing_key_file")
        c.url = try map.url("url")
        c.client = try map.string("client", default: c.client)
        c.clientURL = try map.string("client_url", default: c.clientURL)
        c.description = try map.string("description", default: c.description)
        c.details = try map.stringMap("details")
        c.images = try map.list("images") { (item: Node) throws(ConfigError) in try stringFields(item, ["src", "alt", "href"]) }
        c.links = try map.list("links") { (item: Node) throws(ConfigError) in try stringFields(item, ["href", "text"]) }
        c.source = try map.string("source", default: c.client)
        c.severity = try map.string("severity", default: "error")
        c.class = try map.string("class")
        c.component = try map.string("component")
        c.group = try map.string("group")
        _ = try map.duration("timeout")
        try map.finish()
        if c.routingKey.isEmpty && c.serviceKey.isEmpty && c.routingKeyFile.isEmpty && c.serviceKeyFile.isEmpty {
            throw map.invalid("missing service or routing key in PagerDuty config")
        }
        if !c.routingKey.isEmpty && !c.routingKeyFile.isEmpty {
            throw map.invalid("at most one of routing_key & routing_key_file must be configured")
        }
        if !c.serviceKey.isEmpty && !c.serviceKeyFile.isEmpty {
            throw map.invalid("at most one of service_key & service_key_file must be configured")
        }
        for (key, value) in defaultDetails where c.details[key] == nil { c.details[key] = value }
        return c
    }

    /// A small mapping of string keys (`images`, `links` entries).
    static func stringFields(_ node: Node, _ keys: [String]) throws(ConfigError) -> [String: String] {
        var map = try YAMLMapping(node, type: "config.plain")
        var result: [String: String] = [:]
        for key in keys { result[key] = try map.string(key) }
        try map.finish()
        return result
    }
}
