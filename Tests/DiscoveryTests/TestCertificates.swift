import Foundation
import PharosTestSupport

/// A throw-away CA with a server certificate (for `subjectAltName`, by default `127.0.0.1` and
/// `sd.pharos.test`) and a client certificate, made by Debian's `openssl` in a temporary directory.
struct TestCertificates {
    let directory: TemporaryDirectory
    var caFile: String { directory.path("ca.pem") }
    var serverCertFile: String { directory.path("server.pem") }
    var serverKeyFile: String { directory.path("server-key.pem") }
    var clientCertFile: String { directory.path("client.pem") }
    var clientKeyFile: String { directory.path("client-key.pem") }

    static var isAvailable: Bool { TestBinaries.onPath("openssl") != nil }

    init(subjectAltName: String = "IP:127.0.0.1,DNS:sd.pharos.test") async throws {
        directory = try TemporaryDirectory()
        let dir = directory.root
        try directory.write(directory.path("server.ext"), "subjectAltName=\(subjectAltName)\n")
        try directory.write(directory.path("client.ext"), "extendedKeyUsage=clientAuth\n")
        let commands: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Pharos test CA",
             "-keyout", "\(dir)/ca-key.pem", "-out", "\(dir)/ca.pem"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=sd.pharos.test",
             "-keyout", "\(dir)/server-key.pem", "-out", "\(dir)/server.csr"],
            ["x509", "-req", "-in", "\(dir)/server.csr", "-CA", "\(dir)/ca.pem", "-CAkey", "\(dir)/ca-key.pem",
             "-CAcreateserial", "-days", "2", "-extfile", "\(dir)/server.ext", "-out", "\(dir)/server.pem"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=pharos client",
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
}
