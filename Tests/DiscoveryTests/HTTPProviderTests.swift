import Config
import Foundation
import Hummingbird
import Model
import NIOSSL
import PharosTestSupport
import Synchronization
import Testing

@testable import Discovery

/// `http_sd_configs` against a real HTTP server on loopback (Hummingbird) whose answers change
/// and fail during the test; refresh intervals run on a manual clock.
@Suite struct HTTPProviderTests {
    /// What the server answers next, and the request heads it saw.
    final class Endpoint: Sendable {
        struct Answer: Sendable {
            var status: HTTPResponse.Status = .ok
            var contentType: String? = "application/json"
            var body = "[]"
        }
        let answer = Mutex(Answer())
        let requests = Mutex<[[String: String]]>([])

        func set(_ body: String, status: HTTPResponse.Status = .ok, contentType: String? = "application/json") {
            answer.withLock { $0 = Answer(status: status, contentType: contentType, body: body) }
        }

        func handle(_ request: Request) -> Response {
            var head: [String: String] = ["uri": request.uri.description]
            for field in request.headers { head[field.name.canonicalName] = field.value }
            requests.withLock { $0.append(head) }
            let answer = answer.withLock { $0 }
            return .text(answer.body, status: answer.status, contentType: answer.contentType)
        }
    }

    /// Runs `provider`, hands the test a reader and a `refresh()` that lets one refresh interval
    /// pass and returns when the provider waits again.
    func run<P: DiscoveryProvider>(
        _ provider: P, clock: ManualClock, interval: Duration,
        _ body: (UpdateReader, @Sendable () async -> Void) async throws -> Void
    ) async throws {
        try await withProvider(provider) { reader in
            try await body(reader) {
                await clock.waitForSleepers(1)
                clock.advance(by: interval)
                await clock.waitForSleepers(1)
            }
        }
    }

    @Test func followsTheEndpointAndKeepsLastGoodTargetsOnFailure() async throws {
        let endpoint = Endpoint()
        endpoint.set(#"[{"targets": ["a:1", "b:1"], "labels": {"env": "prod"}}, {"targets": ["c:1"]}]"#)
        var server: LoopbackHTTPServer? = try await LoopbackHTTPServer.start { endpoint.handle($0) }
        let port = try #require(server?.port)
        let directory = try TemporaryDirectory()
        try directory.write(directory.path("password"), "s3cret\n")
        try directory.write(directory.path("tenant"), " team-a \n")
        let url = "http://127.0.0.1:\(port)/sd"
        let config = try Self.config(
            """
            url: \(url)
            refresh_interval: 30s
            basic_auth: {username: pharos, password_file: \(directory.path("password"))}
            http_headers:
              X-Tenant: {files: [\(directory.path("tenant"))]}
              X-Static: {values: [one]}
            """)
        let clock = ManualClock()
        let metrics = DiscoveryMetrics()
        try await run(HTTPProvider(config: config, clock: clock, metrics: metrics, job: "cmdb"), clock: clock, interval: .seconds(30)) {
            reader, refresh in
            let first = try await reader.waitUntil { $0.groups.count == 2 }
            #expect(first.groups["\(url):0"] == DiscoveredTargetGroup(
                source: "\(url):0", targets: [Labels(["__address__": "a:1"]), Labels(["__address__": "b:1"])],
                labels: Labels(["env": "prod", "__meta_url": url])))
            #expect(first.groups["\(url):1"]?.labels == Labels(["__meta_url": url]))
            let head = try #require(endpoint.requests.withLock { $0.first })
            #expect(head["uri"] == "/sd")
            #expect(head["authorization"] == "Basic " + Data("pharos:s3cret".utf8).base64EncodedString())
            #expect(head["x-tenant"] == "team-a")
            #expect(head["x-static"] == "one")
            #expect(head["accept"] == "application/json")
            #expect(head["x-prometheus-refresh-interval-seconds"] == "30")

            // A shorter list removes the groups past its end.
            endpoint.set(#"[{"targets": ["d:1"]}]"#, contentType: "application/json; charset=utf-8")
            await refresh()
            try await reader.waitUntil { $0.addresses == ["d:1"] }

            // Each kind of failure is counted and keeps the last good targets.
            let failures: [(String, HTTPResponse.Status, String?)] = [
                ("[]", .internalServerError, "application/json"),
                ("[]", .ok, "text/plain"),
                ("[]", .ok, nil),
                (#"[{"targets": ["x:1"]"#, .ok, "application/json"),
                (#"[null]"#, .ok, "application/json"),
                (#"{"targets": ["x:1"]}"#, .ok, "application/json"),
            ]
            for (index, (body, status, contentType)) in failures.enumerated() {
                endpoint.set(body, status: status, contentType: contentType)
                await refresh()
                #expect(metrics.httpFailuresTotal == index + 1, "\(status) \(contentType ?? "-") \(body)")
            }
            await server?.stop()
            server = nil
            await refresh()
            #expect(metrics.httpFailuresTotal == failures.count + 1, "connection refused")
            #expect(try await reader.waitUntil { _ in true }.addresses == ["d:1"])

            // Upstream's refresh metrics, per mechanism and job: two good refreshes, then the failures.
            let refreshes = try #require(metrics.refreshes(mechanism: "http", config: "cmdb"))
            #expect(refreshes.failures == failures.count + 1 && refreshes.count == failures.count + 3)
            var text: [UInt8] = []
            metrics.write(into: &text)
            let exposition = String(decoding: text, as: UTF8.self)
            #expect(exposition.contains("# TYPE prometheus_sd_refresh_failures_total counter\n"
                + "prometheus_sd_refresh_failures_total{config=\"cmdb\",mechanism=\"http\"} \(failures.count + 1)\n"))
            #expect(exposition.contains("# TYPE prometheus_sd_refresh_duration_seconds summary\n"
                + "prometheus_sd_refresh_duration_seconds{config=\"cmdb\",mechanism=\"http\",quantile=\"0.5\"} "))
            #expect(exposition.contains("prometheus_sd_refresh_duration_seconds_count{config=\"cmdb\",mechanism=\"http\"} \(failures.count + 3)\n"))
        }
        await server?.stop()
    }

    @Test func recoversAfterFailuresAndEmptiesOnAnEmptyList() async throws {
        let endpoint = Endpoint()
        endpoint.set(#"[{"targets": ["a:1"]}]"#)
        let server = try await LoopbackHTTPServer.start { endpoint.handle($0) }
        let config = try Self.config("url: http://127.0.0.1:\(server.port)/sd")
        let clock = ManualClock()
        let metrics = DiscoveryMetrics()
        try await run(HTTPProvider(config: config, clock: clock, metrics: metrics), clock: clock, interval: .seconds(60)) {
            reader, refresh in
            try await reader.waitUntil { $0.addresses == ["a:1"] }
            endpoint.set("oops", status: .badGateway, contentType: "text/html")
            await refresh()
            #expect(metrics.httpFailuresTotal == 1)
            endpoint.set(#"[{"targets": ["b:1"]}]"#)
            await refresh()
            try await reader.waitUntil { $0.addresses == ["b:1"] }
            endpoint.set("[]")
            await refresh()
            try await reader.waitUntil { $0.groups.isEmpty }
            #expect(metrics.httpFailuresTotal == 1)
            #expect(endpoint.requests.withLock { $0.last?["x-prometheus-refresh-interval-seconds"] } == "60")
        }
        await server.stop()
    }

    @Test(.enabled(if: TestCertificates.isAvailable, "needs openssl"))
    func tlsWithCAClientCertificateAndServerName() async throws {
        // Named only: NIOSSL would accept any name for a certificate whose IP SAN is the peer's address.
        let certificates = try await TestCertificates(subjectAltName: "DNS:sd.pharos.test")
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.serverCertFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.serverKeyFile, format: .pem)))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificates.caFile))
        tls.certificateVerification = .noHostnameVerification  // a server checks the client's chain, not its name
        let endpoint = Endpoint()
        endpoint.set(#"[{"targets": ["secure:1"]}]"#)
        let server = try await LoopbackHTTPServer.start(tls: tls) { endpoint.handle($0) }
        defer { Task { await server.stop() } }

        func discover(_ yaml: String) async throws -> (addresses: [String], failures: Int) {
            let config = try Self.config(yaml)
            let clock = ManualClock()
            let metrics = DiscoveryMetrics()
            var addresses: [String] = []
            try await run(HTTPProvider(config: config, clock: clock, metrics: metrics), clock: clock, interval: .seconds(60)) {
                reader, _ in
                await clock.waitForSleepers(1)  // the first refresh is over
                if metrics.httpFailuresTotal == 0 { addresses = try await reader.waitUntil { !$0.groups.isEmpty }.addresses }
            }
            return (addresses, metrics.httpFailuresTotal)
        }
        let clientTLS = "ca_file: \(certificates.caFile), cert_file: \(certificates.clientCertFile), key_file: \(certificates.clientKeyFile)"
        let url = "url: https://127.0.0.1:\(server.port)/sd"
        // server_name: verified as sd.pharos.test (and sent as SNI) while connecting to 127.0.0.1.
        let named = try await discover("\(url)\ntls_config: {\(clientTLS), server_name: sd.pharos.test}")
        #expect(named.addresses == ["secure:1"] && named.failures == 0)
        // The certificate does not name 127.0.0.1, nor another server_name.
        let direct = try await discover("\(url)\ntls_config: {\(clientTLS)}")
        #expect(direct.addresses.isEmpty && direct.failures == 1)
        let wrongName = try await discover("\(url)\ntls_config: {\(clientTLS), server_name: other.pharos.test}")
        #expect(wrongName.addresses.isEmpty && wrongName.failures == 1)
        // Without the CA the server is not trusted; without a client certificate it refuses us.
        let untrusted = try await discover(
            "\(url)\ntls_config: {server_name: sd.pharos.test, cert_file: \(certificates.clientCertFile), key_file: \(certificates.clientKeyFile)}")
        #expect(untrusted.addresses.isEmpty && untrusted.failures == 1)
        let anonymous = try await discover("\(url)\ntls_config: {ca_file: \(certificates.caFile), server_name: sd.pharos.test}")
        #expect(anonymous.addresses.isEmpty && anonymous.failures == 1)
        // insecure_skip_verify trusts any server certificate.
        let insecure = try await discover(
            "\(url)\ntls_config: {insecure_skip_verify: true, cert_file: \(certificates.clientCertFile), key_file: \(certificates.clientKeyFile)}")
        #expect(insecure.addresses == ["secure:1"] && insecure.failures == 0)
    }

    @Test func proxyURLAndAuthorizationCredentials() async throws {
        // A real HTTP server stands for sd.pharos.test:9999, reachable only through the proxy.
        let endpoint = Endpoint()
        endpoint.set(#"[{"targets": ["via-proxy:1"]}]"#)
        let server = try await LoopbackHTTPServer.start { endpoint.handle($0) }
        defer { Task { await server.stop() } }
        let proxy = try ConnectProxy { $0 == "sd.pharos.test:9999" ? server.port : nil }
        defer { proxy.stop() }
        let directory = try TemporaryDirectory()
        try directory.write(directory.path("token"), "t0ken\n")
        let config = try Self.config(
            """
            url: http://sd.pharos.test:9999/targets
            proxy_url: http://user:pass@127.0.0.1:\(proxy.port)
            proxy_connect_header: {X-Proxy-Tenant: [blue]}
            authorization: {type: Token, credentials_file: \(directory.path("token"))}
            """)
        let clock = ManualClock()
        try await run(HTTPProvider(config: config, clock: clock, metrics: DiscoveryMetrics()), clock: clock, interval: .seconds(60)) {
            reader, _ in
            try await reader.waitUntil { $0.addresses == ["via-proxy:1"] }
        }
        let connect = try #require(proxy.heads.first).lowercased()
        #expect(connect.hasPrefix("connect sd.pharos.test:9999 http/1.1"))
        #expect(connect.contains("proxy-authorization: basic " + Data("user:pass".utf8).base64EncodedString().lowercased()))
        #expect(connect.contains("x-proxy-tenant: blue"))
        let head = try #require(endpoint.requests.withLock { $0.first })
        #expect(head["uri"] == "/targets")
        #expect(head["authorization"] == "Token t0ken")
    }

    @Test func answersAreCheckedAsUpstream() throws {
        let url = "http://sd/x"
        for contentType in ["application/json", "Application/JSON", " application/json ", "application/json; charset=utf-8",
                            "application/json;charset=\"utf-8\""] {
            #expect(HTTPProvider<ManualClock>.isJSON(contentType), "\(contentType)")
        }
        for contentType in ["text/plain", "application/json; charset=latin1", "application/jsonx", "application/json;", ""] {
            #expect(!HTTPProvider<ManualClock>.isJSON(contentType), "\(contentType)")
        }
        // Malformed bodies are refused with a reason, never a crash.
        var generator = SeededGenerator(seed: 10)
        let valid = Array(#"[{"targets": ["a:1", "b:2"], "labels": {"x": "y"}}, {"targets": []}]"#.utf8)
        for _ in 0..<500 {
            var body = valid
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<body.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: body[index] = UInt8.random(in: 0...255, using: &generator)
                case 1: body.remove(at: index)
                default: body = Array(body[..<index])
                }
                if body.isEmpty { break }
            }
            do {
                let groups = try HTTPProvider<ManualClock>.groups(status: 200, contentType: "application/json", body: body, url: url)
                for group in groups { #expect(group.labels["__meta_url"] == url) }
            } catch {
                #expect(error.description.contains(url))
            }
        }
        #expect(throws: DiscoveryError.requestFailed(url: url, reason: "server returned HTTP status 404")) {
            try HTTPProvider<ManualClock>.groups(status: 404, contentType: "application/json", body: Array("[]".utf8), url: url)
        }
    }

    @Test func noProxyMatchesAsGo() {
        let noProxy = "example.com, .internal, 10.0.0.0/8, 192.168.1.1, [fd00::1], other.org:8080"
        for host in ["example.com", "a.example.com", "x.internal", "10.2.3.4", "192.168.1.1", "fd00::1", "other.org", "localhost", "127.0.0.1"] {
            #expect(ProxyRoute.bypasses(host: host, noProxy: noProxy), "\(host)")
        }
        for host in ["notexample.com", "internal", "11.0.0.1", "192.168.1.2", "fd00::2", "example.org"] {
            #expect(!ProxyRoute.bypasses(host: host, noProxy: noProxy), "\(host)")
        }
        #expect(ProxyRoute.bypasses(host: "anything", noProxy: "*"))
    }

    @Test func oauth2IsRefusedByName() {
        #expect(throws: ConfigError.self) {
            try Self.config("url: http://x/sd\noauth2: {client_id: a, token_url: http://t/}")
        }
        do {
            _ = try Self.config("url: http://x/sd\noauth2: {client_id: a, token_url: http://t/}")
        } catch {
            #expect("\(error)".contains("oauth2 in http_sd_configs is not supported"))
        }
    }

    static func config(_ yaml: String) throws -> HTTPSDConfig {
        try #require(discoverySection("http_sd_configs", yaml).httpSDConfigs.first)
    }
}
