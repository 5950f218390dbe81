internal import Yams

/// `stream.ingester_client`: how queriers and the ruler reach the ingesters' read API, for
/// ingesters whose listener takes `--web.config.file` TLS or authentication.
///
/// ```yaml
/// stream:
///   ingester_client:
///     scheme: https
///     tls_config: {ca_file: /etc/pharos/ca.pem}
///     basic_auth: {username: querier, password_file: /etc/pharos/querier.pass}
/// ```
package struct StreamIngesterClientConfig: Sendable, Equatable, YAMLStruct {
    /// `scheme`: `http` (default) or `https`.
    package var scheme = "http"
    /// The `<http_config>` keys (`tls_config`, `basic_auth`, `authorization`, `http_headers`...).
    package var http = HTTPClientConfig()

    /// The defaults: plain HTTP, no credentials.
    package init() {}

    static var yamlTypeName: String { "config.StreamIngesterClientConfig" }
    static var yamlFields: [YAMLField<StreamIngesterClientConfig>] {
        [YAMLField("scheme", \.scheme)] + YAMLField.inline(\.http)
    }

    mutating func validate(line: Int) throws(ConfigError) {
        guard scheme == "http" || scheme == "https" else {
            throw .invalid("stream.ingester_client.scheme must be \"http\" or \"https\", got \"\(scheme)\"", line: line)
        }
        try http.validate(line: line)
    }
}
