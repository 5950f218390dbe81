import Foundation
import NIOSSL
import PharosTestSupport
@testable import Scrape
import Testing

/// A job's `<http_config>` reaches its scrapes: `tls_config` (private CA, client certificate),
/// credentials from files re-read at every scrape (rotation), `http_headers` from files; and a
/// TLS or credentials problem fails the scrape with a `lastError` naming it.
@Suite struct ScrapeHTTPConfigTests {
    /// An HTTPS exporter whose certificate comes from the test CA and which requires a client
    /// certificate from the same CA.
    static func secureExporter(_ certificates: TestCertificates) async throws -> FakeExporter {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.serverCertFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.serverKeyFile, format: .pem)))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificates.caFile))
        tls.certificateVerification = .noHostnameVerification  // a server checks the client's chain, not its name
        return try await FakeExporter(.body("secure_metric 1\n"), tls: tls)
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test(.enabled(if: TestCertificates.isAvailable, "needs openssl"))
    func tlsConfigAndCredentialFilesReachTheTarget() async throws {
        let certificates = try await TestCertificates()
        let exporter = try await Self.secureExporter(certificates)
        let token = certificates.root + "/token", tenant = certificates.root + "/tenant"
        try Self.write("t0ken\n", to: token)
        try Self.write(" blue \n", to: tenant)
        let yaml = scrapeYAML(interval: "500ms", timeout: "500ms", extra: """
            scheme: https
            tls_config: {ca_file: \(certificates.caFile), cert_file: \(certificates.clientCertFile), key_file: \(certificates.clientKeyFile)}
            authorization: {credentials_file: \(token)}
            http_headers: {X-Tenant: {files: [\(tenant)], values: [fixed]}}
            """)
        let harness = try ScrapeHarness(yaml: yaml)
        harness.discover("test", [exporter.address])
        do {
            let first = try await harness.successes(1, instance: exporter.address)
            #expect(first.first?.value("secure_metric") == 1)
            var head = try #require(exporter.requests.last).lowercased()
            #expect(head.contains("authorization: bearer t0ken"))
            #expect(head.contains("x-tenant: fixed") && head.contains("x-tenant: blue"))
            // A rotated token is used from the next scrape on.
            try Self.write("t1ken", to: token)
            _ = try await harness.batches(2, within: .seconds(20)) { $0.instance == exporter.address && $0.up == 1 }
            head = try #require(exporter.requests.last).lowercased()
            #expect(head.contains("authorization: bearer t1ken"))
            // A credentials file that disappears fails the scrape, naming the file.
            try FileManager.default.removeItem(atPath: token)
            let failed = try await harness.batches(1, within: .seconds(20)) { $0.instance == exporter.address && $0.up == 0 }
            #expect(failed.count == 1)
            let status = try #require(harness.manager.activeTargets().first)
            #expect(status.lastError.contains(token), "\(status.lastError)")
        } catch {
            try await harness.shutdown()
            try await exporter.stop()
            throw error
        }
        try await harness.shutdown()
        try await exporter.stop()
    }

    @Test(.enabled(if: TestCertificates.isAvailable, "needs openssl"))
    func withoutTheCAOrTheClientCertificateTheScrapeFails() async throws {
        let certificates = try await TestCertificates()
        let exporter = try await Self.secureExporter(certificates)
        defer { Task { try await exporter.stop() } }
        let cases: [(yaml: String, error: String)] = [
            // The system trust store does not know the test CA.
            ("tls_config: {cert_file: \(certificates.clientCertFile), key_file: \(certificates.clientKeyFile)}", "CERTIFICATE_VERIFY_FAILED"),
            // The server requires a client certificate.
            ("tls_config: {ca_file: \(certificates.caFile)}", "CERTIFICATE_REQUIRED"),
            // A CA file that cannot be loaded is named in the error.
            ("tls_config: {ca_file: \(certificates.root)/missing.pem}", "unable to load the CA of tls_config"),
            // What the scrape client cannot do yet is refused by name, not ignored.
            ("tls_config: {ca_file: \(certificates.caFile), server_name: other.test}",
             "tls_config.server_name is not supported by Pharos for scraping yet"),
            ("proxy_url: http://127.0.0.1:1", "proxy_url/proxy_from_environment is not supported by Pharos for scraping yet"),
        ]
        for (index, (tls, expected)) in cases.enumerated() {
            // A TLS handshake on a loaded machine can outlast the default 200 ms timeout, which
            // would fail the scrape for another reason than the one checked.
            let harness = try ScrapeHarness(yaml: scrapeYAML(interval: "2s", timeout: "2s", extra: "scheme: https\n" + tls))
            harness.discover("test", [exporter.address])
            let batches: [RecordingSink.Batch]
            do { batches = try await harness.batches(1, instance: exporter.address) } catch {
                try await harness.shutdown()
                throw error
            }
            let status = harness.manager.activeTargets().first
            try await harness.shutdown()
            #expect(batches.first?.up == 0, "case \(index)")
            #expect(status?.lastError.isEmpty == false, "case \(index)")
            #expect(status?.lastError.contains(expected) == true, "case \(index): \(status?.lastError ?? "")")
        }
    }
}
