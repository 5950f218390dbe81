internal import Config
internal import Crypto
internal import Foundation
internal import NIOHTTP1

/// An `opsgenie_configs` entry (upstream's `notify/opsgenie`): creates an alert with the group
/// key's hash as alias while alerts fire (and, with `update_alerts`, updates its message and
/// description), closes it when all are resolved. `Authorization: GenieKey <api_key>`.
struct OpsgenieIntegration: ConfiguredIntegration {
    let name = "opsgenie"
    let index: Int
    let config: IntegrationConfig
    let templates: NotificationTemplates
    let http: NotificationHTTP

    /// Opsgenie's limit on an alert message, in runes.
    static let maxMessageRunes = 130

    private struct Request {
        var method: HTTPMethod
        var url: String
        var body: GoJSONObject
    }

    func notify(_ notification: Notification) async -> NotifyOutcome {
        var tmpl = TemplateExpander(templates, notification)
        let alias = NotifyKey.hash(notification.groupKey)
        let base = config.string("api_url")
        var requests: [Request] = []
        if notification.status == "resolved" {
            var body = GoJSONObject()
            body.string("source", tmpl(config.string("source")))
            requests.append(Request(method: .POST, url: Self.url(base, path: "v2/alerts/\(alias)/close", byAlias: true), body: body))
        } else {
            var details = WebhookMessage.common(notification.alerts.map(\.labels))
            for (key, value) in config.stringMap("details") { details[key] = tmpl(value) }
            var responders: [GoJSONObject] = []
            for responder in config.records("responders") {
                let id = tmpl(responder["id"] ?? ""), name = tmpl(responder["name"] ?? "")
                let username = tmpl(responder["username"] ?? ""), type = tmpl(responder["type"] ?? "")
                if id.isEmpty && name.isEmpty && username.isEmpty && type.isEmpty { continue }
                if type == "teams" {
                    for team in Self.split(name) { responders.append(Self.responder(id: "", name: tmpl(team), username: "", type: "team")) }
                } else {
                    responders.append(Self.responder(id: id, name: name, username: username, type: type))
                }
            }
            let message = NotifyText.truncated(runes: tmpl(config.string("message")), Self.maxMessageRunes)
            let description = tmpl(config.string("description"))
            var body = GoJSONObject()
            body.string("alias", alias)
            body.string("message", message)
            body.string("description", description, omitEmpty: true)
            body.stringMap("details", details)
            body.string("source", tmpl(config.string("source")))
            body.objects("responders", responders, omitEmpty: true)
            body.strings("tags", Self.split(tmpl(config.string("tags"))), omitEmpty: true)
            body.string("note", tmpl(config.string("note")), omitEmpty: true)
            body.string("priority", tmpl(config.string("priority")), omitEmpty: true)
            body.string("entity", tmpl(config.string("entity")), omitEmpty: true)
            body.strings("actions", Self.split(tmpl(config.string("actions"))), omitEmpty: true)
            requests.append(Request(method: .POST, url: Self.url(base, path: "v2/alerts", byAlias: false), body: body))
            if config.bool("update_alerts") {
                var update = GoJSONObject()
                update.string("message", message, omitEmpty: true)
                requests.append(Request(method: .PUT, url: Self.url(base, path: "v2/alerts/\(alias)/message", byAlias: true), body: update))
                var describe = GoJSONObject()
                describe.string("description", description, omitEmpty: true)
                requests.append(Request(method: .PUT, url: Self.url(base, path: "v2/alerts/\(alias)/description", byAlias: true), body: describe))
            }
        }
        let apiKey: String
        do { apiKey = tmpl(try config.secret("api_key", file: "api_key_file")) } catch { return error.outcome }
        if let error = tmpl.error { return .failed("templating error: \(error)", retry: false) }
        for request in requests {
            let result = await http.send(request.url, method: request.method, body: request.body.encoded,
                                         headers: [("Authorization", "GenieKey " + apiKey)], deadline: notification.deadline)
            let outcome: NotifyOutcome
            switch result {
            case .success(let response): outcome = NotificationHTTP.outcome(response)
            case .failure(let failure): outcome = failure.outcome
            }
            guard outcome == .delivered else { return outcome }
        }
        return .delivered
    }

    private static func responder(id: String, name: String, username: String, type: String) -> GoJSONObject {
        var object = GoJSONObject()
        object.string("id", id, omitEmpty: true)
        object.string("name", name, omitEmpty: true)
        object.string("username", username, omitEmpty: true)
        object.string("type", type)
        return object
    }

    /// Upstream's `safeSplit`: the non-empty parts of the trimmed text.
    static func split(_ text: String) -> [String] {
        text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init)
    }

    /// `base` with `path` appended to its path (as upstream's `URL.Path +=`), and the alias query.
    static func url(_ base: String, path: String, byAlias: Bool) -> String {
        var head = base, query = ""
        if let mark = base.firstIndex(of: "?") {
            head = String(base[..<mark])
            query = String(base[base.index(after: mark)...])
        }
        var parts = query.split(separator: "&").map(String.init).filter { !$0.hasPrefix("identifierType=") }
        if byAlias { parts.append("identifierType=alias") }
        parts.sort()
        return head + path + (parts.isEmpty ? "" : "?" + parts.joined(separator: "&"))
    }
}

/// The group key's SHA-256 in hex (upstream's `notify.Key.Hash`): PagerDuty's dedup key,
/// Opsgenie's alias, VictorOps' entity ID.
enum NotifyKey {
    static func hash(_ groupKey: String) -> String {
        SHA256.hash(data: Data(groupKey.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
