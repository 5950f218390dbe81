internal import Config

/// An `msteams_configs` entry (upstream's `notify/msteams`): an Office 365 connector
/// `MessageCard` with title, summary, Markdown text and a red/green theme colour.
struct MSTeamsIntegration: ConfiguredIntegration {
    let name = "msteams"
    let index: Int
    let config: IntegrationConfig
    let templates: NotificationTemplates
    let http: NotificationHTTP

    func notify(_ notification: Notification) async -> NotifyOutcome {
        var tmpl = TemplateExpander(templates, notification)
        var body = GoJSONObject()
        body.string("@context", "http://schema.org/extensions")
        body.string("type", "MessageCard")
        body.string("title", tmpl(config.string("title")))
        body.string("summary", tmpl(config.string("summary")))
        body.string("text", tmpl(config.string("text")))
        body.string("themeColor", notification.status == "firing" ? "8C1A1A" : "2DC72D")
        return await http.post(body, expanded: tmpl, toWebhookOf: config, deadline: notification.deadline)
    }
}
