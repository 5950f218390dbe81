import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Why a scrape failed, from a fixed set: the `reason` label of `pharos_scrape_failure`
/// (prometheus#3068). The set is closed so the series stays bounded (at most one per target);
/// anything not named falls under `other`. See docs/scrape.md.
package enum ScrapeFailureReason: String, CaseIterable, Sendable {
    /// No complete answer within `scrape_timeout` (connect, TLS handshake or body).
    case timeout
    /// Nothing listens on the target's port.
    case connectionRefused = "connection_refused"
    /// The target's host name did not resolve.
    case dns
    /// The TLS handshake failed (certificate, protocol, a plain-HTTP server on an `https` target).
    case tls
    /// The target answered with a status other than 200.
    case httpStatus = "http_status"
    /// The body was larger than `body_size_limit`.
    case bodyLimit = "body_limit"
    /// More samples than `sample_limit`.
    case sampleLimit = "sample_limit"
    /// `label_limit`, `label_name_length_limit` or `label_value_length_limit`.
    case labelLimit = "label_limit"
    /// The body could not be parsed, or its content type has no parser.
    case parse
    /// Everything else: a connection reset or closed mid-body, `target_limit`, a series without
    /// a name, a compressed body the client cannot decompress, the storage refusing the batch.
    case other

    /// The reason of a failed scrape.
    package init(_ error: ScrapeError) {
        switch error {
        case .timedOut: self = .timeout
        case .transport(_, _, let failure): self = failure
        case .httpStatus: self = .httpStatus
        case .bodySizeLimitExceeded: self = .bodyLimit
        case .sampleLimitExceeded: self = .sampleLimit
        case .labelLimitExceeded, .labelNameLengthLimitExceeded, .labelValueLengthLimitExceeded: self = .labelLimit
        case .malformed: self = .parse
        case .compressedBody, .targetLimitExceeded, .missingMetricName, .storage: self = .other
        }
    }

    /// The reason of a failed HTTP exchange, from the errors AsyncHTTPClient passes on:
    /// NIO's connection error (DNS and connect failures of every address tried), NIOSSL's
    /// handshake errors, and the client's own timeouts.
    static func transport(_ error: any Error) -> ScrapeFailureReason {
        switch error {
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil { return .dns }
            let refused = error.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            return refused ? .connectionRefused : .other
        case let error as IOError:
            return error.errnoCode == ECONNREFUSED ? .connectionRefused : .other
        case is SocketAddressError:
            return .dns
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError:
            return .tls
        case let error as HTTPClientError:
            return [.connectTimeout, .readTimeout, .writeTimeout, .tlsHandshakeTimeout, .deadlineExceeded].contains(error)
                ? .timeout : .other
        default:
            return .other
        }
    }
}
