internal import Foundation
internal import Model

/// The JSON forms of the silences and notification log files (`silences.json`, `nflog.json`
/// under `--storage.path`) and of the state HA peers exchange, described in docs/alertmanager.md.
enum StateSnapshots {
    struct SilenceRecord: Codable {
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

    struct LogRecord: Codable {
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
    struct Document<Item: Codable>: Codable {
        var version: Int
        var items: [Item]
    }

    static func encode(_ silences: Silences) -> [UInt8] {
        encode(Document(version: 1, items: silences.byID.values.sorted { $0.id < $1.id }.map(SilenceRecord.init)))
    }

    static func decodeSilences(_ data: Data, path: String) throws(AlertingError) -> [Silence] {
        let document: Document<SilenceRecord> = try decode(data, path: path)
        var result: [Silence] = []
        for record in document.items {
            do { result.append(try record.silence()) } catch { throw .stateFile(path: path, reason: "\(error)") }
        }
        return result
    }

    static func encode(_ log: NotificationLog) -> [UInt8] {
        encode(Document(version: 1, items: LogRecord.sorted(log.entries.map(LogRecord.init))))
    }

    static func decodeLog(_ data: Data, path: String, into log: inout NotificationLog) throws(AlertingError) {
        let document: Document<LogRecord> = try decode(data, path: path)
        for record in document.items {
            let (key, entry) = record.keyAndEntry
            log.restore(key, entry)
        }
    }

    static func encode<Value: Encodable>(_ value: Value) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return Array(try encoder.encode(value)) } catch { preconditionFailure("BUG: state records do not encode: \(error)") }
    }

    static func decode<Item: Codable>(_ data: Data, path: String) throws(AlertingError) -> Document<Item> {
        let document: Document<Item>
        do { document = try JSONDecoder().decode(Document<Item>.self, from: data) } catch {
            throw .stateFile(path: path, reason: "corrupt: \(error)")
        }
        guard document.version == 1 else { throw .stateFile(path: path, reason: "unknown version \(document.version)") }
        return document
    }
}

extension StateSnapshots.SilenceRecord {
    init(_ silence: Silence) {
        self.init(id: silence.id, matchers: silence.matchers.map { .init(name: $0.name, value: $0.value, type: $0.type.rawValue) },
                  startsAtMs: silence.startsAtMs, endsAtMs: silence.endsAtMs, updatedAtMs: silence.updatedAtMs,
                  createdBy: silence.createdBy, comment: silence.comment)
    }

    /// The silence.
    /// - Throws: `AlertingError.invalidSilence` for a matcher that does not build.
    func silence() throws(AlertingError) -> Silence {
        var matchers: [Matcher] = []
        for matcher in self.matchers {
            guard let type = MatchType(rawValue: matcher.type), let built = try? Matcher(type, matcher.name, matcher.value) else {
                throw .invalidSilence("silence \(id) has an invalid matcher \(matcher.name)\(matcher.type)\(matcher.value)")
            }
            matchers.append(built)
        }
        return Silence(id: id, matchers: matchers, startsAtMs: startsAtMs, endsAtMs: endsAtMs, updatedAtMs: updatedAtMs,
                       createdBy: createdBy, comment: comment)
    }
}

extension StateSnapshots.LogRecord {
    init(_ key: NotificationLog.Key, _ entry: NotificationLog.Entry) {
        self.init(receiver: key.receiver, integration: key.integration, index: key.index, groupKey: key.groupKey,
                  firing: entry.firing.map(\.value).sorted(), resolved: entry.resolved.map(\.value).sorted(),
                  timestampMs: entry.timestampMs, expiresAtMs: entry.expiresAtMs)
    }

    var keyAndEntry: (NotificationLog.Key, NotificationLog.Entry) {
        (.init(receiver: receiver, integration: integration, index: index, groupKey: groupKey),
         .init(firing: Set(firing.map(Fingerprint.init(value:))), resolved: Set(resolved.map(Fingerprint.init(value:))),
               timestampMs: timestampMs, expiresAtMs: expiresAtMs))
    }

    /// In the files' order: by receiver, group key, integration, index.
    static func sorted(_ records: [Self]) -> [Self] {
        records.sorted { ($0.receiver, $0.groupKey, $0.integration, $0.index) < ($1.receiver, $1.groupKey, $1.integration, $1.index) }
    }
}
