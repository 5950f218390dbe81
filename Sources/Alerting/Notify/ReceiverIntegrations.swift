internal import AsyncHTTPClient
internal import Config
internal import Foundation

/// Builds every receiver's integrations from a config (upstream's `BuildReceiverIntegrations`),
/// in upstream's order: webhook, email, PagerDuty, OpsGenie, WeChat, Slack, VictorOps,
/// Pushover, SNS, Telegram, Discord, Webex, MS Teams, MS Teams v2, Jira, Rocket.Chat.
enum ReceiverIntegrations {
    static func build(_ config: AlertmanagerConfig, httpClient: HTTPClient, userAgent: String, now: @escaping @Sendable () -> Int64)
        throws(AlertingError) -> [String: [any Integration]]
    {
        let templates = try NotificationTemplates.load(globs: config.templates)
        var result: [String: [any Integration]] = [:]
        for receiver in config.receivers {
            func http(_ httpConfig: HTTPClientConfig?) -> NotificationHTTP {
                NotificationHTTP(client: httpClient, userAgent: userAgent, httpConfig: httpConfig ?? HTTPClientConfig())
            }
            var integrations: [any Integration] = []
            for (index, c) in receiver.webhookConfigs.enumerated() {
                integrations.append(WebhookIntegration(index: index, config: c, http: http(c.httpConfig)))
            }
            for (index, c) in receiver.emailConfigs.enumerated() {
                integrations.append(EmailIntegration(index: index, config: c, templates: templates))
            }
            for (index, c) in receiver.pagerdutyConfigs.enumerated() {
                integrations.append(PagerDutyIntegration(index: index, config: c, templates: templates, http: http(c.httpConfig)))
            }
            let others = Dictionary(grouping: receiver.otherConfigs, by: \.kind)
            func add(_ kind: String, _ make: (Int, IntegrationConfig) throws(AlertingError) -> any Integration) throws(AlertingError) {
                for (index, c) in (others[kind] ?? []).enumerated() { integrations.append(try make(index, c)) }
            }
            try add("opsgenie_configs") { index, c in OpsgenieIntegration(index: index, config: c, templates: templates, http: http(c.httpConfig)) }
            try add("wechat_configs") { _, _ throws(AlertingError) in throw .unsupportedIntegration("wechat", receiver: receiver.name) }
            for (index, c) in receiver.slackConfigs.enumerated() {
                integrations.append(SlackIntegration(index: index, config: c, templates: templates, http: http(c.httpConfig)))
            }
            try add("victorops_configs") { index, c in VictorOpsIntegration(index: index, config: c, templates: templates, http: http(c.httpConfig)) }
            try add("pushover_configs") { index, c in PushoverIntegration(index: index, config: c, templates: templates, http: http(c.httpConfig)) }
            try add("sns_configs") { index, c throws(AlertingError) in
                switch SNSIntegration.signer(c, environment: ProcessInfo.processInfo.environment) {
                case .success(let signer):
                    return SNSIntegration(index: index, config: c, templates: templates, http: http(c.httpConfig), signer: signer, now: now)
                case .failure(let failure):
                    throw .integration(receiver: receiver.name, reason: failure.reason)
                }
            }
            try add("telegram_configs") { index, c in TelegramIntegration(index: index, config: c, templates: templates, http: http(c.httpConfig)) }
            try add("discord_configs") { index, c in DiscordIntegration(index: index, config: c, templates: templates, http: http(c.httpConfig)) }
            try add("webex_configs") { index, c in WebexIntegration(index: index, config: c, templates: templates, http: http(c.httpConfig)) }
            try add("msteams_configs") { index, c in MSTeamsIntegration(index: index, config: c, templates: templates, http: http(c.httpConfig)) }
            try add("msteamsv2_configs") { index, c in MSTeamsV2Integration(index: index, config: c, templates: templates, http: http(c.httpConfig)) }
            try add("jira_configs") { _, _ throws(AlertingError) in throw .unsupportedIntegration("jira", receiver: receiver.name) }
            try add("rocketchat_configs") { _, _ throws(AlertingError) in throw .unsupportedIntegration("rocketchat", receiver: receiver.name) }
            result[receiver.name] = integrations
        }
        return result
    }
}
