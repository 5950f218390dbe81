internal import Config
internal import Foundation

/// A `slack_configs` entry (upstream's `notify/slack`): one attachment with the templated
/// title, text, fields and actions, POSTed to an incoming webhook or to `chat.postMessage`
/// (`api_url: https://slack.com/api/chat.postMessage` with a bot token in `http_config`).
struct SlackIntegration: ConfiguredIntegration {
    let name = "slack"
    let index: Int
    let config: SlackConfig
    let templates: NotificationTemplates
    let http: NotificationHTTP

    /// Slack's limit on an attachment title, in runes.
    static let maxTitleRunes = 1024

    func notify(_ notification: Notification) async -> NotifyOutcome {
        var tmpl = TemplateExpander(templates, notification)
        let body = message(&tmpl)
        if let error = tmpl.error { return .failed("\(error)", retry: false) }
        let url: String
        do { url = try SecretValue.read(config.apiURL.value, file: config.apiURLFile) } catch { return error.outcome }
        switch await http.send(url, body: body.encoded, deadline: notification.deadline) {
        case .failure(let failure):
            return failure.outcome
        case .success(let response):
            let outcome = NotificationHTTP.outcome(response)
            guard outcome == .delivered else { return outcome }
            return Self.apiOutcome(response.body)
        }
    }

    /// The request body (upstream's `request` with one `attachment`).
    func message(_ tmpl: inout TemplateExpander) -> GoJSONObject {
        var attachment = GoJSONObject()
        attachment.string("title", NotifyText.truncated(runes: tmpl(config.title), Self.maxTitleRunes), omitEmpty: true)
        attachment.string("title_link", tmpl(config.titleLink), omitEmpty: true)
        attachment.string("pretext", tmpl(config.pretext), omitEmpty: true)
        attachment.string("text", tmpl(config.text))
        attachment.string("fallback", tmpl(config.fallback))
        attachment.string("callback_id", tmpl(config.callbackID))
        let fields = config.fields.map { field in
            var object = GoJSONObject()
            object.string("title", tmpl(field.title), omitEmpty: true)
            object.string("value", tmpl(field.value), omitEmpty: true)
            object.bool("short", field.short ?? config.shortFields)
            return object
        }
        attachment.objects("fields", fields, omitEmpty: true)
        let actions = config.actions.map { action in
            var object = GoJSONObject()
            object.string("type", tmpl(action.type), omitEmpty: true)
            object.string("text", tmpl(action.text), omitEmpty: true)
            object.string("url", tmpl(action.url), omitEmpty: true)
            object.string("style", tmpl(action.style), omitEmpty: true)
            object.string("name", tmpl(action.name), omitEmpty: true)
            object.string("value", tmpl(action.value), omitEmpty: true)
            if !action.confirm.isEmpty {
                var confirm = GoJSONObject()
                for key in ["text", "title", "ok_text", "dismiss_text"] {
                    confirm.string(key, tmpl(action.confirm[key] ?? ""), omitEmpty: true)
                }
                object.object("confirm", confirm)
            }
            return object
        }
        attachment.objects("actions", actions, omitEmpty: true)
        attachment.string("image_url", tmpl(config.imageURL), omitEmpty: true)
        attachment.string("thumb_url", tmpl(config.thumbURL), omitEmpty: true)
        attachment.string("footer", tmpl(config.footer))
        attachment.string("color", tmpl(config.color), omitEmpty: true)
        attachment.strings("mrkdwn_in", config.mrkdwnIn.isEmpty ? ["fallback", "pretext", "text"] : config.mrkdwnIn, omitEmpty: true)
        var request = GoJSONObject()
        request.string("channel", tmpl(config.channel), omitEmpty: true)
        request.string("username", tmpl(config.username), omitEmpty: true)
        request.string("icon_emoji", tmpl(config.iconEmoji), omitEmpty: true)
        request.string("icon_url", tmpl(config.iconURL), omitEmpty: true)
        request.bool("link_names", config.linkNames, omitEmpty: true)
        request.objects("attachments", [attachment])
        return request
    }

    /// Slack's Web API (`chat.postMessage`) answers 200 with `{"ok":false,"error":"..."}` when
    /// it refuses a message; incoming webhooks answer `ok` as plain text.
    static func apiOutcome(_ body: String) -> NotifyOutcome {
        guard body.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let ok = object["ok"] as? Bool, !ok
        else { return .delivered }
        return .failed("error response from Slack: \(object["error"] as? String ?? "unknown error")", retry: false)
    }
}

/// Text limits integrations apply (upstream's `notify.TruncateInRunes`, `TruncateInBytes`).
enum NotifyText {
    /// At most `limit` Unicode scalars, the last one `…` when cut.
    static func truncated(runes text: String, _ limit: Int) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count > limit else { return text }
        if limit <= 3 { return String(String.UnicodeScalarView(scalars.prefix(limit))) }
        return String(String.UnicodeScalarView(scalars.prefix(limit - 1))) + "…"
    }

    /// At most `limit` UTF-8 bytes, ending in `…` when cut.
    static func truncated(bytes text: String, _ limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        if limit < 3 { return String(repeating: ".", count: limit) }
        if limit == 3 { return "…" }
        var scalars = String.UnicodeScalarView()
        var size = 0
        for scalar in text.unicodeScalars {
            let length = String(scalar).utf8.count
            if size + length > limit - 3 { break }
            scalars.append(scalar)
            size += length
        }
        return String(scalars) + "…"
    }
}
