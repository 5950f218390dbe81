package import Config
import Foundation
import Yams

/// `--web.config.file`, the exporter-toolkit web configuration Prometheus reads: TLS for
/// the listener and bcrypt-hashed basic-auth users.
package struct WebConfig: Sendable, Equatable {
    /// `tls_server_config`.
    package struct TLS: Sendable, Equatable {
        /// `cert_file`: the PEM certificate chain.
        package var certFile = ""
        /// `key_file`: the PEM private key.
        package var keyFile = ""
        /// `client_ca_file`: CAs client certificates must chain to.
        package var clientCAFile = ""
        /// `client_auth_type`: `NoClientCert` (default), `RequestClientCert`,
        /// `RequireAnyClientCert`, `VerifyClientCertIfGiven`, `RequireAndVerifyClientCert`.
        package var clientAuthType = "NoClientCert"
    }

    /// The TLS settings, if the listener serves HTTPS.
    package var tls: TLS?
    /// `basic_auth_users`: user name to bcrypt hash.
    package var basicAuthUsers: [String: String] = [:]
    /// `http_server_config.headers`: headers added to every response.
    package var headers: [String: String] = [:]

    /// No TLS, no users.
    package init() {}

    /// Reads and checks the file at `path`; relative file names in it are resolved against
    /// its directory.
    /// - Throws: `ServerError.config` naming the file and what is wrong.
    package static func load(file path: String) throws(ServerError) -> WebConfig {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .config("reading web config \(path): \(error.localizedDescription)")
        }
        do {
            var config = try parse(text)
            let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
            if var tls = config.tls {
                for keyPath in [\TLS.certFile, \TLS.keyFile, \TLS.clientCAFile] where !tls[keyPath: keyPath].isEmpty && !tls[keyPath: keyPath].hasPrefix("/") {
                    tls[keyPath: keyPath] = directory + "/" + tls[keyPath: keyPath]
                }
                config.tls = tls
            }
            return config
        } catch {
            throw .config("web config \(path): \(error)")
        }
    }

    /// Parses the YAML text of a web config strictly (unknown fields are errors, as
    /// exporter-toolkit's `UnmarshalStrict`).
    package static func parse(_ text: String) throws(ConfigError) -> WebConfig {
        var config = WebConfig()
        guard let root = try StrictYAML.compose(text) else { return config }
        for (key, value) in try StrictYAML.entries(root, type: "web.Config") {
            switch try StrictYAML.string(key) {
            case "tls_server_config":
                config.tls = try parseTLS(value)
            case "basic_auth_users":
                config.basicAuthUsers = try StrictYAML.stringMap(value)
                for (user, hash) in config.basicAuthUsers where !hash.hasPrefix("$2") {
                    throw .invalid("basic_auth_users: the password of \"\(user)\" is not a bcrypt hash", line: StrictYAML.line(value))
                }
            case "http_server_config":
                for (field, setting) in try StrictYAML.entries(value, type: "web.HTTPConfig") {
                    switch try StrictYAML.string(field) {
                    case "headers": config.headers = try StrictYAML.stringMap(setting)
                    case "http2": _ = try StrictYAML.bool(setting)
                    case let other: throw .unknownField(other, type: "web.HTTPConfig", line: StrictYAML.line(field))
                    }
                }
            case let other:
                throw .unknownField(other, type: "web.Config", line: StrictYAML.line(key))
            }
        }
        return config
    }

    /// A `tls_server_config` section; nil when it names no file.
    static func parseTLS(_ node: Node) throws(ConfigError) -> TLS? {
        var tls = TLS()
        for (key, value) in try StrictYAML.entries(node, type: "web.TLSConfig") {
            switch try StrictYAML.string(key) {
            case "cert_file": tls.certFile = try StrictYAML.string(value)
            case "key_file": tls.keyFile = try StrictYAML.string(value)
            case "client_ca_file": tls.clientCAFile = try StrictYAML.string(value)
            case "client_auth_type":
                tls.clientAuthType = try StrictYAML.string(value)
                let known = ["", "NoClientCert", "RequestClientCert", "RequireAnyClientCert", "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"]
                guard known.contains(tls.clientAuthType) else {
                    throw .invalid("invalid ClientAuth \"\(tls.clientAuthType)\"", line: StrictYAML.line(value))
                }
            case "min_version", "max_version", "cipher_suites", "curve_preferences", "prefer_server_cipher_suites":
                throw .invalid("tls_server_config: \(try StrictYAML.string(key)) is not supported by Pharos yet", line: StrictYAML.line(key))
            case let other:
                throw .unknownField(other, type: "web.TLSConfig", line: StrictYAML.line(key))
            }
        }
        if tls.certFile.isEmpty && tls.keyFile.isEmpty && tls.clientCAFile.isEmpty { return nil }
        guard !tls.certFile.isEmpty else { throw .invalid("missing cert_file", line: StrictYAML.line(node)) }
        guard !tls.keyFile.isEmpty else { throw .invalid("missing key_file", line: StrictYAML.line(node)) }
        return tls
    }
}
