internal import Foundation

/// A credentials or header file of an `<http_config>` that could not be read.
package struct CredentialsFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file.
    package let path: String
    /// Why it could not be read.
    package let reason: String

    package var description: String { "unable to read \(path): \(reason)" }
}

extension HTTPClientConfig {
    /// The `Authorization` header value of `basic_auth` or `authorization` (validation folds
    /// the deprecated `bearer_token` keys into `authorization`; they are read here too for
    /// configs built in code), or nil when there is none. As Prometheus's round trippers:
    /// empty `authorization` credentials send no header, basic auth is always sent.
    ///
    /// `_file` settings are read at every call, so rotated credentials are picked up.
    package func authorizationHeader() throws(CredentialsFileError) -> String? {
        if let basicAuth {
            let username = basicAuth.usernameFile.isEmpty ? basicAuth.username : try Self.readCredentials(basicAuth.usernameFile)
            let password = basicAuth.passwordFile.isEmpty ? basicAuth.password.value : try Self.readCredentials(basicAuth.passwordFile)
            return "Basic " + Data((username + ":" + password).utf8).base64EncodedString()
        }
        let type: String, inline: String, file: String
        if let authorization {
            (type, inline, file) = (authorization.type, authorization.credentials.value, authorization.credentialsFile)
        } else {
            (type, inline, file) = ("Bearer", bearerToken.value, bearerTokenFile)
        }
        let credentials = file.isEmpty ? inline : try Self.readCredentials(file)
        guard !credentials.isEmpty else { return nil }
        return (type.isEmpty ? "Bearer" : type) + " " + credentials
    }

    /// The `http_headers` as name and value pairs, names in sorted order and each header's
    /// `values`, then `secrets`, then the contents of its `files` (read at every call).
    package func customHeaders() throws(CredentialsFileError) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for (name, header) in httpHeaders.sorted(by: { $0.key < $1.key }) {
            for value in header.values { result.append((name, value)) }
            for secret in header.secrets { result.append((name, secret.value)) }
            for path in header.files { result.append((name, try Self.readCredentials(path))) }
        }
        return result
    }

    /// The first setting Pharos's HTTP clients for scraping, remote write and Alertmanagers
    /// cannot honour yet (`oauth2`, proxies, `tls_config.server_name`), named as in the
    /// configuration; nil when there is none. Those clients refuse a config that has one
    /// instead of connecting without it.
    package var unsupportedClientSetting: String? {
        if oauth2 != nil { return "oauth2" }
        if !proxy.proxyURL.isEmpty || proxy.proxyFromEnvironment { return "proxy_url/proxy_from_environment" }
        if !tls.serverName.isEmpty { return "tls_config.server_name" }
        return nil
    }

    /// Whether `authorizationHeader()` or `customHeaders()` read files, so that a client must
    /// call them for every request rather than once.
    package var readsCredentialFiles: Bool {
        !(basicAuth?.usernameFile ?? "").isEmpty || !(basicAuth?.passwordFile ?? "").isEmpty
            || !(authorization?.credentialsFile ?? "").isEmpty || !bearerTokenFile.isEmpty
            || httpHeaders.values.contains { !$0.files.isEmpty }
    }

    /// A credentials file's content without surrounding white space (Go's `strings.TrimSpace`).
    package static func readCredentials(_ path: String) throws(CredentialsFileError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw CredentialsFileError(path: path, reason: (error as NSError).localizedDescription)
        }
    }
}
