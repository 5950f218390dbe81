import Foundation

/// A throw-away CA (P-256 keys: quick to make, so tests running in parallel do not starve each
/// other of CPU) with a server certificate (for `subjectAltName`, by default `127.0.0.1` and
/// `sd.pharos.test`) and a client certificate, made by Debian's `openssl` in a temporary
/// directory that is removed when this is released.
package final class TestCertificates: Sendable {
    /// The directory holding the PEM files.
    package let root: String
    package var caFile: String { root + "/ca.pem" }
    package var serverCertFile: String { root + "/server.pem" }
    package var serverKeyFile: String { root + "/server-key.pem" }
    package var clientCertFile: String { root + "/client.pem" }
    package var clientKeyFile: String { root + "/client-key.pem" }

    package static var isAvailable: Bool { TestBinaries.onPath("openssl") != nil }

    package init(subjectAltName: String = "IP:127.0.0.1,DNS:sd.pharos.test") async throws {
        var template = Array((NSTemporaryDirectory() + "/pharos-certificates-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let dir = String(cString: made)
        root = dir
        try Data("subjectAltName=\(subjectAltName)\n".utf8).write(to: URL(fileURLWithPath: dir + "/server.ext"))
        try Data("extendedKeyUsage=clientAuth\n".utf8).write(to: URL(fileURLWithPath: dir + "/client.ext"))
        let commands: [[String]] = [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=Pharos test CA",
             "-keyout", "\(dir)/ca-key.pem", "-out", "\(dir)/ca.pem"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=sd.pharos.test",
             "-keyout", "\(dir)/server-key.pem", "-out", "\(dir)/server.csr"],
            ["x509", "-req", "-in", "\(dir)/server.csr", "-CA", "\(dir)/ca.pem", "-CAkey", "\(dir)/ca-key.pem",
             "-CAcreateserial", "-days", "2", "-extfile", "\(dir)/server.ext", "-out", "\(dir)/server.pem"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=pharos client",
             "-keyout", "\(dir)/client-key.pem", "-out", "\(dir)/client.csr"],
            ["x509", "-req", "-in", "\(dir)/client.csr", "-CA", "\(dir)/ca.pem", "-CAkey", "\(dir)/ca-key.pem",
             "-CAcreateserial", "-days", "2", "-extfile", "\(dir)/client.ext", "-out", "\(dir)/client.pem"],
        ]
        // Daemon, not Foundation's Process (see Daemon): spawned and reaped by PID.
        for arguments in commands {
            let openssl = try Daemon(TestBinaries.onPath("openssl") ?? "/usr/bin/openssl", arguments)
            guard await openssl.waitForExit(timeout: .seconds(60)) == 0 else {
                openssl.stop()
                throw CocoaError(.fileWriteUnknown)
            }
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }
}
