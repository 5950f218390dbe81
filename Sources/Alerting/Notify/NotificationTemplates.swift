internal import Config
internal import Foundation
package import Template

/// The notification templates of a config (upstream's `template.Template`): the default
/// templates, then the `templates:` files, which may redefine them. An integration's setting
/// (`title: '{{ template "x" . }}'`) is parsed into a copy of this set and run on the
/// notification's data with `missingkey=zero`, as upstream's `ExecuteTextString`.
package struct NotificationTemplates: Sendable {
    private let set: TextTemplate

    /// The defaults and the files `globs` match, in glob order.
    /// - Throws: `AlertingError.template` for a file that cannot be read or parsed.
    package static func load(globs: [String]) throws(AlertingError) -> NotificationTemplates {
        var set = TextTemplate(name: "", functions: AlertmanagerTemplateFunctions.functions, missingKey: .zero)
        do { try set.parse(DefaultTemplates.text, as: "default.tmpl") } catch {
            throw .template(path: "default.tmpl", reason: "\(error)")
        }
        for glob in globs {
            for path in Glob.expand(glob) {
                let text: String
                do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                    throw .template(path: path, reason: "cannot read: \(error.localizedDescription)")
                }
                do { try set.parse(text, as: (path as NSString).lastPathComponent) } catch {
                    throw .template(path: path, reason: "\(error)")
                }
            }
        }
        return NotificationTemplates(set: set)
    }

    /// `text` run on `data`; "" for "" (upstream's `ExecuteTextString`).
    package func expand(_ text: String, _ data: TemplateValue) throws(TemplateError) -> String {
        guard !text.isEmpty else { return "" }
        var set = set
        try set.parse(text, as: "")
        return try set.execute(templateNamed: "", data: data)
    }

    /// `text` run on `data` with every string of the data HTML-escaped (upstream's
    /// `ExecuteHTMLString` escapes each value where it is printed; escaping the data gives the
    /// same text for values printed into HTML text and attributes).
    package func expandHTML(_ text: String, _ data: TemplateValue) throws(TemplateError) -> String {
        try expand(text, Self.escaped(data))
    }

    private static func escaped(_ value: TemplateValue) -> TemplateValue {
        switch value {
        case .string(let text):
            return .string(GoEscape.html(text))
        case .list(let items):
            return .list(items.map(escaped))
        case .map(var map):
            map.entries = map.entries.mapValues(escaped)
            return .map(map)
        case .record(var record):
            record.fieldValues = record.fieldValues.map(escaped)
            return .record(record)
        default:
            return value
        }
    }

    /// The template data of a notification (upstream's `template.Data`): the receiver as
    /// `regexp.QuoteMeta` leaves it, the status, the alerts, group and common labels and
    /// annotations, the external URL.
    package static func data(_ notification: Notification) -> TemplateValue {
        let nowMs = notification.nowMs
        let alerts = notification.alerts.map { alert -> TemplateValue in
            let resolved = alert.isResolved(at: nowMs)
            return .record(TemplateRecord(typeName: AlertmanagerTemplateMethods.alertType, fields: [
                ("Status", .string(resolved ? "resolved" : "firing")),
                ("Labels", AlertmanagerTemplateMethods.kv(alert.labels)),
                ("Annotations", AlertmanagerTemplateMethods.kv(alert.annotations)),
                ("StartsAt", .time(time(alert.startsAtMs))),
                ("EndsAt", .time(resolved ? time(alert.endsAtMs ?? 0) : TemplateTime(seconds: -62_135_596_800, nanoseconds: 0))),
                ("GeneratorURL", .string(alert.generatorURL)),
                ("Fingerprint", .string(alert.fingerprint.description)),
            ]))
        }
        return .record(TemplateRecord(typeName: "*template.Data", fields: [
            ("Receiver", .string(WebhookMessage.escapeRegexMeta(notification.receiver))),
            ("Status", .string(notification.status)),
            ("Alerts", .list(alerts)),
            ("GroupLabels", AlertmanagerTemplateMethods.kv(notification.groupLabels)),
            ("CommonLabels", AlertmanagerTemplateMethods.kv(WebhookMessage.common(notification.alerts.map(\.labels)))),
            ("CommonAnnotations", AlertmanagerTemplateMethods.kv(WebhookMessage.common(notification.alerts.map(\.annotations)))),
            ("ExternalURL", .string(notification.externalURL)),
        ]))
    }

    private static func time(_ ms: Int64) -> TemplateTime {
        TemplateTime(seconds: ms / 1000, nanoseconds: (ms % 1000) * 1_000_000)
    }
}

/// Expands an integration's settings for one notification, keeping the first error and
/// answering "" after it (upstream's `notify.TmplText`).
struct TemplateExpander {
    let templates: NotificationTemplates
    let data: TemplateValue
    private(set) var error: TemplateError?

    init(_ templates: NotificationTemplates, _ notification: Notification) {
        self.templates = templates
        data = NotificationTemplates.data(notification)
    }

    mutating func callAsFunction(_ text: String) -> String {
        guard error == nil else { return "" }
        do { return try templates.expand(text, data) } catch {
            self.error = error
            return ""
        }
    }

    mutating func html(_ text: String) -> String {
        guard error == nil else { return "" }
        do { return try templates.expandHTML(text, data) } catch {
            self.error = error
            return ""
        }
    }
}

extension Notification {
    /// `firing` when an alert fires, else `resolved` (upstream's `types.Alerts.Status`).
    package var status: String { alerts.contains { !$0.isResolved(at: nowMs) } ? "firing" : "resolved" }
}
