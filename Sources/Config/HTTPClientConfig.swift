internal import Foundation
internal import Yams

/// `<http_config>`: how a client (scrape, service discovery, remote write, alerting) talks HTTP,
/// inlined into those sections as in Prometheus (`prometheus/common` `config.HTTPClientConfig`).
package struct HTTPClientConfig: Sendable, Equatable {
    /// `basic_auth`.
    package var basicAuth: BasicAuth?
    /// `authorization`; `bearer_token`/`bearer_token_file` are folded in here, as upstream.
    package var authorization: Authorization?
    /// `oauth2`.
    package var oauth2: OAuth2?
    /// Deprecated `bearer_token`; moved into `authorization` by validation.
    package var bearerToken = Secret("")
    /// Deprecated `bearer_token_file`; moved into `authorization` by validation.
    package var bearerTokenFile = ""
    /// `tls_config`.
    package var tls = TLSConfig()
    /// `follow_redirects`; true by default.
    package var followRedirects = true
    /// `enable_http2`; true by default (false for remote write).
    package var enableHTTP2 = true
    /// `proxy_url`, `no_proxy`, `proxy_from_environment`, `proxy_connect_header`.
    package var proxy = ProxyConfig()
    /// `http_headers`: extra request headers by name.
    package var httpHeaders: [String: CustomHeader] = [:]

    /// The defaults.
    package init() {}

    /// Headers Prometheus sets itself, which `http_headers` may not set (`config/headers.go`).
    static let reservedHeaders: Set<String> = [
        "authorization", "host", "content-encoding", "content-length", "content-type", "user-agent",
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "www-authenticate",
        "accept-encoding", "x-prometheus-remote-write-version", "x-prometheus-remote-read-version",
        "x-prometheus-scrape-timeout-seconds", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
    ]
}

extension HTTPClientConfig: YAMLStruct {
    static var yamlTypeName: String { "config.HTTPClientConfig" }
    static var yamlFields: [YAMLField<HTTPClientConfig>] {
        [
            YAMLField("basic_auth", \.basicAuth),
            YAMLField("authorization", \.authorization),
            YAMLField("oauth2", \.oauth2),
            YAMLField("bearer_token", \.bearerToken),
            YAMLField("bearer_token_file", \.bearerTokenFile),
            YAMLField("tls_config", \.tls),
            YAMLField("follow_redirects", \.followRedirects, omitEmpty: false),
            YAMLField("enable_http2", \.enableHTTP2, omitEmpty: false),
        ] + YAMLField.inline(\.proxy) + [
            YAMLField("http_headers", \.httpHeaders),
        ]
    }

    /// Prometheus's `HTTPClientConfig.Validate`: at most one way to authenticate, and the
    /// deprecated bearer token keys become `authorization`.
    mutating func validate(line: Int) throws(ConfigError) {
        func fail(_ message: String) -> ConfigError { .invalid(message, line: line) }
        if !bearerToken.isEmpty && !bearerTokenFile.isEmpty {
            throw fail("at most one of bearer_token & bearer_token_file must be configured")
        }
        if (basicAuth != nil || oauth2 != nil) && (!bearerToken.isEmpty || !bearerTokenFile.isEmpty) {
            throw fail("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured")
        }
        if let basicAuth {
            if !basicAuth.username.isEmpty && !basicAuth.usernameFile.isEmpty {
                throw fail("at most one of basic_auth username, username_file & username_ref must be configured")
            }
            if !basicAuth.password.isEmpty && !basicAuth.passwordFile.isEmpty {
                throw fail("at most one of basic_auth password, password_file & password_ref must be configured")
            }
        }
        if var authorization {
            if !bearerToken.isEmpty || !bearerTokenFile.isEmpty {
                throw fail("authorization is not compatible with bearer_token & bearer_token_file")
            }
            if !authorization.credentials.isEmpty && !authorization.credentialsFile.isEmpty {
                throw fail("at most one of authorization credentials & credentials_file must be configured")
            }
            authorization.type = authorization.type.trimmingCharacters(in: .whitespaces)
            if authorization.type.isEmpty { authorization.type = "Bearer" }
            if authorization.type.lowercased() == "basic" {
                throw fail("authorization type cannot be set to \"basic\", use \"basic_auth\" instead")
            }
            if basicAuth != nil || oauth2 != nil {
                throw fail("at most one of basic_auth, oauth2 & authorization must be configured")
            }
            self.authorization = authorization
        } else if !bearerToken.isEmpty {
            authorization = Authorization(type: "Bearer", credentials: bearerToken)
            bearerToken = Secret("")
        } else if !bearerTokenFile.isEmpty {
            authorization = Authorization(type: "Bearer", credentialsFile: bearerTokenFile)
            bearerTokenFile = ""
        }
        if let oauth2 {
            if basicAuth != nil { throw fail("at most one of basic_auth, oauth2 & authorization must be configured") }
            if oauth2.clientID.isEmpty { throw fail("oauth2 client_id must be configured") }
            if oauth2.tokenURL.isEmpty { throw fail("oauth2 token_url must be configured") }
            if oauth2.grantType == OAuth2.jwtBearerGrant {
                if !oauth2.clientCertificateKey.isEmpty && !oauth2.clientCertificateKeyFile.isEmpty {
                    throw fail("at most one of oauth2 client_certificate_key, client_certificate_key_file & client_certificate_key_ref must be configured using grant-type=urn:ietf:params:oauth:grant-type:jwt-bearer")
                }
                if !oauth2.signatureAlgorithm.isEmpty && !["RS256", "RS384", "RS512"].contains(oauth2.signatureAlgorithm) {
                    throw fail("valid signature algorithms are RS256, RS384 and RS512")
                }
            } else if !oauth2.clientSecret.isEmpty && !oauth2.clientSecretFile.isEmpty {
                throw fail("at most one of oauth2 client_secret, client_secret_file & client_secret_ref must be configured using grant-type=client_credentials")
            }
        }
        try proxy.validate(line: line)
        for name in httpHeaders.keys.sorted() where HTTPClientConfig.reservedHeaders.contains(name.lowercased()) {
            throw fail("setting header \"\(HTTPClientConfig.canonicalHeaderName(name))\" is not allowed")
        }
    }

    /// Refuses what Pharos's service discovery clients cannot do yet (`oauth2`), naming the
    /// section, instead of silently discovering nothing.
    func checkSupportedByDiscovery(_ section: String, line: Int) throws(ConfigError) {
        if oauth2 != nil { throw .invalid("oauth2 in \(section) is not supported by Pharos", line: line) }
    }

    /// Go's `http.CanonicalHeaderKey`: `x-foo-bar` becomes `X-Foo-Bar`.
    static func canonicalHeaderName(_ name: String) -> String {
        name.split(separator: "-", omittingEmptySubsequences: false)
            .map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }
            .joined(separator: "-")
    }
}

/// `basic_auth`.
package struct BasicAuth: Sendable, Equatable, YAMLStruct {
    /// `username`.
    package var username = ""
    /// `username_file`: read the username from this file.
    package var usernameFile = ""
    /// `password`.
    package var password = Secret("")
    /// `password_file`: read the password from this file.
    package var passwordFile = ""

    /// No credentials.
    package init() {}

    static var yamlTypeName: String { "config.BasicAuth" }
    static var yamlFields: [YAMLField<BasicAuth>] {
        [
            YAMLField("username", \.username), YAMLField("username_file", \.usernameFile),
            YAMLField("password", \.password), YAMLField("password_file", \.passwordFile),
        ]
    }
}

/// `authorization`: an `Authorization: <type> <credentials>` header.
package struct Authorization: Sendable, Equatable, YAMLStruct {
    /// `type`; `Bearer` by default.
    package var type = ""
    /// `credentials`.
    package var credentials = Secret("")
    /// `credentials_file`: read the credentials from this file.
    package var credentialsFile = ""

    /// No credentials.
    package init() {}

    /// Credentials of `type`, given inline or as a file.
    package init(type: String, credentials: Secret = Secret(""), credentialsFile: String = "") {
        self.type = type
        self.credentials = credentials
        self.credentialsFile = credentialsFile
    }

    static var yamlTypeName: String { "config.Authorization" }
    static var yamlFields: [YAMLField<Authorization>] {
        [
            YAMLField("type", \.type), YAMLField("credentials", \.credentials),
            YAMLField("credentials_file", \.credentialsFile),
        ]
    }
}

/// `oauth2`: fetch a token with the client credentials (or JWT bearer) grant.
package struct OAuth2: Sendable, Equatable, YAMLStruct {
    static let jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

    /// `client_id`.
    package var clientID = ""
    /// `client_secret`.
    package var clientSecret = Secret("")
    /// `client_secret_file`.
    package var clientSecretFile = ""
    /// `client_certificate_key_id` (JWT `kid`).
    package var clientCertificateKeyID = ""
    /// `client_certificate_key`: the key that signs the JWT.
    package var clientCertificateKey = Secret("")
    /// `client_certificate_key_file`.
    package var clientCertificateKeyFile = ""
    /// `grant_type`; client credentials when empty.
    package var grantType = ""
    /// `signature_algorithm` (RS256, RS384, RS512).
    package var signatureAlgorithm = ""
    /// `iss`.
    package var issuer = ""
    /// `audience`.
    package var audience = ""
    /// `claims` added to the JWT.
    package var claims: [String: String] = [:]
    /// `scopes`.
    package var scopes: [String] = []
    /// `token_url`.
    package var tokenURL = ""
    /// `endpoint_params`.
    package var endpointParams: [String: String] = [:]
    /// `tls_config` for the token request.
    package var tls = TLSConfig()
    /// Proxy settings for the token request.
    package var proxy = ProxyConfig()

    /// Nothing configured.
    package init() {}

    static var yamlTypeName: String { "config.OAuth2" }
    static var yamlFields: [YAMLField<OAuth2>] {
        [
            YAMLField("client_id", \.clientID), YAMLField("client_secret", \.clientSecret),
            YAMLField("client_secret_file", \.clientSecretFile),
            YAMLField("client_certificate_key_id", \.clientCertificateKeyID),
            YAMLField("client_certificate_key", \.clientCertificateKey),
            YAMLField("client_certificate_key_file", \.clientCertificateKeyFile),
            YAMLField("grant_type", \.grantType), YAMLField("signature_algorithm", \.signatureAlgorithm),
            YAMLField("iss", \.issuer), YAMLField("audience", \.audience), YAMLField("claims", \.claims),
            YAMLField("scopes", \.scopes), YAMLField("token_url", \.tokenURL),
            YAMLField("endpoint_params", \.endpointParams), YAMLField("tls_config", \.tls),
        ] + YAMLField.inline(\.proxy)
    }

    mutating func validate(line: Int) throws(ConfigError) { try proxy.validate(line: line) }
}

/// `tls_config`.
package struct TLSConfig: Sendable, Equatable, YAMLStruct {
    /// `ca`: the CA certificate (PEM text).
    package var ca = ""
    /// `ca_file`.
    package var caFile = ""
    /// `cert`: the client certificate (PEM text).
    package var cert = ""
    /// `cert_file`.
    package var certFile = ""
    /// `key`: the client key (PEM text).
    package var key = Secret("")
    /// `key_file`.
    package var keyFile = ""
    /// `server_name`: the SNI and verification name.
    package var serverName = ""
    /// `insecure_skip_verify`.
    package var insecureSkipVerify = false
    /// `min_version` (`TLS10` … `TLS13`); empty for the default.
    package var minVersion = ""
    /// `max_version`; empty for the default.
    package var maxVersion = ""

    /// The defaults.
    package init() {}

    static let versions = ["TLS10", "TLS11", "TLS12", "TLS13"]

    static var yamlTypeName: String { "config.TLSConfig" }
    static var yamlFields: [YAMLField<TLSConfig>] {
        [
            YAMLField("ca", \.ca), YAMLField("cert", \.cert), YAMLField("key", \.key),
            YAMLField("ca_file", \.caFile), YAMLField("cert_file", \.certFile), YAMLField("key_file", \.keyFile),
            YAMLField("server_name", \.serverName),
            YAMLField("insecure_skip_verify", \.insecureSkipVerify, omitEmpty: false),
            YAMLField("min_version", \.minVersion), YAMLField("max_version", \.maxVersion),
        ]
    }

    mutating func validate(line: Int) throws(ConfigError) {
        func fail(_ message: String) -> ConfigError { .invalid(message, line: line) }
        for version in [minVersion, maxVersion] where !version.isEmpty && !TLSConfig.versions.contains(version) {
            throw fail("unknown TLS version: \(version)")
        }
        if !ca.isEmpty && !caFile.isEmpty { throw fail("at most one of ca, ca_file & ca_ref must be configured") }
        if !cert.isEmpty && !certFile.isEmpty { throw fail("at most one of cert, cert_file & cert_ref must be configured") }
        if !key.isEmpty && !keyFile.isEmpty { throw fail("at most one of key and key_file must be configured") }
        let usingCert = !cert.isEmpty || !certFile.isEmpty
        let usingKey = !key.isEmpty || !keyFile.isEmpty
        if usingCert && !usingKey {
            throw fail("exactly one of key or key_file must be configured when a client certificate is configured")
        }
        if usingKey && !usingCert {
            throw fail("exactly one of cert or cert_file must be configured when a client key is configured")
        }
        if let min = TLSConfig.versions.firstIndex(of: minVersion), let max = TLSConfig.versions.firstIndex(of: maxVersion),
            min > max
        {
            throw fail("max_version must be greater than or equal to min_version")
        }
    }
}

/// Proxy settings, inlined into `<http_config>` and `oauth2`.
package struct ProxyConfig: Sendable, Equatable, YAMLStruct {
    /// `proxy_url`.
    package var proxyURL = ""
    /// `no_proxy`: comma-separated hosts, domains and CIDRs not to proxy.
    package var noProxy = ""
    /// `proxy_from_environment`: use `HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`.
    package var proxyFromEnvironment = false
    /// `proxy_connect_header`: headers sent to the proxy on CONNECT.
    package var proxyConnectHeader: [String: [Secret]] = [:]

    /// No proxy.
    package init() {}

    static var yamlTypeName: String { "config.ProxyConfig" }
    static var yamlFields: [YAMLField<ProxyConfig>] {
        [
            YAMLField("proxy_url", \.proxyURL), YAMLField("no_proxy", \.noProxy),
            YAMLField("proxy_from_environment", \.proxyFromEnvironment),
            YAMLField("proxy_connect_header", \.proxyConnectHeader),
        ]
    }

    func validate(line: Int) throws(ConfigError) {
        func fail(_ message: String) -> ConfigError { .invalid(message, line: line) }
        if !proxyURL.isEmpty, URLCheck.parse(proxyURL) == nil { throw fail("parse \"\(proxyURL)\": invalid URL") }
        if !proxyConnectHeader.isEmpty && !proxyFromEnvironment && proxyURL.isEmpty {
            throw fail("if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured")
        }
        if proxyFromEnvironment && !proxyURL.isEmpty {
            throw fail("if proxy_from_environment is configured, proxy_url must not be configured")
        }
        if proxyFromEnvironment && !noProxy.isEmpty {
            throw fail("if proxy_from_environment is configured, no_proxy must not be configured")
        }
        if proxyURL.isEmpty && !noProxy.isEmpty {
            throw fail("if no_proxy is configured, proxy_url must also be configured")
        }
    }
}

/// One `http_headers` entry: literal values, secret values, and files to read values from.
package struct CustomHeader: Sendable, Equatable, YAMLStruct {
    /// `values`.
    package var values: [String] = []
    /// `secrets`: values hidden from the status API.
    package var secrets: [Secret] = []
    /// `files`: each file's trimmed content is a value.
    package var files: [String] = []

    /// No values.
    package init() {}

    static var yamlTypeName: String { "config.Header" }
    static var yamlFields: [YAMLField<CustomHeader>] {
        [YAMLField("values", \.values), YAMLField("secrets", \.secrets), YAMLField("files", \.files)]
    }
}
