package import Exposition
import Model

/// Why a scrape failed. `description` is what `/api/v1/targets` shows as `lastError`: for the
/// limits it is worded exactly as Prometheus words it (`scrape/scrape.go`), so dashboards and
/// alerts that match on the text keep working.
package enum ScrapeError: Error, Equatable, Sendable {
    /// The target answered with a status other than 200.
    case httpStatus(code: UInt, reason: String)
    /// The request failed (connection refused or reset, closed mid-body, ...); `failure` is
    /// the classified cause (`connectionRefused`, `dns`, `tls`, `timeout` or `other`).
    case transport(url: String, reason: String, failure: ScrapeFailureReason)
    /// No complete answer within `scrape_timeout`.
    case timedOut(url: String)
    /// The body was larger than `body_size_limit`; reading stopped there.
    case bodySizeLimitExceeded(limitBytes: Int)
    /// The body is compressed but the HTTP client was not set up to decompress it.
    case compressedBody(encoding: String)
    /// The body could not be parsed (or its content type is not one a parser handles).
    case malformed(ExpositionError)
    /// More samples than `sample_limit` after metric relabeling.
    case sampleLimitExceeded(limit: Int)
    /// A series with more labels than `label_limit`.
    case labelLimitExceeded(metric: String, labels: Int, limit: Int)
    /// A label name longer than `label_name_length_limit`.
    case labelNameLengthLimitExceeded(metric: String, name: String, length: Int, limit: Int)
    /// A label value longer than `label_value_length_limit`.
    case labelValueLengthLimitExceeded(metric: String, name: String, value: String, length: Int, limit: Int)
    /// The job has more targets than `target_limit`; none of them is scraped.
    case targetLimitExceeded(targets: Int, limit: Int)
    /// A series left without `__name__` (by the body or by metric relabeling).
    case missingMetricName
    /// The sink refused the whole batch.
    case storage(String)
}

extension ScrapeError: CustomStringConvertible {
    /// The reason as `lastError` shows it.
    package var description: String {
        switch self {
        case .httpStatus(let code, let reason):
            "server returned HTTP status \(code) \(reason)"
        case .transport(let url, let reason, _):
            "Get \"\(url)\": \(reason)"
        case .timedOut(let url):
            "Get \"\(url)\": context deadline exceeded"
        case .bodySizeLimitExceeded:
            "body size limit exceeded"
        case .compressedBody(let encoding):
            "received a \(encoding)-encoded body but the HTTP client does not decompress; enable decompression on the scrape client"
        case .malformed(.unsupportedContentType("")):
            "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target"
        case .malformed(.unsupportedContentType(let contentType)):
            "received unsupported Content-Type \"\(contentType)\" and no fallback_scrape_protocol specified for target"
        case .malformed(let error):
            error.description
        case .sampleLimitExceeded:
            "sample limit exceeded"
        case .labelLimitExceeded(let metric, let labels, let limit):
            "label_limit exceeded (metric: \(metric.prefix(50)), number of labels: \(labels), limit: \(limit))"
        case .labelNameLengthLimitExceeded(let metric, let name, let length, let limit):
            "label_name_length_limit exceeded (metric: \(metric.prefix(50)), label name: \(name.prefix(50)), length: \(length), limit: \(limit))"
        case .labelValueLengthLimitExceeded(let metric, let name, let value, let length, let limit):
            "label_value_length_limit exceeded (metric: \(metric.prefix(50)), label name: \(name.prefix(50)), value: \(String(value.prefix(50)).quotedForPromQL), length: \(length), limit: \(limit))"
        case .targetLimitExceeded(let targets, let limit):
            "target_limit exceeded (number of targets: \(targets), limit: \(limit))"
        case .missingMetricName:
            "missing metric name (__name__ label)"
        case .storage(let message):
            message
        }
    }
}
