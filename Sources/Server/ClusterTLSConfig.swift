package import Config
import Foundation
import Yams

/// `--cluster.tls-config`, Alertmanager's file for TLS between HA peers
/// (`cluster.TLSTransportConfig`): `tls_server_config` as in a web config (the peers'
/// listener) and `tls_client_config` as in an `<http_config>` (requests to the peers). Both
/// are required, as upstream.
package struct ClusterTLSConfig: Sendable, Equatable {
    /// The listener's certificate, key and client-certificate policy.
    package var server: WebConfig.TLS
    /// How this peer connects to the others.
    package var client: TLSConfig

    /// Reads and checks the file at `path`; relative file names in it are resolved against
    /// its directory.
    /// - Throws: `ServerError.config` naming the file and what is wrong.
    package static func load(file path: String) throws(ServerError) -> ClusterTLSConfig {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .config("reading cluster TLS config \(path): \(error.localizedDescription)")
        }
        do {
            var config = try parse(text)
            let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
            func resolve(_ file: inout String) {
                if !file.isEmpty, !file.hasPrefix("/") { file = directory + "/" + file }
            }
            resolve(&config.server.certFile)
            resolve(&config.server.keyFile)
            resolve(&config.server.clientCAFile)
            resolve(&config.client.caFile)
            resolve(&config.client.certFile)
            resolve(&config.client.keyFile)
            return config
        } catch {
            throw .config("cluster TLS config \(path): \(error)")
        }
    }

    /// Parses the YAML text strictly (unknown fields are errors).
    package static func parse(_ text: String) throws(ConfigError) -> ClusterTLSConfig {
        var server: WebConfig.TLS?, client: TLSConfig?
        if let root = try StrictYAML.compose(text) {
            for (key, value) in try StrictYAML.entries(root, type: "cluster.TLSTransportConfig") {
                switch try StrictYAML.string(key) {
                case "tls_server_config": server = try WebConfig.parseTLS(value)
                case "tls_client_config": client = try StrictYAML.tlsConfig(value)
                case let other: throw .unknownField(other, type: "cluster.TLSTransportConfig", line: StrictYAML.line(key))
                }
            }
        }
        guard let server else { throw .invalid("missing 'tls_server_config'", line: 1) }
        guard let client else { throw .invalid("missing 'tls_client_config'", line: 1) }
        return ClusterTLSConfig(server: server, client: client)
    }
}
