import Config
import Foundation
import Yams

/// Where the Kubernetes API server is and how to authenticate to it: `api_server` with the
/// section's `<http_config>`, a `kubeconfig_file` (its current context), or, when neither is
/// given, the in-cluster service account (`KUBERNETES_SERVICE_HOST`/`_PORT`, the token re-read at
/// every request, the cluster CA, and the pod's namespace for `own_namespace`).
struct KubernetesConnection: Sendable, Equatable {
    /// `https://host:port` (any path kept), without a trailing slash.
    var server: String
    var http: HTTPClientConfig
    /// The namespace Pharos runs in, for `namespaces.own_namespace` (in-cluster only).
    var ownNamespace = ""

    static func resolve(
        _ config: KubernetesSDConfig, environment: [String: String], serviceAccountDirectory: String
    ) throws(DiscoveryError) -> KubernetesConnection {
        if !config.kubeconfigFile.isEmpty { return try kubeconfig(config.kubeconfigFile) }
        if !config.apiServer.isEmpty {
            return KubernetesConnection(server: trimmed(config.apiServer), http: config.http)
        }
        guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"],
              !host.isEmpty, !port.isEmpty
        else {
            throw .setupFailed(
                "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined")
        }
        var http = HTTPClientConfig()
        http.authorization = Authorization(type: "Bearer", credentialsFile: serviceAccountDirectory + "/token")
        http.tls.caFile = serviceAccountDirectory + "/ca.crt"
        var connection = KubernetesConnection(
            server: "https://" + DiscoveredTargetGroup.joinHostPort(host, Int(port) ?? 443), http: http)
        if config.namespaces.ownNamespace {
            let path = serviceAccountDirectory + "/namespace"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .setupFailed("could not determine the pod's namespace: cannot read \(path)")
            }
            connection.ownNamespace = String(decoding: data, as: UTF8.self)
            if connection.ownNamespace.isEmpty { throw .setupFailed("could not read own namespace name (empty file)") }
        }
        return connection
    }

    private static func trimmed(_ server: String) -> String {
        var server = server
        while server.hasSuffix("/") { server.removeLast() }
        return server
    }

    /// The current context of a kubeconfig file: its cluster's server, CA, TLS options and proxy,
    /// and its user's token, client certificate or basic credentials. Paths are relative to the
    /// file's directory. `exec` and `auth-provider` plugins are refused by name.
    static func kubeconfig(_ path: String) throws(DiscoveryError) -> KubernetesConnection {
        func fail(_ reason: String) -> DiscoveryError { .setupFailed("kubeconfig_file \(path): \(reason)") }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw fail("cannot read the file")
        }
        let root: [String: Any]
        do {
            guard let loaded = try Yams.load(yaml: text) as? [String: Any] else { throw fail("not a kubeconfig") }
            root = loaded
        } catch let error as DiscoveryError {
            throw error
        } catch {
            throw fail("invalid YAML: \(error)")
        }
        func named(_ list: String, _ name: String, _ field: String) throws(DiscoveryError) -> [String: Any] {
            let entries = root[list] as? [[String: Any]] ?? []
            guard let entry = entries.first(where: { $0["name"] as? String == name }) else {
                throw fail("no \(field) named \"\(name)\"")
            }
            return entry[field] as? [String: Any] ?? [:]
        }
        guard let current = root["current-context"] as? String, !current.isEmpty else { throw fail("no current-context") }
        let context = try named("contexts", current, "context")
        let cluster = try named("clusters", context["cluster"] as? String ?? "", "cluster")
        let userName = context["user"] as? String ?? ""
        let user = userName.isEmpty ? [:] : try named("users", userName, "user")
        let directory = (path as NSString).deletingLastPathComponent
        func file(_ value: Any?) -> String {
            guard let value = value as? String, !value.isEmpty else { return "" }
            return value.hasPrefix("/") ? value : directory + "/" + value
        }
        func pem(_ value: Any?, _ key: String) throws(DiscoveryError) -> String {
            guard let value = value as? String, !value.isEmpty else { return "" }
            guard let decoded = Data(base64Encoded: value), let text = String(data: decoded, encoding: .utf8) else {
                throw fail("\(key) is not base64-encoded PEM")
            }
            return text
        }
        guard let server = cluster["server"] as? String, !server.isEmpty else { throw fail("the cluster has no server") }
        var http = HTTPClientConfig()
        http.tls.ca = try pem(cluster["certificate-authority-data"], "certificate-authority-data")
        if http.tls.ca.isEmpty { http.tls.caFile = file(cluster["certificate-authority"]) }
        http.tls.insecureSkipVerify = cluster["insecure-skip-tls-verify"] as? Bool ?? false
        http.tls.serverName = cluster["tls-server-name"] as? String ?? ""
        http.proxy.proxyURL = cluster["proxy-url"] as? String ?? ""
        for plugin in ["exec", "auth-provider"] where user[plugin] != nil {
            throw fail("user \"\(userName)\" uses \(plugin), which Pharos does not support; use a token or client certificate")
        }
        http.tls.cert = try pem(user["client-certificate-data"], "client-certificate-data")
        if http.tls.cert.isEmpty { http.tls.certFile = file(user["client-certificate"]) }
        http.tls.key = Secret(try pem(user["client-key-data"], "client-key-data"))
        if http.tls.key.isEmpty { http.tls.keyFile = file(user["client-key"]) }
        if let token = user["token"] as? String, !token.isEmpty {
            http.authorization = Authorization(type: "Bearer", credentials: Secret(token))
        } else if let tokenFile = user["tokenFile"] as? String, !tokenFile.isEmpty {
            http.authorization = Authorization(type: "Bearer", credentialsFile: file(tokenFile))
        } else if let username = user["username"] as? String, !username.isEmpty {
            var basic = BasicAuth()
            basic.username = username
            basic.password = Secret(user["password"] as? String ?? "")
            http.basicAuth = basic
        }
        return KubernetesConnection(server: trimmed(server), http: http)
    }
}
