import Foundation
package import Model

/// An alert on its way to the Alertmanagers, as `POST /api/v2/alerts` takes it
/// (upstream's `notifier.Alert`). Times are milliseconds since the Unix epoch.
package struct NotifierAlert: Sendable, Equatable {
    /// The alert's labels (external labels and `alert_relabel_configs` applied on sending).
    package var labels: Labels
    /// The expanded annotations.
    package var annotations: Annotations
    /// When the alert fired.
    package var startsAtMs: Int64
    /// When it resolved, else until when it is valid without being sent again.
    package var endsAtMs: Int64?
    /// A link to the rule's expression in the graph page.
    package var generatorURL: String

    /// The alert to send for `alert` of a rule whose graph link is `generatorURL`.
    package init(_ alert: Alert, generatorURL: String) {
        labels = alert.labels
        annotations = alert.annotations
        startsAtMs = alert.startsAtMs
        endsAtMs = alert.endsAtMs
        self.generatorURL = generatorURL
    }

    /// One element of the body Alertmanager's `POST /api/v2/alerts` takes.
    private struct Payload: Encodable {
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String?
        var generatorURL: String
    }

    /// The JSON array Alertmanager's v2 API takes for `alerts`.
    static func json(_ alerts: [NotifierAlert]) -> [UInt8] {
        let payload = alerts.map { alert in
            Payload(
                labels: dictionary(alert.labels), annotations: dictionary(alert.annotations),
                startsAt: rfc3339(alert.startsAtMs), endsAt: alert.endsAtMs.map(rfc3339), generatorURL: alert.generatorURL)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(payload))
        } catch {
            preconditionFailure("BUG: strings and dictionaries of strings do not encode: \(error)")
        }
    }

    private static func dictionary(_ labels: some Sequence<Label>) -> [String: String] {
        Dictionary(labels.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// RFC 3339 with milliseconds, in UTC (Go's `time.Time` JSON marshals with nanoseconds;
    /// Alertmanager reads either).
    private static func rfc3339(_ ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
