import Config
import Foundation
@testable import Server
import Testing

/// `--cluster.tls-config` files as Alertmanager reads them: both sections required, strict
/// fields, file names relative to the file's directory.
@Suite struct ClusterTLSConfigTests {
    @Test func bothSidesWithRelativeFiles() throws {
        let directory = NSTemporaryDirectory() + "/pharos-cluster-tls-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("""
            tls_server_config: {cert_file: server.pem, key_file: /abs/server-key.pem, client_ca_file: ca.pem, client_auth_type: RequireAndVerifyClientCert}
            tls_client_config: {ca_file: ca.pem, cert_file: client.pem, key_file: client-key.pem, insecure_skip_verify: false}
            """.utf8).write(to: URL(fileURLWithPath: directory + "/tls.yml"))
        let config = try ClusterTLSConfig.load(file: directory + "/tls.yml")
        #expect(config.server.certFile == directory + "/server.pem" && config.server.keyFile == "/abs/server-key.pem")
        #expect(config.server.clientCAFile == directory + "/ca.pem" && config.server.clientAuthType == "RequireAndVerifyClientCert")
        #expect(config.client.caFile == directory + "/ca.pem" && config.client.certFile == directory + "/client.pem")
        #expect(config.client.keyFile == directory + "/client-key.pem")
    }

    @Test(arguments: [
        ("tls_client_config: {ca_file: ca.pem}", "missing 'tls_server_config'"),
        ("tls_server_config: {cert_file: a.pem, key_file: b.pem}", "missing 'tls_client_config'"),
        ("tls_server_config: {cert_file: a.pem, key_file: b.pem}\ntls_client_config: {}\ngossip: 1", "gossip"),
        ("tls_server_config: {cert_file: a.pem}\ntls_client_config: {}", "missing key_file"),
        ("tls_server_config: {cert_file: a.pem, key_file: b.pem}\ntls_client_config: {cert_file: c.pem}",
         "exactly one of key or key_file must be configured"),
        ("tls_server_config: [1]\ntls_client_config: {}", ""),
    ])
    func refusesIncompleteOrUnknown(text: String, message: String) {
        #expect {
            _ = try ClusterTLSConfig.parse(text)
        } throws: { error in
            message.isEmpty || "\(error)".contains(message)
        }
    }
}
