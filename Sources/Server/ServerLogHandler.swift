package import Logging

/// Writes log records to standard error as Prometheus 3 does: logfmt
/// (`time=… level=info msg="…" key=value`) or one JSON object per line
/// (`--log.format=json`).
package struct ServerLogHandler: LogHandler {
    /// The two line formats of `--log.format`.
    package enum Format: String, Sendable, CaseIterable {
        case logfmt, json
    }

    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: Format

    /// A handler for `label` at `level` in `format`.
    package init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("time", RFC3339.format(milliseconds: WallClock.milliseconds())),
            ("level", Self.levelName(event.level)),
            ("source", label),
            ("msg", event.message.description),
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) {
            fields.append((key, value.description))
        }
        var line: String
        switch format {
        case .logfmt:
            line = fields.map { "\($0.0)=\(Self.logfmtValue($0.1))" }.joined(separator: " ")
        case .json:
            var json = JSONWriter(capacity: 256)
            json.byte("{")
            for (i, field) in fields.enumerated() {
                if i > 0 { json.byte(",") }
                json.key(field.0)
                json.string(field.1)
            }
            json.byte("}")
            line = String(decoding: json.bytes, as: UTF8.self)
        }
        line += "\n"
        StandardError.write(line)
    }

    private static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "debug"
        case .info, .notice: "info"
        case .warning: "warn"
        case .error, .critical: "error"
        }
    }

    private static func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\n" }
        guard needsQuotes else { return value }
        var json = JSONWriter(capacity: value.utf8.count + 2)
        json.string(value)
        return String(decoding: json.bytes, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to file descriptor 2.
enum StandardError {
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
