internal import AsyncHTTPClient
internal import Model
package import Config
internal import Foundation
internal import NIOCore
internal import NIOHTTP1
internal import NIOSSL

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
        for (name, value) in HTTPAuthorization.headers(httpConfig) { request.headers.replaceOrAdd(name: name, value: value) }
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        if httpConfig.tls != TLSConfig() {
            do { request.tlsConfiguration = try NotifyTLS.configuration(httpConfig.tls) } catch {
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

/// NIO's TLS configuration for a `tls_config` (CA, client certificate and key, skip verify) of
/// an `http_config` or an email integration.
enum NotifyTLS {
    static func configuration(_ tls: TLSConfig) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if !tls.ca.isEmpty {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(tls.ca.utf8)))
        } else if !tls.caFile.isEmpty {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(tls.caFile))
        }
        if !tls.cert.isEmpty {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(tls.cert.utf8)).map { .certificate($0) }
        } else if !tls.certFile.isEmpty {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(tls.certFile).map { .certificate($0) }
        }
        if !tls.key.isEmpty {
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(tls.key.value.utf8), format: .pem))
        } else if !tls.keyFile.isEmpty {
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: tls.keyFile, format: .pem))
        }
        if tls.insecureSkipVerify { configuration.certificateVerification = .none }
        return configuration
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
        do {
            return try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw NotifyFailure(reason: "open \(file): \(error.localizedDescription)", retry: false)
        }
    }
}

/// The `Authorization` header an `http_config` asks for: `basic_auth`, `authorization` or
/// `bearer_token` (with their `_file` variants), and its `http_headers`.
enum HTTPAuthorization {
    static func headers(_ config: HTTPClientConfig) -> [(String, String)] {
        func file(_ path: String) -> String {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var result: [(String, String)] = []
        if let basic = config.basicAuth {
            let user = basic.usernameFile.isEmpty ? basic.username : file(basic.usernameFile)
            let password = basic.passwordFile.isEmpty ? basic.password.value : file(basic.passwordFile)
            result.append(("Authorization", "Basic " + Data((user + ":" + password).utf8).base64EncodedString()))
        } else if let authorization = config.authorization {
            let credentials = authorization.credentialsFile.isEmpty ? authorization.credentials.value : file(authorization.credentialsFile)
            result.append(("Authorization", (authorization.type.isEmpty ? "Bearer" : authorization.type) + " " + credentials))
        } else if !config.bearerToken.isEmpty || !config.bearerTokenFile.isEmpty {
            result.append(("Authorization", "Bearer " + (config.bearerTokenFile.isEmpty ? config.bearerToken.value : file(config.bearerTokenFile))))
        }
        for (name, header) in config.httpHeaders {
            for value in header.values { result.append((name, value)) }
            for secret in header.secrets { result.append((name, secret.value)) }
            for path in header.files { result.append((name, file(path))) }
        }
        return result
    }
}
