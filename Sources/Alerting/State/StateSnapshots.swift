internal import Foundation
internal import Model

/// The JSON forms of the silences and notification log files (`silences.json`, `nflog.json`
/// under `--storage.path`), described in docs/alertmanager.md.
enum StateSnapshots {
    private struct SilenceRecord: Codable {
        struct MatcherRecord: Codable {
            var name: String
            var value: String
            var type: String
        }
        var id: String
        var matchers: [MatcherRecord]
        var startsAtMs: Int64
        var endsAtMs: Int64
        var updatedAtMs: Int64
        var createdBy: String
        var comment: String
    }

    private struct LogRecord: Codable {
        var receiver: String
        var integration: String
        var index: Int
        var groupKey: String
        var firing: [UInt64]
        var resolved: [UInt64]
        var timestampMs: Int64
        var expiresAtMs: Int64
    }

    /// The file's version; another one is refused.
    private struct Document<Item: Codable>: Codable {
        var version: Int
        var items: [Item]
    }

    static func encode(_ silences: Silences) -> [UInt8] {
        let records = silences.byID.values.sorted { $0.id < $1.id }.map { silence in
            SilenceRecord(
                id: silence.id, matchers: silence.matchers.map { .init(name: $0.name, value: $0.value, type: $0.type.rawValue) },
                startsAtMs: silence.startsAtMs, endsAtMs: silence.endsAtMs, updatedAtMs: silence.updatedAtMs,
                createdBy: silence.createdBy, comment: silence.comment)
        }
        return encode(Document(version: 1, items: records))
    }

    static func decodeSilences(_ data: Data, path: String) throws(AlertingError) -> [Silence] {
        let document: Document<SilenceRecord> = try decode(data, path: path)
        var result: [Silence] = []
        for record in document.items {
            var matchers: [Matcher] = []
            for matcher in record.matchers {
                guard let type = MatchType(rawValue: matcher.type), let built = try? Matcher(type, matcher.name, matcher.value) else {
                    throw .stateFile(path: path, reason: "silence \(record.id) has an invalid matcher \(matcher.name)\(matcher.type)\(matcher.value)")
                }
                matchers.append(built)
            }
            result.append(Silence(id: record.id, matchers: matchers, startsAtMs: record.startsAtMs, endsAtMs: record.endsAtMs,
                                  updatedAtMs: record.updatedAtMs, createdBy: record.createdBy, comment: record.comment))
        }
        return result
    }

    static func encode(_ log: NotificationLog) -> [UInt8] {
        let records = log.entries.map { key, entry in
            LogRecord(receiver: key.receiver, integration: key.integration, index: key.index, groupKey: key.groupKey,
                      firing: entry.firing.map(\.value).sorted(), resolved: entry.resolved.map(\.value).sorted(),
                      timestampMs: entry.timestampMs, expiresAtMs: entry.expiresAtMs)
        }.sorted { ($0.receiver, $0.groupKey, $0.integration, $0.index) < ($1.receiver, $1.groupKey, $1.integration, $1.index) }
        return encode(Document(version: 1, items: records))
    }

    static func decodeLog(_ data: Data, path: String, into log: inout NotificationLog) throws(AlertingError) {
        let document: Document<LogRecord> = try decode(data, path: path)
        for record in document.items {
            log.restore(
                .init(receiver: record.receiver, integration: record.integration, index: record.index, groupKey: record.groupKey),
                .init(firing: Set(record.firing.map(Fingerprint.init(value:))), resolved: Set(record.resolved.map(Fingerprint.init(value:))),
                      timestampMs: record.timestampMs, expiresAtMs: record.expiresAtMs))
        }
    }

    private static func encode<Item: Codable>(_ document: Document<Item>) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return Array(try encoder.encode(document)) } catch { preconditionFailure("BUG: state records do not encode: \(error)") }
    }

    private static func decode<Item: Codable>(_ data: Data, path: String) throws(AlertingError) -> Document<Item> {
        let document: Document<Item>
        do { document = try JSONDecoder().decode(Document<Item>.self, from: data) } catch {
            throw .stateFile(path: path, reason: "corrupt: \(error)")
        }
        guard document.version == 1 else { throw .stateFile(path: path, reason: "unknown version \(document.version)") }
        return document
    }
}
