internal import Config
internal import Foundation
internal import Template

/// A `pushover_configs` entry (upstream's `notify/pushover`): the message API's parameters in
/// the query string of an empty `text/plain` POST, as Alertmanager sends them. `api_url` (a
/// Pharos addition; upstream has the URL built in) defaults to Pushover's.
struct PushoverIntegration: ConfiguredIntegration {
    let name = "pushover"
    let index: Int
    let config: IntegrationConfig
    let templates: NotificationTemplates
    let http: NotificationHTTP

    /// Pushover's limits, in runes.
    static let maxTitleRunes = 250, maxMessageRunes = 1024, maxURLRunes = 512

    func notify(_ notification: Notification) async -> NotifyOutcome {
        var tmpl = TemplateExpander(templates, notification)
        let token: String, user: String
        do {
            token = try config.secret("token", file: "token_file")
            user = try config.secret("user_key", file: "user_key_file")
        } catch { return error.outcome }
        var parameters: [(String, String)] = [("token", tmpl(token)), ("user", tmpl(user))]
        parameters.append(("title", NotifyText.truncated(runes: tmpl(config.string("title")), Self.maxTitleRunes)))
        var message: String
        if config.bool("html") {
            parameters.append(("html", "1"))
            message = tmpl.html(config.string("message"))
        } else {
            message = tmpl(config.string("message"))
        }
        if config.bool("monospace") { parameters.append(("monospace", "1")) }
        message = NotifyText.truncated(runes: message, Self.maxMessageRunes).trimmingCharacters(in: .whitespacesAndNewlines)
        parameters.append(("message", message.isEmpty ? "(no details)" : message))
        parameters.append(("url", NotifyText.truncated(runes: tmpl(config.string("url")), Self.maxURLRunes)))
        parameters.append(("url_title", tmpl(config.string("url_title"))))
        parameters.append(("priority", tmpl(config.string("priority"))))
        parameters.append(("retry", String(config.duration("retry").components.seconds)))
        parameters.append(("expire", String(config.duration("expire").components.seconds)))
        parameters.append(("device", tmpl(config.string("device"))))
        parameters.append(("sound", tmpl(config.string("sound"))))
        let ttl = config.duration("ttl").components.seconds
        if ttl > 0 { parameters.append(("ttl", String(ttl))) }
        if let error = tmpl.error { return .failed("\(error)", retry: false) }
        let url = config.string("api_url") + "?" + FormEncoding.encode(parameters)
        switch await http.send(url, body: [], contentType: "text/plain", deadline: notification.deadline) {
        case .success(let response): return NotificationHTTP.outcome(response)
        case .failure(let failure): return .failed("post <redacted>: \(failure.reason)", retry: failure.retry)
        }
    }
}

/// `application/x-www-form-urlencoded` as Go's `url.Values.Encode` writes it: keys sorted (values
/// of one key in order), `url.QueryEscape`d.
enum FormEncoding {
    static func encode(_ parameters: [(String, String)]) -> String {
        parameters.enumerated()
            .sorted { a, b in a.element.0 == b.element.0 ? a.offset < b.offset : a.element.0.utf8.lexicographicallyPrecedes(b.element.0.utf8) }
            .map { GoEscape.queryEscape($0.element.0) + "=" + GoEscape.queryEscape($0.element.1) }
            .joined(separator: "&")
    }
}
