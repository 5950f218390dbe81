internal import Config

/// A `webex_configs` entry (upstream's `notify/webex`): a Markdown message to `room_id`,
/// authorized by `http_config.authorization` (a bot token).
struct WebexIntegration: ConfiguredIntegration {
    let name = "webex"
    let index: Int
    let config: IntegrationConfig
    let templates: NotificationTemplates
    let http: NotificationHTTP

    /// Webex's limit on a message, in bytes.
    static let maxMessageBytes = 7439

    func notify(_ notification: Notification) async -> NotifyOutcome {
        var tmpl = TemplateExpander(templates, notification)
        var body = GoJSONObject()
        body.string("markdown", NotifyText.truncated(bytes: tmpl(config.string("message")), Self.maxMessageBytes))
        body.string("roomId", config.string("room_id"), omitEmpty: true)
        if let error = tmpl.error { return .failed("\(error)", retry: false) }
        return await http.post(config.string("api_url"), body: body.encoded, deadline: notification.deadline)
    }
}
