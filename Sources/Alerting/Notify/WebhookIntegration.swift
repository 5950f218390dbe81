internal import Model
internal import AsyncHTTPClient
internal import Config
internal import Foundation
internal import NIOCore
internal import NIOHTTP1

/// A `webhook_configs` entry: POSTs `WebhookMessage` to its URL (upstream's `notify/webhook`).
/// 2xx is delivered; 5xx and 429 are retried; other statuses are not.
struct WebhookIntegration: Integration {
    let name = "webhook"
    let index: Int
    let config: WebhookConfig
    let httpClient: HTTPClient
    let userAgent: String

    var sendResolved: Bool { config.sendResolved }

    func notify(_ notification: Notification) async -> NotifyOutcome {
        let url: String
        do { url = try resolvedURL() } catch { return .failed("\(error)", retry: false) }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: userAgent)
        for (name, value) in HTTPAuthorization.headers(config.httpConfig ?? HTTPClientConfig()) { request.headers.replaceOrAdd(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: WebhookMessage.json(notification, maxAlerts: config.maxAlerts)))
        var timeout = notification.deadline - ContinuousClock.now
        if config.timeout > .zero { timeout = min(timeout, config.timeout) }
        do {
            let response = try await httpClient.execute(request, timeout: .milliseconds(max(1, timeout.wholeMilliseconds)))
            let body = (try? await response.body.collect(upTo: 1 << 10)).map { String(buffer: $0) } ?? ""
            let code = Int(response.status.code)
            if (200..<300).contains(code) { return .delivered }
            return .failed("unexpected status code \(code): \(body)", retry: code >= 500 || code == 429)
        } catch {
            return .failed("\(error)", retry: true)
        }
    }

    /// `url`, or the first line of `url_file` read at each notification, as upstream does.
    private func resolvedURL() throws -> String {
        guard !config.urlFile.isEmpty else { return config.url.value }
        let text = try String(contentsOfFile: config.urlFile, encoding: .utf8)
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The `Authorization` header an `http_config` asks for: `basic_auth`, `authorization` or
/// `bearer_token` (with their `_file` variants).
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
