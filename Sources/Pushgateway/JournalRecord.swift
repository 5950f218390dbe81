import Exposition
import SwiftProtobuf

/// The payload of one journal record: a `GroupChange` in a small binary form
/// (see docs/pushgateway.md, "Journal"). Families are client_model protobuf messages.
enum JournalRecord {
    private static let put: UInt8 = 1, delete: UInt8 = 2

    static func encode(_ change: GroupChange) -> [UInt8] {
        var out: [UInt8] = []
        switch change {
        case .delete(let key):
            out.append(delete)
            appendKey(key, to: &out)
        case .put(let group):
            out.append(put)
            appendKey(group.key, to: &out)
            for value in [group.lastPushMs, group.pushGaugeWrittenMs, group.lastFailureMs, group.failureGaugeWrittenMs,
                          group.expiresAtMs ?? -1] {
                appendInt64(value, to: &out)
            }
            appendVarint(UInt64(group.families.count), to: &out)
            for (_, timed) in group.families.sorted(by: { $0.key < $1.key }) {
                appendInt64(timed.pushedAtMs, to: &out)
                // Serializing a message built from decoded fields cannot fail (no required fields).
                let bytes = (try? timed.family.serializedBytes() as [UInt8]) ?? []
                appendVarint(UInt64(bytes.count), to: &out)
                out.append(contentsOf: bytes)
            }
        }
        return out
    }

    /// Decodes a payload; `nil` if it is not one `encode` wrote.
    static func decode(_ bytes: ArraySlice<UInt8>) -> GroupChange? {
        var reader = Reader(bytes: bytes)
        guard let kind = reader.byte(), let key = reader.key() else { return nil }
        switch kind {
        case delete:
            return reader.isAtEnd ? .delete(key) : nil
        case put:
            var group = MetricGroup(key: key)
            guard let lastPush = reader.int64(), let pushWritten = reader.int64(), let lastFailure = reader.int64(),
                  let failureWritten = reader.int64(), let expiry = reader.int64(), let count = reader.varint()
            else { return nil }
            (group.lastPushMs, group.pushGaugeWrittenMs) = (lastPush, pushWritten)
            (group.lastFailureMs, group.failureGaugeWrittenMs) = (lastFailure, failureWritten)
            group.expiresAtMs = expiry < 0 ? nil : expiry
            for _ in 0..<min(count, UInt64(bytes.count)) {
                guard let pushedAt = reader.int64(), let message = reader.lengthPrefixed(),
                      let family = try? PushedFamily(serializedBytes: Array(message))
                else { return nil }
                group.families[family.name] = .init(family: family, pushedAtMs: pushedAt)
            }
            return reader.isAtEnd && UInt64(group.families.count) == count ? .put(group) : nil
        default:
            return nil
        }
    }

    private static func appendKey(_ key: GroupingKey, to out: inout [UInt8]) {
        appendVarint(UInt64(key.labels.count), to: &out)
        for label in key.labels {
            for text in [label.name, label.value] {
                appendVarint(UInt64(text.utf8.count), to: &out)
                out.append(contentsOf: text.utf8)
            }
        }
    }

    private static func appendInt64(_ value: Int64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    /// Bounds-checked reads over a payload; every read returns `nil` past the end.
    private struct Reader {
        let bytes: ArraySlice<UInt8>
        var position: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            position = bytes.startIndex
        }

        var isAtEnd: Bool { position == bytes.endIndex }

        mutating func byte() -> UInt8? {
            guard position < bytes.endIndex else { return nil }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func int64() -> Int64? {
            guard bytes.endIndex - position >= 8 else { return nil }
            var value: UInt64 = 0
            for i in 0..<8 { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
            position += 8
            return Int64(bitPattern: value)
        }

        mutating func varint() -> UInt64? {
            var value: UInt64 = 0, shift: UInt64 = 0
            while let next = self.byte(), shift < 64 {
                value |= UInt64(next & 0x7F) << shift
                if next & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }

        mutating func lengthPrefixed() -> ArraySlice<UInt8>? {
            guard let length = varint(), length <= UInt64(bytes.endIndex - position) else { return nil }
            defer { position += Int(length) }
            return bytes[position..<position + Int(length)]
        }

        mutating func key() -> GroupingKey? {
            guard let count = varint(), count <= UInt64(bytes.count) else { return nil }
            var pairs: [(name: String, value: String)] = []
            for _ in 0..<count {
                guard let name = lengthPrefixed(), let value = lengthPrefixed() else { return nil }
                pairs.append((name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
            }
            return GroupingKey(pairs)
        }
    }
}
