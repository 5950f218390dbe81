internal import AsyncHTTPClient
internal import Model
package import Config
internal import Foundation
internal import NIOCore
internal import NIOHTTP1
internal import HTTPClientTLS

/// What the HTTP integrations share (upstream's `notify.PostJSON`, `Retrier.Check`): the
/// request with `User-Agent`, the `http_config` authorization and headers, the time left until
/// the retry deadline, and the verdict on the status (2xx delivered; 5xx, 429 and network
/// errors retried; other statuses not).
struct NotificationHTTP: Sendable {
    let client: HTTPClient
    let userAgent: String
    let httpConfig: HTTPClientConfig

    /// The status and (at most 64 KiB of) body of an answer.
    struct Response {
        var status: Int
        var body: String
    }

    /// Sends one request; the error is the failed outcome (retried: a network error).
    func send(
        _ url: String, method: HTTPMethod = .POST, body: [UInt8]? = nil, contentType: String? = "application/json",
        headers: [(String, String)] = [], deadline: ContinuousClock.Instant, timeout: Duration = .zero
    ) async -> Result<Response, NotifyFailure> {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        request.headers.add(name: "User-Agent", value: userAgent)
        do throws(CredentialsFileError) {
            if let authorization = try httpConfig.authorizationHeader() {
                request.headers.replaceOrAdd(name: "Authorization", value: authorization)
            }
            for (name, value) in try httpConfig.customHeaders() { request.headers.replaceOrAdd(name: name, value: value) }
        } catch {
            return .failure(NotifyFailure(reason: "\(error)", retry: false))
        }
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        if httpConfig.tls != TLSConfig() {
            do { request.tlsConfiguration = try httpConfig.tls.clientConfiguration() } catch {
                return .failure(NotifyFailure(reason: "parse TLS configuration: \(error)", retry: false))
            }
        }
        var left = deadline - ContinuousClock.now
        if timeout > .zero { left = min(left, timeout) }
        do {
            let response = try await client.execute(request, timeout: .milliseconds(max(1, left.wholeMilliseconds)))
            let text = (try? await response.body.collect(upTo: 1 << 16)).map { String(buffer: $0) } ?? ""
            return .success(Response(status: Int(response.status.code), body: text))
        } catch {
            return .failure(NotifyFailure(reason: Self.redacted("\(error)", url: url), retry: true))
        }
    }

    /// Posts `body` and judges the answer by its status alone.
    func post(
        _ url: String, body: [UInt8], contentType: String = "application/json", headers: [(String, String)] = [],
        deadline: ContinuousClock.Instant, timeout: Duration = .zero
    ) async -> NotifyOutcome {
        switch await send(url, body: body, contentType: contentType, headers: headers, deadline: deadline, timeout: timeout) {
        case .success(let response): return Self.outcome(response)
        case .failure(let failure): return failure.outcome
        }
    }

    /// Posts the JSON `body` to the integration's `webhook_url` (or `webhook_url_file`), unless a
    /// template of it failed (Discord, MS Teams).
    func post(_ body: GoJSONObject, expanded tmpl: TemplateExpander, toWebhookOf config: IntegrationConfig,
              deadline: ContinuousClock.Instant) async -> NotifyOutcome {
        if let error = tmpl.error { return .failed("\(error)", retry: false) }
        let url: String
        do { url = try config.secret("webhook_url", file: "webhook_url_file") } catch { return error.outcome }
        return await post(url, body: body.encoded, deadline: deadline)
    }

    /// Upstream's `Retrier.Check` with 429 retried: 2xx is delivered, 5xx and 429 may be retried.
    static func outcome(_ response: Response) -> NotifyOutcome {
        let code = response.status
        if (200..<300).contains(code) { return .delivered }
        var reason = "unexpected status code \(code)"
        if !response.body.isEmpty { reason += ": " + response.body }
        return .failed(reason, retry: code >= 500 || code == 429)
    }

    /// A URL can hold a secret (a Slack or Discord webhook): errors name it `<redacted>`.
    private static func redacted(_ message: String, url: String) -> String {
        url.isEmpty ? message : message.replacingOccurrences(of: url, with: "<redacted>")
    }
}

/// A notification attempt that failed before an answer came.
struct NotifyFailure: Error {
    var reason: String
    var retry: Bool
    var outcome: NotifyOutcome { .failed(reason, retry: retry) }
}

/// Secrets given inline or in a `_file` (read at each notification, trimmed, as upstream).
enum SecretValue {
    static func read(_ value: String, file: String) throws(NotifyFailure) -> String {
        guard !file.isEmpty else { return value }
        do throws(CredentialsFileError) {
            return try HTTPClientConfig.readCredentials(file)
        } catch {
            throw NotifyFailure(reason: "open \(file): \(error.reason)", retry: false)
        }
    }
}

