package import Config
internal import Yams

/// An integration other than webhook, email, Slack and PagerDuty: its kind, the settings every
/// integration has, and its keys as read by its `IntegrationSchema`.
package struct IntegrationConfig: Sendable, Equatable {
    /// The receiver key it came from, e.g. `opsgenie_configs`.
    package var kind: String
    /// `send_resolved`.
    package var sendResolved: Bool
    /// `http_config`; the global one when unset.
    package var httpConfig: HTTPClientConfig?
    /// The other keys that were set, with their schema defaults filled in.
    package var values: [String: IntegrationValue]

    /// The string (or secret, URL) value of `key`, "" when unset.
    package func string(_ key: String) -> String {
        switch values[key] {
        case .string(let text): text
        case .secret(let secret): secret.value
        default: ""
        }
    }

    static func decode(_ node: Node, schema: IntegrationSchema) throws(ConfigError) -> IntegrationConfig {
        var map = try YAMLMapping(node, type: "config.plain")
        var config = IntegrationConfig(
            kind: schema.key, sendResolved: try map.bool("send_resolved", default: schema.sendResolved),
            httpConfig: try map.httpConfig(), values: [:])
        for (key, kind) in schema.keys {
            if let defaultValue = schema.defaults[key] { config.values[key] = defaultValue }
            guard let node = map.take(key), !StrictYAML.isNull(node) else { continue }
            switch kind {
            case .string: config.values[key] = .string(try StrictYAML.string(node))
            case .secret: config.values[key] = .secret(try StrictYAML.secret(node))
            case .url:
                let text = try StrictYAML.string(node)
                try URLRules.check(text, line: StrictYAML.line(node))
                config.values[key] = .string(text)
            case .secretURL:
                let text = try StrictYAML.string(node)
                if text != Secret.redacted { try URLRules.check(text, line: StrictYAML.line(node)) }
                config.values[key] = .secret(Secret(text))
            case .bool: config.values[key] = .bool(try StrictYAML.bool(node))
            case .int: config.values[key] = .int(try StrictYAML.int(node))
            case .duration: config.values[key] = .duration(try StrictYAML.duration(node))
            case .strings: config.values[key] = .strings(try StrictYAML.strings(node))
            case .stringMap: config.values[key] = .stringMap(try StrictYAML.stringMap(node))
            case .records(let keys): config.values[key] = .records(try NestedIntegrationValues.records(node, keys: keys))
            case .opsgenieResponders: config.values[key] = try NestedIntegrationValues.opsgenieResponders(node)
            case .sigv4: config.values[key] = try NestedIntegrationValues.sigv4(node)
            case .anyMapping: config.values[key] = try NestedIntegrationValues.anyMapping(node)
            }
        }
        try map.finish()
        if let message = schema.validate(config) { throw map.invalid(message) }
        return config
    }

    mutating func applyGlobal(_ global: AlertmanagerGlobalConfig) throws(ConfigError) {
        if httpConfig == nil { httpConfig = global.httpConfig }
        func inherit(_ key: String, _ value: String) {
            if string(key).isEmpty { values[key] = .string(value) }
        }
        func inheritSecret(_ key: String, _ fileKey: String, _ secret: Secret, _ file: String, missing: String) throws(ConfigError) {
            guard string(key).isEmpty && string(fileKey).isEmpty else { return }
            guard !secret.isEmpty || !file.isEmpty else { throw .invalid(missing, line: 0) }
            values[key] = .secret(secret)
            values[fileKey] = .string(file)
        }
        switch kind {
        case "opsgenie_configs":
            inherit("api_url", global.opsgenieAPIURL)
            try inheritSecret("api_key", "api_key_file", global.opsgenieAPIKey, global.opsgenieAPIKeyFile,
                missing: "no global OpsGenie API Key set either inline or in a file")
        case "wechat_configs":
            inherit("api_url", global.wechatAPIURL)
            if string("api_secret").isEmpty {
                guard !global.wechatAPISecret.isEmpty else { throw .invalid("no global Wechat ApiSecret set", line: 0) }
                values["api_secret"] = .secret(global.wechatAPISecret)
            }
            if string("corp_id").isEmpty {
                guard !global.wechatAPICorpID.isEmpty else { throw .invalid("no global Wechat CorpID set", line: 0) }
                values["corp_id"] = .string(global.wechatAPICorpID)
            }
        case "victorops_configs":
            inherit("api_url", global.victoropsAPIURL)
            try inheritSecret("api_key", "api_key_file", global.victoropsAPIKey, global.victoropsAPIKeyFile,
                missing: "no global VictorOps API Key set")
        case "telegram_configs":
            inherit("api_url", global.telegramAPIURL)
        case "webex_configs":
            inherit("api_url", global.webexAPIURL)
        case "jira_configs":
            guard string("api_url").isEmpty else { break }
            guard !global.jiraAPIURL.isEmpty else { throw .invalid("no global Jira Cloud URL set", line: 0) }
            values["api_url"] = .string(global.jiraAPIURL)
        case "rocketchat_configs":
            inherit("api_url", global.rocketchatAPIURL)
            try inheritSecret("token_id", "token_id_file", global.rocketchatTokenID, global.rocketchatTokenIDFile,
                missing: "no global Rocketchat TokenID set either inline or in a file")
            try inheritSecret("token", "token_file", global.rocketchatToken, global.rocketchatTokenFile,
                missing: "no global Rocketchat Token set either inline or in a file")
        case "discord_configs", "msteams_configs", "msteamsv2_configs":
            if string("webhook_url").isEmpty && string("webhook_url_file").isEmpty {
                let name = String(kind.dropLast("_configs".count))
                throw .invalid("no \(name) webhook URL or URLFile provided", line: 0)
            }
        default:
            break
        }
    }
}

/// A value of an integration key.
package enum IntegrationValue: Sendable, Equatable {
    case string(String)
    case secret(Secret)
    case bool(Bool)
    case int(Int)
    case duration(Duration)
    case strings([String])
    case stringMap([String: String])
    /// Small records (OpsGenie responders, Rocket.Chat fields and actions, SNS `sigv4`).
    case records([[String: String]])
    /// A free-form mapping (Jira `fields`), checked to be a mapping but not kept.
    case nested
}

/// The keys, defaults and checks of one integration, from Alertmanager's `config/notifiers.go`.
struct IntegrationSchema: Sendable {
    enum Kind: Sendable {
        case string, secret, url, secretURL, bool, int, duration, strings, stringMap
        /// A list of mappings with these string keys.
        case records([String])
        case opsgenieResponders, sigv4, anyMapping
    }

    let key: String
    let sendResolved: Bool
    let keys: [(String, Kind)]
    let defaults: [String: IntegrationValue]
    /// Returns Alertmanager's message when the config is refused.
    let validate: @Sendable (IntegrationConfig) -> String?

    static func exclusive(_ config: IntegrationConfig, _ a: String, _ b: String) -> String? {
        !config.string(a).isEmpty && !config.string(b).isEmpty ? "at most one of \(a) & \(b) must be configured" : nil
    }

    static let all: [IntegrationSchema] = [
        IntegrationSchema(
            key: "opsgenie_configs", sendResolved: true,
            keys: [("api_key", .secret), ("api_key_file", .string), ("api_url", .url), ("message", .string),
                   ("description", .string), ("source", .string), ("details", .stringMap), ("entity", .string),
                   ("responders", .opsgenieResponders), ("actions", .string), ("tags", .string), ("note", .string),
                   ("priority", .string), ("update_alerts", .bool)],
            defaults: ["message": .string("{{ template \"opsgenie.default.message\" . }}"),
                       "description": .string("{{ template \"opsgenie.default.description\" . }}"),
                       "source": .string("{{ template \"opsgenie.default.source\" . }}")],
            validate: { config in exclusive(config, "api_key", "api_key_file") }),
        IntegrationSchema(
            key: "wechat_configs", sendResolved: false,
            keys: [("api_secret", .secret), ("corp_id", .string), ("api_url", .url), ("message", .string),
                   ("message_type", .string), ("to_user", .string), ("to_party", .string), ("to_tag", .string),
                   ("agent_id", .string)],
            defaults: ["message": .string("{{ template \"wechat.default.message\" . }}"),
                       "to_user": .string("{{ template \"wechat.default.to_user\" . }}"),
                       "to_party": .string("{{ template \"wechat.default.to_party\" . }}"),
                       "to_tag": .string("{{ template \"wechat.default.to_tag\" . }}"),
                       "agent_id": .string("{{ template \"wechat.default.agent_id\" . }}"),
                       "message_type": .string("text")],
            validate: { config in
                ["text", "markdown"].contains(config.string("message_type"))
                    ? nil : "weChat message type \"\(config.string("message_type"))\" does not match valid options ^(text|markdown)$"
            }),
        IntegrationSchema(
            key: "pushover_configs", sendResolved: true,
            keys: [("user_key", .secret), ("user_key_file", .string), ("token", .secret), ("token_file", .string),
                   ("title", .string), ("message", .string), ("url", .string), ("url_title", .string),
                   ("device", .string), ("sound", .string), ("priority", .string), ("retry", .duration),
                   ("expire", .duration), ("ttl", .duration), ("html", .bool), ("monospace", .bool),
                   // Pharos's addition: Alertmanager has Pushover's URL built in.
                   ("api_url", .url)],
            defaults: ["title": .string("{{ template \"pushover.default.title\" . }}"),
                       "api_url": .string("https://api.pushover.net/1/messages.json"),
                       "message": .string("{{ template \"pushover.default.message\" . }}"),
                       "url": .string("{{ template \"pushover.default.url\" . }}"),
                       "priority": .string("{{ if eq .Status \"firing\" }}2{{ else }}0{{ end }}"),
                       "retry": .duration(.seconds(60)), "expire": .duration(.seconds(3600))],
            validate: { config in
                if config.string("user_key").isEmpty && config.string("user_key_file").isEmpty {
                    return "one of user_key or user_key_file must be configured"
                }
                if let error = exclusive(config, "user_key", "user_key_file") { return error }
                if config.string("token").isEmpty && config.string("token_file").isEmpty {
                    return "one of token or token_file must be configured"
                }
                return exclusive(config, "token", "token_file")
            }),
        IntegrationSchema(
            key: "victorops_configs", sendResolved: true,
            keys: [("api_key", .secret), ("api_key_file", .string), ("api_url", .url), ("routing_key", .string),
                   ("message_type", .string), ("state_message", .string), ("entity_display_name", .string),
                   ("monitoring_tool", .string), ("custom_fields", .stringMap)],
            defaults: ["message_type": .string("CRITICAL"),
                       "state_message": .string("{{ template \"victorops.default.state_message\" . }}"),
                       "entity_display_name": .string("{{ template \"victorops.default.entity_display_name\" . }}"),
                       "monitoring_tool": .string("{{ template \"victorops.default.monitoring_tool\" . }}")],
            validate: { config in
                if config.string("routing_key").isEmpty { return "missing Routing key in VictorOps config" }
                let reserved: Set = ["routing_key", "message_type", "state_message", "entity_display_name",
                                     "monitoring_tool", "entity_id", "entity_state"]
                if case .stringMap(let fields) = config.values["custom_fields"],
                    let bad = fields.keys.sorted().first(where: reserved.contains) {
                    return "victorOps config contains custom field \(bad) which cannot be used as it conflicts with the fixed/static fields"
                }
                return exclusive(config, "api_key", "api_key_file")
            }),
        IntegrationSchema(
            key: "sns_configs", sendResolved: true,
            keys: [("api_url", .string), ("sigv4", .sigv4), ("topic_arn", .string), ("phone_number", .string),
                   ("target_arn", .string), ("subject", .string), ("message", .string), ("attributes", .stringMap)],
            defaults: ["subject": .string("{{ template \"sns.default.subject\" . }}"),
                       "message": .string("{{ template \"sns.default.message\" . }}")],
            validate: { config in
                // Alertmanager's check is `(target == "") != (topic == "") != (phone == "")`, which also
                // lets all three through; kept as is so the same files load.
                let target = config.string("target_arn").isEmpty, topic = config.string("topic_arn").isEmpty
                let phone = config.string("phone_number").isEmpty
                return ((target != topic) != phone) ? "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config" : nil
            }),
        IntegrationSchema(
            key: "telegram_configs", sendResolved: true,
            keys: [("api_url", .url), ("bot_token", .secret), ("bot_token_file", .string), ("chat_id", .int),
                   ("message_thread_id", .int), ("message", .string), ("disable_notifications", .bool),
                   ("parse_mode", .string)],
            defaults: ["message": .string("{{ template \"telegram.default.message\" . }}"), "parse_mode": .string("HTML")],
            validate: { config in
                if config.string("bot_token").isEmpty && config.string("bot_token_file").isEmpty {
                    return "missing bot_token or bot_token_file on telegram_config"
                }
                if let error = exclusive(config, "bot_token", "bot_token_file") { return error }
                if config.values["chat_id"] == nil || config.values["chat_id"] == .int(0) { return "missing chat_id on telegram_config" }
                if !["", "HTML", "Markdown", "MarkdownV2"].contains(config.string("parse_mode")) {
                    return "unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string"
                }
                return nil
            }),
        IntegrationSchema(
            key: "discord_configs", sendResolved: true,
            keys: [("webhook_url", .secretURL), ("webhook_url_file", .string), ("title", .string), ("message", .string),
                   ("content", .string), ("username", .string), ("avatar_url", .string)],
            defaults: ["title": .string("{{ template \"discord.default.title\" . }}"),
                       "message": .string("{{ template \"discord.default.message\" . }}")],
            validate: { config in exclusive(config, "webhook_url", "webhook_url_file") }),
        IntegrationSchema(
            key: "webex_configs", sendResolved: true,
            keys: [("api_url", .url), ("room_id", .string), ("message", .string)],
            defaults: ["message": .string("{{ template \"webex.default.message\" . }}")],
            validate: { config in
                if config.string("room_id").isEmpty { return "missing room_id on webex_config" }
                if config.httpConfig?.authorization == nil { return "missing webex_configs.http_config.authorization" }
                return nil
            }),
        IntegrationSchema(
            key: "msteams_configs", sendResolved: true,
            keys: [("webhook_url", .secretURL), ("webhook_url_file", .string), ("title", .string), ("summary", .string),
                   ("text", .string)],
            defaults: ["title": .string("{{ template \"msteams.default.title\" . }}"),
                       "summary": .string("{{ template \"msteams.default.summary\" . }}"),
                       "text": .string("{{ template \"msteams.default.text\" . }}")],
            validate: { config in exclusive(config, "webhook_url", "webhook_url_file") }),
        IntegrationSchema(
            key: "msteamsv2_configs", sendResolved: true,
            keys: [("webhook_url", .secretURL), ("webhook_url_file", .string), ("title", .string), ("text", .string)],
            defaults: ["title": .string("{{ template \"msteamsv2.default.title\" . }}"),
                       "text": .string("{{ template \"msteamsv2.default.text\" . }}")],
            validate: { config in exclusive(config, "webhook_url", "webhook_url_file") }),
        IntegrationSchema(
            key: "jira_configs", sendResolved: true,
            keys: [("api_url", .url), ("project", .string), ("summary", .string), ("description", .string),
                   ("labels", .strings), ("priority", .string), ("issue_type", .string), ("reopen_transition", .string),
                   ("resolve_transition", .string), ("wont_fix_resolution", .string), ("reopen_duration", .duration),
                   ("fields", .anyMapping)],
            defaults: ["summary": .string("{{ template \"jira.default.summary\" . }}"),
                       "description": .string("{{ template \"jira.default.description\" . }}"),
                       "priority": .string("{{ template \"jira.default.priority\" . }}")],
            validate: { config in
                if config.string("project").isEmpty { return "missing project in jira_config" }
                if config.string("issue_type").isEmpty { return "missing issue_type in jira_config" }
                return nil
            }),
        IntegrationSchema(
            key: "rocketchat_configs", sendResolved: false,
            keys: [("api_url", .url), ("channel", .string), ("token", .secret), ("token_file", .string),
                   ("token_id", .secret), ("token_id_file", .string), ("color", .string), ("emoji", .string),
                   ("icon_url", .string), ("text", .string), ("title", .string), ("title_link", .string),
                   ("fields", .records(["title", "value", "short"])), ("short_fields", .bool), ("image_url", .string), ("thumb_url", .string),
                   ("link_names", .bool), ("actions", .records(["type", "text", "url", "msg"]))],
            defaults: ["color": .string("{{ if eq .Status \"firing\" }}red{{ else }}green{{ end }}"),
                       "emoji": .string("{{ template \"rocketchat.default.emoji\" . }}"),
                       "icon_url": .string("{{ template \"rocketchat.default.iconurl\" . }}"),
                       "text": .string("{{ template \"rocketchat.default.text\" . }}"),
                       "title": .string("{{ template \"rocketchat.default.title\" . }}"),
                       "title_link": .string("{{ template \"rocketchat.default.titlelink\" . }}")],
            validate: { config in
                exclusive(config, "token", "token_file") ?? exclusive(config, "token_id", "token_id_file")
            }),
    ]
}
