internal import Model

/// Writes metric families in the Prometheus text format 0.0.4 or OpenMetrics 1.0, as
/// client_golang's `expfmt` does: `# HELP`, `# TYPE` (and `# UNIT`), then the samples, with
/// values formatted as Go's `FormatFloat(v, 'g', -1, 64)`.
package enum ExpositionWriter {
    /// Appends `families` to `out` in `format` (`.protobuf`: delimited `MetricFamily` messages,
    /// see `ProtobufExpositionWriter.write(_:)`). OpenMetrics output ends with `# EOF`.
    package static func write(_ families: [MetricFamily], format: ExpositionFormat, into out: inout [UInt8]) {
        switch format {
        case .text:
            for family in families { writeText(family, into: &out) }
        case .openMetrics:
            for family in families { writeOpenMetrics(family, into: &out) }
            out.append(contentsOf: "# EOF\n".utf8)
        case .protobuf:
            var writer = ProtobufExpositionWriter()
            for family in families { writer.write(family) }
            out.append(contentsOf: writer.bytes)
        }
    }

    /// Writes one family in the text format 0.0.4. Types the format lacks become the nearest
    /// one it has: `gaugehistogram` → `histogram`, `info` and `stateset` → `gauge`.
    static func writeText(_ family: MetricFamily, into out: inout [UInt8]) {
        // Text 0.0.4 names a counter's metadata after its samples (`x_total`).
        let name = family.type == .counter && !family.name.hasSuffix("_total") ? family.name + "_total" : family.name
        if let help = family.help {
            appendMetadata("# HELP ", name, help, escapingQuotes: false, into: &out)
        }
        let type = switch family.type {
        case .unknown: "untyped"
        case .gaugehistogram: "histogram"
        case .info, .stateset: "gauge"
        default: family.type.rawValue
        }
        appendMetadata("# TYPE ", name, type, into: &out)
        for sample in family.samples {
            appendSeries(sample.labels, into: &out)
            out.append(TextScanning.space)
            FloatFormatting.append(sample.value, to: &out)
            if let timestamp = sample.timestampMs {
                out.append(TextScanning.space)
                out.append(contentsOf: String(timestamp).utf8)
            }
            out.append(TextScanning.newline)
        }
    }

    /// Writes one family in OpenMetrics 1.0, timestamps in seconds, exemplars included.
    /// A counter family read from text 0.0.4 (`x_total`) is named without `_total`, as
    /// client_golang's OpenMetrics encoder does.
    static func writeOpenMetrics(_ family: MetricFamily, into out: inout [UInt8]) {
        let name = family.type == .counter && family.name.hasSuffix("_total") ? String(family.name.dropLast(6)) : family.name
        if let help = family.help {
            appendMetadata("# HELP ", name, help, escapingQuotes: true, into: &out)
        }
        appendMetadata("# TYPE ", name, family.type.rawValue, into: &out)
        if let unit = family.unit {
            appendMetadata("# UNIT ", name, unit, into: &out)
        }
        for sample in family.samples {
            appendSeries(sample.labels, into: &out)
            out.append(TextScanning.space)
            FloatFormatting.append(sample.value, to: &out)
            if let timestamp = sample.timestampMs {
                out.append(TextScanning.space)
                appendSeconds(milliseconds: timestamp, into: &out)
            }
            if let exemplar = sample.exemplar {
                out.append(contentsOf: " # ".utf8)
                appendLabelSet(exemplar.labels, skippingName: false, into: &out)
                out.append(TextScanning.space)
                FloatFormatting.append(exemplar.value.value, to: &out)
                if let timestamp = exemplar.value.timestampMs {
                    out.append(TextScanning.space)
                    appendSeconds(milliseconds: timestamp, into: &out)
                }
            }
            out.append(TextScanning.newline)
        }
    }

    /// `# KEYWORD name text`; `escapingQuotes` set means help text to escape, `nil` means as is.
    private static func appendMetadata(
        _ keyword: StaticString, _ name: String, _ text: String, escapingQuotes: Bool? = nil, into out: inout [UInt8]
    ) {
        out.append(contentsOf: UnsafeBufferPointer(start: keyword.utf8Start, count: keyword.utf8CodeUnitCount))
        out.append(contentsOf: name.utf8)
        out.append(TextScanning.space)
        if let escapingQuotes {
            appendEscaped(text, quotes: escapingQuotes, into: &out)
        } else {
            out.append(contentsOf: text.utf8)
        }
        out.append(TextScanning.newline)
    }

    /// `name{label="value",...}`, or just `name` when there are no other labels.
    private static func appendSeries(_ labels: Labels, into out: inout [UInt8]) {
        out.append(contentsOf: (labels.metricName ?? "").utf8)
        if labels.count > (labels.metricName == nil ? 0 : 1) {
            appendLabelSet(labels, skippingName: true, into: &out)
        }
    }

    private static func appendLabelSet(_ labels: Labels, skippingName: Bool, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        var first = true
        for label in labels where !(skippingName && label.name == Labels.metricNameLabel) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(contentsOf: label.name.utf8)
            out.append(contentsOf: "=\"".utf8)
            appendEscaped(label.value, quotes: true, into: &out)
            out.append(TextScanning.quote)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Escapes `\` and newline (and `"` when `quotes`), the escapes both formats define.
    private static func appendEscaped(_ text: String, quotes: Bool, into out: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case TextScanning.backslash: out.append(contentsOf: "\\\\".utf8)
            case TextScanning.newline: out.append(contentsOf: "\\n".utf8)
            case TextScanning.quote where quotes: out.append(contentsOf: "\\\"".utf8)
            default: out.append(byte)
            }
        }
    }

    /// Milliseconds as exact decimal seconds: `1520430000123` → `1520430000.123`.
    private static func appendSeconds(milliseconds: Int64, into out: inout [UInt8]) {
        let magnitude = milliseconds.magnitude
        if milliseconds < 0 { out.append(UInt8(ascii: "-")) }
        out.append(contentsOf: String(magnitude / 1000).utf8)
        var fraction = magnitude % 1000
        guard fraction != 0 else { return }
        out.append(UInt8(ascii: "."))
        var width = 3
        while fraction % 10 == 0 { fraction /= 10; width -= 1 }
        let digits = String(fraction)
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.utf8.count))
        out.append(contentsOf: digits.utf8)
    }
}
