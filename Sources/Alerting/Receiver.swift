internal import Config
internal import Yams

/// A `receivers` entry: a name and the integrations it notifies.
package struct Receiver: Sendable, Equatable {
    /// `name`, unique in the file.
    package var name: String
    /// `webhook_configs`.
    package var webhookConfigs: [WebhookConfig] = []
    /// `email_configs`.
    package var emailConfigs: [EmailConfig] = []
    /// `slack_configs`.
    package var slackConfigs: [SlackConfig] = []
    /// `pagerduty_configs`.
    package var pagerdutyConfigs: [PagerDutyConfig] = []
    /// The other integrations (`opsgenie_configs`, `telegram_configs`, ...), read by schema.
    package var otherConfigs: [IntegrationConfig] = []
    /// `send_resolved_when_muted` (Pharos's addition, off by default): an alert that resolves while
    /// silenced or inhibited is still sent as resolved to the integrations that were notified
    /// of it firing (Alertmanager issues #226, #2754).
    package var sendResolvedWhenMuted = false

    /// How many integrations the receiver notifies.
    package var integrationCount: Int {
        webhookConfigs.count + emailConfigs.count + slackConfigs.count + pagerdutyConfigs.count + otherConfigs.count
    }

    static func decode(_ node: Node) throws(ConfigError) -> Receiver {
        var map = try YAMLMapping(node, type: "config.plain")
        var receiver = Receiver(name: try map.string("name"))
        receiver.sendResolvedWhenMuted = try map.bool("send_resolved_when_muted", default: false)
        receiver.webhookConfigs = try map.list("webhook_configs", WebhookConfig.decode)
        receiver.emailConfigs = try map.list("email_configs", EmailConfig.decode)
        receiver.slackConfigs = try map.list("slack_configs", SlackConfig.decode)
        receiver.pagerdutyConfigs = try map.list("pagerduty_configs", PagerDutyConfig.decode)
        for schema in IntegrationSchema.all {
            receiver.otherConfigs += try map.list(schema.key) { (item: Node) throws(ConfigError) in
                try IntegrationConfig.decode(item, schema: schema)
            }
        }
        try map.finish()
        guard !receiver.name.isEmpty else { throw map.invalid("missing name in receiver") }
        return receiver
    }

    /// Fills what the integrations leave to `global`, refusing what neither sets, as Alertmanager's
    /// `Config.UnmarshalYAML` does.
    mutating func applyGlobal(_ global: AlertmanagerGlobalConfig) throws(ConfigError) {
        for index in webhookConfigs.indices where webhookConfigs[index].httpConfig == nil {
            webhookConfigs[index].httpConfig = global.httpConfig
        }
        for index in emailConfigs.indices { try emailConfigs[index].applyGlobal(global) }
        for index in slackConfigs.indices { try slackConfigs[index].applyGlobal(global) }
        for index in pagerdutyConfigs.indices where pagerdutyConfigs[index].httpConfig == nil {
            pagerdutyConfigs[index].httpConfig = global.httpConfig
        }
        for index in pagerdutyConfigs.indices where pagerdutyConfigs[index].url.isEmpty {
            pagerdutyConfigs[index].url = global.pagerdutyURL
        }
        for index in otherConfigs.indices { try otherConfigs[index].applyGlobal(global) }
    }
}
