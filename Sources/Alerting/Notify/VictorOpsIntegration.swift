internal import Config

/// A `victorops_configs` entry (upstream's `notify/victorops`): a REST endpoint event at
/// `api_url` + `<api_key>/<routing_key>`, keyed by the group key's hash; `CRITICAL` (or the
/// configured INFO/WARNING/CRITICAL) while alerts fire, `RECOVERY` when all are resolved.
struct VictorOpsIntegration: ConfiguredIntegration {
    let name = "victorops"
    let index: Int
    let config: IntegrationConfig
    let templates: NotificationTemplates
    let http: NotificationHTTP

    /// VictorOps' limit on `state_message`, in runes.
    static let maxMessageRunes = 20480

    func notify(_ notification: Notification) async -> NotifyOutcome {
        var tmpl = TemplateExpander(templates, notification)
        let apiKey: String
        do { apiKey = try config.secret("api_key", file: "api_key_file") } catch { return error.outcome }
        let url = config.string("api_url") + apiKey + "/" + tmpl(config.string("routing_key"))
        var messageType = tmpl(config.string("message_type"))
        if notification.status == "resolved" {
            messageType = "RECOVERY"
        } else if !["INFO", "WARNING", "CRITICAL"].contains(messageType) {
            messageType = "CRITICAL"
        }
        var fields = [
            "message_type": messageType,
            "entity_id": NotifyKey.hash(notification.groupKey),
            "entity_display_name": tmpl(config.string("entity_display_name")),
            "state_message": NotifyText.truncated(runes: tmpl(config.string("state_message")), Self.maxMessageRunes),
            "monitoring_tool": tmpl(config.string("monitoring_tool")),
        ]
        for (key, value) in config.stringMap("custom_fields") { fields[key] = tmpl(value) }
        if let error = tmpl.error { return .failed("templating error: \(error)", retry: false) }
        return await http.post(url, body: Array((WebhookMessage.object(fields) + "\n").utf8), deadline: notification.deadline)
    }
}
