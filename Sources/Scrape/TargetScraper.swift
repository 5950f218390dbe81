import AsyncHTTPClient
import Config
import Exposition
import Foundation
import HTTPClientTLS
import Model
import NIOCore
import NIOHTTP1
import NIOSSL

/// Fetches one target's body over HTTP, as upstream's `targetScraper` (`scrape/scrape.go`):
/// `Accept` from `scrape_protocols`, `Accept-Encoding`, `X-Prometheus-Scrape-Timeout-Seconds`,
/// the job's `http_headers` and credentials (re-read at every scrape when they come from
/// files, as upstream) and its `tls_config`; the whole exchange, body included, bounded by
/// `scrape_timeout`, and reading stops at `body_size_limit`.
struct TargetScraper: Sendable {
    let client: HTTPClient
    let url: String
    let headers: HTTPHeaders
    let timeout: Duration
    /// 0: no limit.
    let bodySizeLimitBytes: Int
    /// The job's `tls_config` loaded once for its pool; nil for the defaults.
    let tls: Result<TLSConfiguration, ClientTLSError>?
    /// The job's `<http_config>` when its credentials or headers come from files, which are
    /// read for every request; nil when they are in `headers` already.
    private let credentialsFromFiles: HTTPClientConfig?
    /// A setting of the job's `<http_config>` scraping cannot honour yet: every scrape fails
    /// naming it rather than connecting without it.
    private let unsupportedSetting: String?

    /// One response: the body (decompressed by the client) and its declared type.
    struct Response: Sendable {
        var body: [UInt8]
        var contentType: String
    }

    init(
        client: HTTPClient, url: String, config: ScrapeConfig, timeout: Duration,
        tls: Result<TLSConfiguration, ClientTLSError>? = nil
    ) {
        self.client = client
        self.url = url
        self.timeout = timeout
        self.tls = tls
        unsupportedSetting = config.http.unsupportedClientSetting
        bodySizeLimitBytes = Int(clamping: config.limits.bodySizeLimit.bytes)
        var headers = Self.headers(config: config, timeout: timeout)
        if config.http.readsCredentialFiles {
            credentialsFromFiles = config.http
        } else {
            credentialsFromFiles = nil
            try? Self.addCredentials(config.http, to: &headers)  // reads no file, so cannot fail
        }
        self.headers = headers
    }

    /// Adds the `http_headers` and the `Authorization` header of `http` to `headers`.
    private static func addCredentials(_ http: HTTPClientConfig, to headers: inout HTTPHeaders) throws(CredentialsFileError) {
        for (name, value) in try http.customHeaders() { headers.add(name: name, value: value) }
        if let authorization = try http.authorizationHeader() {
            headers.replaceOrAdd(name: "Authorization", value: authorization)
        }
    }

    /// The request headers a job's targets get.
    static func headers(config: ScrapeConfig, timeout: Duration) -> HTTPHeaders {
        var headers = HTTPHeaders()
        let escaping = config.metricNameEscapingScheme.isEmpty ? "allow-utf-8" : config.metricNameEscapingScheme
        headers.replaceOrAdd(
            name: "Accept",
            value: ScrapeProtocol.acceptHeader(config.scrapeProtocols ?? ScrapeProtocol.defaultOrder, escaping: escaping))
        headers.replaceOrAdd(name: "Accept-Encoding", value: config.enableCompression ? "gzip" : "identity")
        headers.replaceOrAdd(name: "User-Agent", value: "Pharos")
        headers.replaceOrAdd(name: "X-Prometheus-Scrape-Timeout-Seconds", value: Self.seconds(timeout))
        return headers
    }

    /// Seconds as Go's `strconv.FormatFloat(s, 'f', -1, 64)`: `10`, `0.5`.
    static func seconds(_ duration: Duration) -> String {
        FloatFormatting.goFixed(Double(duration.nanoseconds / 1_000_000) / 1000)
    }

    /// Scrapes once.
    /// - Parameter expectedBytes: the previous body's size, to reserve the buffer once.
    /// - Throws: `ScrapeError` for a status other than 200, a transport failure, the timeout
    ///   or the body size limit.
    func scrape(expectedBytes: Int) async throws(ScrapeError) -> Response {
        do {
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await fetch(expectedBytes: expectedBytes) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else { throw ScrapeError.timedOut(url: url) }
                return response
            }
        } catch let error as ScrapeError {
            throw error
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw .timedOut(url: url)
        } catch let error as HTTPClientError {
            throw .transport(url: url, reason: error.shortDescription.lowercased(), failure: ScrapeFailureReason.transport(error))
        } catch {
            throw .transport(url: url, reason: String(describing: error), failure: ScrapeFailureReason.transport(error))
        }
    }

    private func fetch(expectedBytes: Int) async throws -> Response {
        if let unsupportedSetting {
            throw ScrapeError.transport(url: url, reason: "\(unsupportedSetting) is not supported by Pharos for scraping yet", failure: .other)
        }
        var request = HTTPClientRequest(url: url)
        request.headers = headers
        if let credentialsFromFiles {
            do throws(CredentialsFileError) {
                try Self.addCredentials(credentialsFromFiles, to: &request.headers)
            } catch {
                throw ScrapeError.transport(url: url, reason: "\(error)", failure: .other)
            }
        }
        if let tls {
            do throws(ClientTLSError) {
                request.tlsConfiguration = try tls.get()
            } catch {
                throw ScrapeError.transport(url: url, reason: "\(error)", failure: .tls)
            }
        }
        let response = try await client.execute(request, deadline: .now() + .nanoseconds(timeout.nanoseconds))
        guard response.status == .ok else {
            throw ScrapeError.httpStatus(code: response.status.code, reason: response.status.reasonPhrase)
        }
        var body: [UInt8] = []
        body.reserveCapacity(bodySizeLimitBytes > 0 ? min(expectedBytes, bodySizeLimitBytes) : expectedBytes)
        for try await chunk in response.body {
            if bodySizeLimitBytes > 0, body.count + chunk.readableBytes > bodySizeLimitBytes {
                throw ScrapeError.bodySizeLimitExceeded(limitBytes: bodySizeLimitBytes)
            }
            body.append(contentsOf: chunk.readableBytesView)
        }
        // A client without decompression hands gzip through as is (its magic is 1f 8b).
        if let encoding = response.headers.first(name: "Content-Encoding"), encoding.lowercased() != "identity",
           body.starts(with: [0x1F, 0x8B]) {
            throw ScrapeError.compressedBody(encoding: encoding)
        }
        return Response(body: body, contentType: response.headers.first(name: "Content-Type") ?? "")
    }
}
