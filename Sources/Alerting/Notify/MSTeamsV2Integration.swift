internal import Config

/// An `msteamsv2_configs` entry (upstream's `notify/msteamsv2`): a Teams Workflows (Power
/// Automate) message carrying an Adaptive Card 1.2 with a heading (coloured `Attention` while
/// firing, `Good` when resolved) and the Markdown text, full width.
struct MSTeamsV2Integration: ConfiguredIntegration {
    let name = "msteamsv2"
    let index: Int
    let config: IntegrationConfig
    let templates: NotificationTemplates
    let http: NotificationHTTP

    func notify(_ notification: Notification) async -> NotifyOutcome {
        var tmpl = TemplateExpander(templates, notification)
        var heading = GoJSONObject()
        heading.string("type", "TextBlock")
        heading.string("text", tmpl(config.string("title")))
        heading.string("weight", "Bolder")
        heading.string("size", "Medium")
        heading.bool("wrap", true)
        heading.string("style", "heading")
        heading.string("color", notification.status == "firing" ? "Attention" : "Good")
        var text = GoJSONObject()
        text.string("type", "TextBlock")
        text.string("text", tmpl(config.string("text")))
        text.bool("wrap", true)
        var width = GoJSONObject()
        width.string("width", "full")
        var card = GoJSONObject()
        card.string("$schema", "http://adaptivecards.io/schemas/adaptive-card.json")
        card.string("type", "AdaptiveCard")
        card.string("version", "1.2")
        card.objects("body", [heading, text])
        card.object("msteams", width)
        var attachment = GoJSONObject()
        attachment.string("contentType", "application/vnd.microsoft.card.adaptive")
        attachment.raw("contentUrl", "null")
        attachment.object("content", card)
        var body = GoJSONObject()
        body.string("type", "message")
        body.objects("attachments", [attachment])
        return await http.post(body, expanded: tmpl, toWebhookOf: config, deadline: notification.deadline)
    }
}
