internal import Config
internal import Foundation

/// A `telegram_configs` entry: the Bot API's `sendMessage` at `api_url` + `/bot<token>/`,
/// with the parameters as Alertmanager's client (telebot) writes them (strings in a JSON
/// object). With `parse_mode: HTML` the message is rendered HTML-escaped, as upstream does.
struct TelegramIntegration: ConfiguredIntegration {
    let name = "telegram"
    let index: Int
    let config: IntegrationConfig
    let templates: NotificationTemplates
    let http: NotificationHTTP

    /// Telegram's limit on a message, in runes.
    static let maxMessageRunes = 4096

    func notify(_ notification: Notification) async -> NotifyOutcome {
        var tmpl = TemplateExpander(templates, notification)
        let parseMode = config.string("parse_mode")
        let raw = config.string("message")
        let text = NotifyText.truncated(runes: parseMode == "HTML" ? tmpl.html(raw) : tmpl(raw), Self.maxMessageRunes)
        if let error = tmpl.error { return .failed("\(error)", retry: false) }
        let token: String
        do { token = try config.secret("bot_token", file: "bot_token_file") } catch { return error.outcome }
        var parameters = ["chat_id": String(config.int("chat_id")), "text": text, "disable_web_page_preview": "true"]
        if !parseMode.isEmpty { parameters["parse_mode"] = parseMode }
        if config.bool("disable_notifications") { parameters["disable_notification"] = "true" }
        if config.int("message_thread_id") != 0 { parameters["message_thread_id"] = String(config.int("message_thread_id")) }
        let url = config.string("api_url") + "/bot" + token + "/sendMessage"
        switch await http.send(url, body: Array(WebhookMessage.object(parameters).utf8), deadline: notification.deadline) {
        case .failure(let failure):
            return .failed(failure.reason.replacingOccurrences(of: token, with: "<redacted>"), retry: failure.retry)
        case .success(let response):
            let outcome = NotificationHTTP.outcome(response)
            guard outcome == .delivered else { return outcome }
            // The Bot API answers {"ok":false,"description":"..."} when it refuses a message.
            guard let object = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
                  let ok = object["ok"] as? Bool
            else { return .failed("telegram: unexpected answer: \(response.body.prefix(200))", retry: false) }
            return ok ? .delivered : .failed("telegram: \(object["description"] as? String ?? "request refused")", retry: false)
        }
    }
}
