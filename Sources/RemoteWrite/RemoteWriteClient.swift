import AsyncHTTPClient
internal import Config
import Exposition
import Foundation
import HTTPClientTLS
import NIOCore
import NIOHTTP1
import NIOSSL

/// Sends remote-write request bodies to one receiver over HTTP (upstream's
/// `storage/remote/client.go`): `POST` with snappy `Content-Encoding`, the version's
/// `Content-Type` and `X-Prometheus-Remote-Write-Version`, the entry's `headers`,
/// `http_headers` and credentials (files re-read on every request, as upstream), bounded by
/// `remote_timeout`; the answer is classified for the retry policy.
struct RemoteWriteClient: Sendable {
    /// What became of one request.
    enum Outcome: Sendable, Equatable {
        /// 2xx.
        case delivered
        /// A 5xx, a 429 with `retry_on_http_429`, or a transport error: send it again later,
        /// after `retryAfter` when the receiver said so.
        case retryable(reason: String, retryAfter: Duration?)
        /// 415 (the receiver does not speak this protocol version), or a 2xx to a 2.0 request
        /// without `X-Prometheus-Remote-Write-Samples-Written`: a 1.0 receiver (Prometheus 2.x,
        /// VictoriaMetrics) decodes a 2.0 body as an empty 1.0 one and writes nothing.
        case unsupportedMediaType(reason: String)
        /// Any other status: retrying would fail the same way.
        case rejected(reason: String)
    }

    let httpClient: HTTPClient
    let url: String
    let timeout: Duration
    let retryOnRateLimit: Bool
    private let staticHeaders: HTTPHeaders
    private let http: HTTPClientConfig

    /// A client for `config`, with its own `HTTPClient` (`tls_config`, redirects, HTTP/1).
    /// - Throws: `RemoteWriteError` for settings Pharos does not support or TLS files that do not load.
    init(config: RemoteWriteConfig, remote: String) throws(RemoteWriteError) {
        url = config.url
        timeout = config.remoteTimeout
        retryOnRateLimit = config.queueConfig.retryOnRateLimit
        http = config.http
        var headers = HTTPHeaders()
        for (name, value) in config.headers.sorted(by: { $0.key < $1.key }) { headers.add(name: name, value: value) }
        headers.replaceOrAdd(name: "Content-Encoding", value: "snappy")
        headers.replaceOrAdd(name: "User-Agent", value: "Pharos")
        staticHeaders = headers
        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = try Self.checkedTLS(config, remote: remote)
        configuration.redirectConfiguration = config.http.followRedirects ? .follow(max: 10, allowCycles: false) : .disallow
        if !config.http.enableHTTP2 { configuration.httpVersion = .http1Only }
        httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Refuses settings Pharos does not support and returns the client TLS of `config`.
    /// - Throws: `RemoteWriteError.unsupported` or `.tls`.
    static func checkedTLS(_ config: RemoteWriteConfig, remote: String) throws(RemoteWriteError) -> TLSConfiguration {
        if let setting = config.http.unsupportedClientSetting { throw .unsupported(setting: setting, remote: remote) }
        if config.roundRobinDNS { throw .unsupported(setting: "round_robin_dns", remote: remote) }
        return try tlsConfiguration(config.http.tls, remote: remote)
    }

    /// Client TLS from `tls_config`.
    static func tlsConfiguration(_ tls: TLSConfig, remote: String) throws(RemoteWriteError) -> TLSConfiguration {
        do throws(ClientTLSError) {
            return try tls.clientConfiguration()
        } catch {
            throw .tls(reason: "\(error)", remote: remote)
        }
    }

    /// Sends one snappy-compressed request body of `version`.
    /// - Parameter carriesSamples: the body holds samples, so a 2.0 receiver must confirm them.
    func send(_ body: [UInt8], version: RemoteWriteVersion, carriesSamples: Bool = true) async -> Outcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers = staticHeaders
        request.headers.replaceOrAdd(name: "Content-Type", value: version.contentType)
        request.headers.replaceOrAdd(name: "X-Prometheus-Remote-Write-Version", value: version == .v1 ? "0.1.0" : "2.0.0")
        do throws(CredentialsFileError) {
            for (name, value) in try http.customHeaders() { request.headers.add(name: name, value: value) }
            if let authorization = try http.authorizationHeader() {
                request.headers.replaceOrAdd(name: "Authorization", value: authorization)
            }
        } catch {
            return .retryable(reason: "reading credentials: \(error)", retryAfter: nil)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: .nanoseconds(timeout.wholeNanoseconds))
        } catch {
            return .retryable(reason: "\(error)", retryAfter: nil)
        }
        let code = Int(response.status.code)
        let text = (try? await response.body.collect(upTo: 1024)).map { String(buffer: $0) } ?? ""
        if (200..<300).contains(code) {
            if version == .v2, carriesSamples, response.headers.first(name: "X-Prometheus-Remote-Write-Samples-Written") == nil {
                return .unsupportedMediaType(reason: "HTTP \(code) without X-Prometheus-Remote-Write-Samples-Written: the receiver speaks remote write 1.0 only")
            }
            return .delivered
        }
        let reason = "server returned HTTP status \(response.status.code) \(response.status.reasonPhrase): \(text.trimmingCharacters(in: .whitespacesAndNewlines))"
        if code >= 500 || (code == 429 && retryOnRateLimit) {
            return .retryable(reason: reason, retryAfter: Self.retryAfter(response.headers.first(name: "Retry-After")))
        }
        if code == 415 { return .unsupportedMediaType(reason: reason) }
        return .rejected(reason: reason)
    }

    /// `Retry-After` in seconds (the HTTP-date form is not used by receivers in practice).
    static func retryAfter(_ header: String?) -> Duration? {
        guard let header, let seconds = Int64(header.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }

    /// Closes the connections.
    func shutdown() async {
        try? await httpClient.shutdown()
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var wholeNanoseconds: Int64 {
        let (seconds, overflow) = components.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : seconds &+ components.attoseconds / 1_000_000_000
    }
}
