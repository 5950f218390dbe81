import AsyncHTTPClient
import Config
import Exposition
import Foundation
import NIOCore
import NIOHTTP1

/// Fetches one target's body over HTTP, as upstream's `targetScraper` (`scrape/scrape.go`):
/// `Accept` from `scrape_protocols`, `Accept-Encoding`, `X-Prometheus-Scrape-Timeout-Seconds`,
/// the job's authentication headers; the whole exchange, body included, bounded by
/// `scrape_timeout`, and reading stops at `body_size_limit`.
struct TargetScraper: Sendable {
    let client: HTTPClient
    let url: String
    let headers: HTTPHeaders
    let timeout: Duration
    /// 0: no limit.
    let bodySizeLimitBytes: Int

    /// One response: the body (decompressed by the client) and its declared type.
    struct Response: Sendable {
        var body: [UInt8]
        var contentType: String
    }

    init(client: HTTPClient, url: String, config: ScrapeConfig, timeout: Duration) {
        self.client = client
        self.url = url
        self.timeout = timeout
        bodySizeLimitBytes = Int(clamping: config.limits.bodySizeLimit.bytes)
        headers = Self.headers(config: config, timeout: timeout)
    }

    /// The request headers a job's targets get.
    static func headers(config: ScrapeConfig, timeout: Duration) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for (name, header) in config.http.httpHeaders.sorted(by: { $0.key < $1.key }) {
            for value in header.values + header.secrets.map(\.value) { headers.add(name: name, value: value) }
        }
        let escaping = config.metricNameEscapingScheme.isEmpty ? "allow-utf-8" : config.metricNameEscapingScheme
        headers.replaceOrAdd(
            name: "Accept",
            value: ScrapeProtocol.acceptHeader(config.scrapeProtocols ?? ScrapeProtocol.defaultOrder, escaping: escaping))
        headers.replaceOrAdd(name: "Accept-Encoding", value: config.enableCompression ? "gzip" : "identity")
        headers.replaceOrAdd(name: "User-Agent", value: "Pharos")
        headers.replaceOrAdd(name: "X-Prometheus-Scrape-Timeout-Seconds", value: Self.seconds(timeout))
        if let basic = config.http.basicAuth {
            let credentials = Data((basic.username + ":" + basic.password.value).utf8).base64EncodedString()
            headers.replaceOrAdd(name: "Authorization", value: "Basic " + credentials)
        } else if let authorization = config.http.authorization, !authorization.credentials.isEmpty {
            headers.replaceOrAdd(name: "Authorization", value: (authorization.type.isEmpty ? "Bearer" : authorization.type) + " " + authorization.credentials.value)
        } else if !config.http.bearerToken.isEmpty {
            headers.replaceOrAdd(name: "Authorization", value: "Bearer " + config.http.bearerToken.value)
        }
        return headers
    }

    /// Seconds as Go's `strconv.FormatFloat(s, 'f', -1, 64)`: `10`, `0.5`.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.nanoseconds / 1_000_000
        if milliseconds % 1000 == 0 { return String(milliseconds / 1000) }
        var fraction = String(milliseconds % 1000)
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(milliseconds / 1000).\(fraction)"
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
        var request = HTTPClientRequest(url: url)
        request.headers = headers
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
