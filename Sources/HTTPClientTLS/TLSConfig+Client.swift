package import Config
package import NIOSSL

/// Why a `tls_config` could not become a client TLS configuration.
package enum ClientTLSError: Error, Sendable, CustomStringConvertible {
    /// `ca` or `ca_file` could not be loaded.
    case ca(String)
    /// `cert`/`cert_file` or `key`/`key_file` could not be loaded.
    case clientCertificate(String)

    package var description: String {
        switch self {
        case .ca(let reason): "unable to load the CA of tls_config: \(reason)"
        case .clientCertificate(let reason): "unable to load the client certificate or key of tls_config: \(reason)"
        }
    }
}

extension TLSConfig {
    /// NIO's client TLS configuration for this `tls_config` (Prometheus's `config.NewTLSConfig`):
    /// trusted CA, client certificate and key (inline or from files; Config allows only one of
    /// each pair), `insecure_skip_verify`, and `min_version`/`max_version` with TLS 1.2 as the
    /// least version unless configured, as Go's clients. `server_name` is not part of it: a
    /// client sets it on its connections (see `SDHTTPClient`) or refuses it.
    package func clientConfiguration() throws(ClientTLSError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = Self.version(minVersion) ?? .tlsv12
        if let max = Self.version(maxVersion) { configuration.maximumTLSVersion = max }
        do {
            if !ca.isEmpty {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(ca.utf8)))
            } else if !caFile.isEmpty {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            }
        } catch {
            throw .ca("\(error)")
        }
        do {
            if !cert.isEmpty {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(cert.utf8)).map { .certificate($0) }
            } else if !certFile.isEmpty {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certFile).map { .certificate($0) }
            }
            if !key.isEmpty {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.value.utf8), format: .pem))
            } else if !keyFile.isEmpty {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            }
        } catch {
            throw .clientCertificate("\(error)")
        }
        if insecureSkipVerify { configuration.certificateVerification = .none }
        return configuration
    }

    /// A `min_version`/`max_version` name (`TLS10` … `TLS13`); Config refuses other names.
    private static func version(_ name: String) -> TLSVersion? {
        switch name {
        case "TLS10": .tlsv1
        case "TLS11": .tlsv11
        case "TLS12": .tlsv12
        case "TLS13": .tlsv13
        default: nil
        }
    }
}
