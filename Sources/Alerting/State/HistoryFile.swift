internal import Foundation

/// The per-alert history on disk (`history.jsonl` under `--storage.path`): one JSON object per
/// event and line, appended as events happen (no fsync: a crash of the process loses nothing, a
/// crash of the machine at most the last events) and rewritten whole, without what the retention
/// dropped, at each maintenance. A line cut short by a crash is skipped on reading; any other line
/// that does not decode stops the start, as the other state files do.
enum HistoryFile {
    private struct Line: Codable {
        var fingerprint: UInt64
        var type: String
        var atMs: Int64
        var by: [String]?
        var receiver: String?
        var integration: String?
        var status: String?
    }

    /// The events in the file at `path`, in the order they were written; none when it does not exist.
    /// - Throws: `AlertingError.stateFile` for a line that does not decode.
    static func read(_ path: String) throws(AlertingError) -> [(Fingerprint, AlertHistory.Event)] {
        guard let data = try StateFile.read(path) else { return [] }
        var result: [(Fingerprint, AlertHistory.Event)] = []
        let decoder = JSONDecoder()
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
            lineNumber += 1
            guard !line.isEmpty else { continue }
            guard let decoded = try? decoder.decode(Line.self, from: Data(line)), let kind = AlertHistory.Event.Kind(rawValue: decoded.type) else {
                throw .stateFile(path: path, reason: "corrupt: line \(lineNumber) is not a history event")
            }
            result.append((Fingerprint(value: decoded.fingerprint), AlertHistory.Event(
                kind: kind, atMs: decoded.atMs, by: decoded.by ?? [], receiver: decoded.receiver ?? "",
                integration: decoded.integration ?? "", status: decoded.status ?? "")))
        }
        return result
    }

    /// `events` as lines of the file.
    static func encode(_ events: [(Fingerprint, AlertHistory.Event)]) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes: [UInt8] = []
        for (fingerprint, event) in events {
            let line = Line(fingerprint: fingerprint.value, type: event.kind.rawValue, atMs: event.atMs,
                            by: event.by.isEmpty ? nil : event.by, receiver: event.receiver.isEmpty ? nil : event.receiver,
                            integration: event.integration.isEmpty ? nil : event.integration, status: event.status.isEmpty ? nil : event.status)
            do { bytes += try encoder.encode(line) } catch { preconditionFailure("BUG: a history event does not encode: \(error)") }
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    /// Appends `events` to the file at `path`, creating it.
    static func append(_ events: [(Fingerprint, AlertHistory.Event)], to path: String) throws(AlertingError) {
        guard !events.isEmpty else { return }
        let bytes = encode(events)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw .stateFile(path: path, reason: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard StateFile.writeAll(bytes, to: fd) else {
            throw .stateFile(path: path, reason: "cannot append: \(String(cString: strerror(errno)))")
        }
    }
}
