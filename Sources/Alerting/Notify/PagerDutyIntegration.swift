internal import Config
internal import Foundation
internal import Model

/// A `pagerduty_configs` entry (upstream's `notify/pagerduty`): an Events API v2 event with
/// `routing_key`, or a v1 event with `service_key`. Trigger while an alert fires, resolve when
/// all are resolved; the dedup (incident) key is the SHA-256 of the group key.
struct PagerDutyIntegration: ConfiguredIntegration {
    let name = "pagerduty"
    let index: Int
    let config: PagerDutyConfig
    let templates: NotificationTemplates
    let http: NotificationHTTP

    /// PagerDuty's v1 endpoint; v1 events go there unless `url` names another than the v2 default.
    static let v1URL = "https://events.pagerduty.com/generic/2010-04-15/create_event.json"
    static let v2DefaultURL = "https://events.pagerduty.com/v2/enqueue"
    /// PagerDuty's limits: an event's size, and v1 descriptions and v2 summaries in runes.
    static let maxEventBytes = 512_000
    static let maxTextRunes = 1024

    private var isV1: Bool { !config.serviceKey.isEmpty || !config.serviceKeyFile.isEmpty }

    func notify(_ notification: Notification) async -> NotifyOutcome {
        let eventType = notification.status == "firing" ? "trigger" : "resolve"
        let dedupKey = NotifyKey.hash(notification.groupKey)
        var tmpl = TemplateExpander(templates, notification)
        var details: [String: String] = [:]
        for (key, value) in config.details {
            do { details[key] = try templates.expand(value, tmpl.data) } catch {
                return .failed("\(GoJSONString.quoted(key)): failed to template \(GoJSONString.quoted(value)): \(error)", retry: false)
            }
        }
        let key: String
        do {
            key = isV1 ? try SecretValue.read(config.serviceKey.value, file: config.serviceKeyFile)
                : try SecretValue.read(config.routingKey.value, file: config.routingKeyFile)
        } catch { return error.outcome }
        let url = isV1 ? (config.url.isEmpty || config.url == Self.v2DefaultURL ? Self.v1URL : config.url) : config.url
        var message = isV1 ? v1Message(&tmpl, eventType, dedupKey, key, details) : v2Message(&tmpl, eventType, dedupKey, key, details)
        if let error = tmpl.error { return .failed("failed to template PagerDuty \(isV1 ? "v1" : "v2") message: \(error)", retry: false) }
        if message.key.isEmpty { return .failed(isV1 ? "service key cannot be empty" : "routing key cannot be empty", retry: false) }
        if message.body.encoded.count > Self.maxEventBytes {
            let error = ["error": "Custom details have been removed because the original event exceeds the maximum size of 512kB"]
            message = isV1 ? v1Message(&tmpl, eventType, dedupKey, key, error) : v2Message(&tmpl, eventType, dedupKey, key, error)
        }
        switch await http.send(url, body: message.body.encoded, deadline: notification.deadline) {
        case .failure(let failure):
            return failure.outcome
        case .success(let response):
            var outcome = NotificationHTTP.outcome(response)
            // v1 answers 403 when rate limited, which upstream retries.
            if isV1, response.status == 403, case .failed(let reason, _) = outcome { outcome = .failed(reason, retry: true) }
            return outcome
        }
    }

    private func v1Message(
        _ tmpl: inout TemplateExpander, _ eventType: String, _ dedupKey: String, _ key: String, _ details: [String: String]
    ) -> (body: GoJSONObject, key: String) {
        let description = NotifyText.truncated(runes: tmpl(config.description), Self.maxTextRunes)
        let serviceKey = tmpl(key)
        var body = GoJSONObject()
        body.string("service_key", serviceKey, omitEmpty: true)
        body.string("incident_key", dedupKey)
        body.string("event_type", eventType)
        body.string("description", description, omitEmpty: true)
        body.raw("event_action", "\"\"")
        body.raw("payload", "null")
        if eventType == "trigger" {
            body.string("client", tmpl(config.client), omitEmpty: true)
            body.string("client_url", tmpl(config.clientURL), omitEmpty: true)
        }
        body.stringMap("details", details, omitEmpty: true)
        return (body, serviceKey)
    }

    private func v2Message(
        _ tmpl: inout TemplateExpander, _ eventType: String, _ dedupKey: String, _ key: String, _ details: [String: String]
    ) -> (body: GoJSONObject, key: String) {
        let client = tmpl(config.client), clientURL = tmpl(config.clientURL), routingKey = tmpl(key)
        var payload = GoJSONObject()
        payload.string("summary", NotifyText.truncated(runes: tmpl(config.description), Self.maxTextRunes))
        payload.string("source", tmpl(config.source))
        payload.string("severity", tmpl(config.severity.isEmpty ? "error" : config.severity))
        payload.string("class", tmpl(config.class), omitEmpty: true)
        payload.string("component", tmpl(config.component), omitEmpty: true)
        payload.string("group", tmpl(config.group), omitEmpty: true)
        payload.stringMap("custom_details", details, omitEmpty: true)
        let images = config.images.compactMap { image -> GoJSONObject? in
            var object = GoJSONObject()
            let src = tmpl(image["src"] ?? "")
            object.string("src", src)
            object.string("alt", tmpl(image["alt"] ?? ""))
            object.string("href", tmpl(image["href"] ?? ""))
            return src.isEmpty ? nil : object
        }
        let links = config.links.compactMap { link -> GoJSONObject? in
            var object = GoJSONObject()
            let href = tmpl(link["href"] ?? "")
            object.string("href", href)
            object.string("text", tmpl(link["text"] ?? ""))
            return href.isEmpty ? nil : object
        }
        var body = GoJSONObject()
        body.string("routing_key", routingKey, omitEmpty: true)
        body.string("dedup_key", dedupKey)
        body.string("event_action", eventType)
        body.object("payload", payload)
        body.string("client", client, omitEmpty: true)
        body.string("client_url", clientURL, omitEmpty: true)
        body.objects("images", images, omitEmpty: true)
        body.objects("links", links, omitEmpty: true)
        return (body, routingKey)
    }
}
