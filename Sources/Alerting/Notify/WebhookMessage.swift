internal import Foundation
internal import Model

/// The webhook body (upstream's `webhook.Message`, version 4): the template data of the
/// notification, the group key and how many alerts `max_alerts` left out. Keys are written in
/// upstream's order; times as Go's `time.Time` marshals them (RFC 3339, zero time for no end).
package enum WebhookMessage {
    /// The JSON body for `notification`, its alerts truncated to `maxAlerts` (0: all).
    package static func json(_ notification: Notification, maxAlerts: Int) -> [UInt8] {
        var alerts = notification.alerts
        var truncated = 0
        if maxAlerts > 0 && alerts.count > maxAlerts {
            truncated = alerts.count - maxAlerts
            alerts = Array(alerts.prefix(maxAlerts))
        }
        let nowMs = notification.nowMs
        var out = "{\"receiver\":" + GoJSONString.quoted(escapeRegexMeta(notification.receiver))
        out += ",\"status\":" + GoJSONString.quoted(alerts.contains { !$0.isResolved(at: nowMs) } ? "firing" : "resolved")
        out += ",\"alerts\":["
        for (i, alert) in alerts.enumerated() {
            if i > 0 { out += "," }
            out += "{\"status\":" + GoJSONString.quoted(alert.isResolved(at: nowMs) ? "resolved" : "firing")
            out += ",\"labels\":" + object(alert.labels) + ",\"annotations\":" + object(alert.annotations)
            out += ",\"startsAt\":" + GoJSONString.quoted(goTime(alert.startsAtMs)) + ",\"endsAt\":" + GoJSONString.quoted(alert.endsAtMs.map(goTime) ?? "0001-01-01T00:00:00Z")
            out += ",\"generatorURL\":" + GoJSONString.quoted(alert.generatorURL) + ",\"fingerprint\":" + GoJSONString.quoted(alert.fingerprint.description) + "}"
        }
        out += "],\"groupLabels\":" + object(notification.groupLabels)
        out += ",\"commonLabels\":" + object(common(alerts.map(\.labels)))
        out += ",\"commonAnnotations\":" + object(common(alerts.map(\.annotations)))
        out += ",\"externalURL\":" + GoJSONString.quoted(notification.externalURL)
        out += ",\"version\":\"4\",\"groupKey\":" + GoJSONString.quoted(notification.groupKey)
        out += ",\"truncatedAlerts\":\(truncated)}\n"
        return Array(out.utf8)
    }

    /// The pairs every map has with the same value.
    static func common(_ maps: [[String: String]]) -> [String: String] {
        guard var result = maps.first else { return [:] }
        for map in maps.dropFirst() {
            result = result.filter { pair in map[pair.key].map { $0.hasSameUTF8Bytes(pair.value) } ?? false }
        }
        return result
    }

    /// A JSON object with keys in byte order, as Go's `encoding/json` writes maps.
    static func object(_ map: [String: String]) -> String {
        let keys = map.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return "{" + keys.map { GoJSONString.quoted($0) + ":" + GoJSONString.quoted(map[$0] ?? "") }.joined(separator: ",") + "}"
    }

    /// Go's `regexp.QuoteMeta`, which upstream applies to the receiver name in template data.
    static func escapeRegexMeta(_ text: String) -> String {
        var out = ""
        for character in text.unicodeScalars {
            if "\\.+*?()|[]{}^$".unicodeScalars.contains(character) { out += "\\" }
            out.unicodeScalars.append(character)
        }
        return out
    }

    /// RFC 3339 with as many fractional digits as needed, in UTC (Go's `time.Time` JSON).
    package static func goTime(_ ms: Int64) -> String {
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let fraction = ms - seconds * 1000
        let date = Date(timeIntervalSince1970: Double(seconds))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        var out = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        if fraction != 0 {
            var digits = String(format: "%03d", fraction)
            while digits.hasSuffix("0") { digits.removeLast() }
            out += "." + digits
        }
        return out + "Z"
    }
}

extension String {
    fileprivate func hasSameUTF8Bytes(_ other: String) -> Bool { utf8.elementsEqual(other.utf8) }
}
