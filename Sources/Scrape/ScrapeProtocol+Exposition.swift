import Config
import Exposition

extension ScrapeProtocol {
    /// The media range asked for with this protocol (upstream's `config.ScrapeProtocolsHeaders`).
    var mediaRange: String {
        switch self {
        case .prometheusProto: "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
        case .prometheusText004: "text/plain;version=0.0.4"
        case .prometheusText100: "text/plain;version=1.0.0"
        case .openMetricsText001: "application/openmetrics-text;version=0.0.1"
        case .openMetricsText100: "application/openmetrics-text;version=1.0.0"
        }
    }

    /// The `Accept` header for `protocols` in order of preference, as upstream's `acceptHeader`
    /// (`scrape/scrape.go`): weights count down from `q=0.(n+1)`, n being the number of known
    /// protocols, the 1.0.0 text formats carry the name escaping scheme, `*/*` comes last.
    static func acceptHeader(_ protocols: [ScrapeProtocol], escaping: String) -> String {
        var weight = allCases.count + 1
        var ranges: [String] = []
        for scrapeProtocol in protocols {
            var range = scrapeProtocol.mediaRange
            if scrapeProtocol == .prometheusText100 || scrapeProtocol == .openMetricsText100 { range += ";escaping=" + escaping }
            ranges.append(range + ";q=0.\(weight)")
            weight -= 1
        }
        ranges.append("*/*;q=0.\(weight)")
        return ranges.joined(separator: ",")
    }
}

extension ExpositionFormat {
    /// The parser for a configured scrape protocol.
    init(protocol: ScrapeProtocol) {
        switch `protocol` {
        case .prometheusProto: self = .protobuf
        case .prometheusText004, .prometheusText100: self = .text
        case .openMetricsText001, .openMetricsText100: self = .openMetrics
        }
    }
}
