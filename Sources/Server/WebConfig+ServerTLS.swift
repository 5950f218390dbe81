import HummingbirdCore
import HummingbirdTLS
import NIOSSL

extension WebConfig.TLS {
    /// An HTTP/1 server builder serving TLS with this certificate and key; client certificates
    /// are asked for and checked as `client_auth_type` says, against `client_ca_file`.
    func serverBuilder() throws -> HTTPServerBuilder {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem)))
        if !clientCAFile.isEmpty {
            configuration.trustRoots = .file(clientCAFile)
        }
        switch clientAuthType {
        case "RequireAndVerifyClientCert", "RequireAnyClientCert": configuration.certificateVerification = .noHostnameVerification
        case "VerifyClientCertIfGiven", "RequestClientCert": configuration.certificateVerification = .optionalVerification
        default: configuration.certificateVerification = .none
        }
        return try .tls(.http1(), tlsConfiguration: configuration)
    }
}
