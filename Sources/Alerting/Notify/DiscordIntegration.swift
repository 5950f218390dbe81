internal import Config

/// A `discord_configs` entry (upstream's `notify/discord`): a webhook message with one embed
/// (title, description, red while firing and green when resolved).
struct DiscordIntegration: ConfiguredIntegration {
    let name = "discord"
    let index: Int
    let config: IntegrationConfig
    let templates: NotificationTemplates
    let http: NotificationHTTP

    /// Discord's limits, in runes.
    static let maxTitleRunes = 256, maxDescriptionRunes = 4096, maxContentRunes = 2000

    func notify(_ notification: Notification) async -> NotifyOutcome {
        var tmpl = TemplateExpander(templates, notification)
        var embed = GoJSONObject()
        embed.string("title", NotifyText.truncated(runes: tmpl(config.string("title")), Self.maxTitleRunes))
        embed.string("description", NotifyText.truncated(runes: tmpl(config.string("message")), Self.maxDescriptionRunes))
        embed.int("color", notification.status == "firing" ? 0x992D22 : 0x2ECC71)
        var body = GoJSONObject()
        body.string("content", NotifyText.truncated(runes: tmpl(config.string("content")), Self.maxContentRunes))
        body.objects("embeds", [embed])
        body.string("username", config.string("username"), omitEmpty: true)
        body.string("avatar_url", config.string("avatar_url"), omitEmpty: true)
        return await http.post(body, expanded: tmpl, toWebhookOf: config, deadline: notification.deadline)
    }
}
