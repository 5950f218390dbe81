package import Model
internal import Yams

/// The service discovery sections of a scrape job or an Alertmanager set (`*_sd_configs` and
/// `static_configs`). Pharos implements static, file, HTTP, DNS, Consul and Kubernetes discovery;
/// the other mechanisms Prometheus has are refused by name (`unsupportedServiceDiscovery`).
package struct ServiceDiscoveryConfigs: Sendable, Equatable, YAMLStruct {
    /// `static_configs`.
    package var staticConfigs: [TargetGroup] = []
    /// `file_sd_configs`.
    package var fileSDConfigs: [FileSDConfig] = []
    /// `http_sd_configs`.
    package var httpSDConfigs: [HTTPSDConfig] = []
    /// `dns_sd_configs`.
    package var dnsSDConfigs: [DNSSDConfig] = []
    /// `consul_sd_configs`.
    package var consulSDConfigs: [ConsulSDConfig] = []
    /// `kubernetes_sd_configs`.
    package var kubernetesSDConfigs: [KubernetesSDConfig] = []

    /// No discovery.
    package init() {}

    /// Prometheus's mechanisms that Pharos does not implement (`discovery/*`, `Name()`).
    package static let unsupportedMechanisms = [
        "aws", "azure", "digitalocean", "docker", "dockerswarm", "ec2", "ecs", "elasticache", "eureka", "gce",
        "hetzner", "ionos", "kuma", "lightsail", "linode", "marathon", "msk", "nerve", "nomad", "oci", "openstack",
        "outscale", "ovhcloud", "puppetdb", "rds", "scaleway", "serverset", "stackit", "triton", "uyuni", "vultr",
    ]

    static var yamlTypeName: String { "discovery.Configs" }
    static var yamlFields: [YAMLField<ServiceDiscoveryConfigs>] {
        [
            YAMLField("static_configs", \.staticConfigs),
            YAMLField("file_sd_configs", \.fileSDConfigs),
            YAMLField("http_sd_configs", \.httpSDConfigs),
            YAMLField("dns_sd_configs", \.dnsSDConfigs),
            YAMLField("consul_sd_configs", \.consulSDConfigs),
            YAMLField("kubernetes_sd_configs", \.kubernetesSDConfigs),
        ]
            + unsupportedMechanisms.map { name in
                YAMLField(name + "_sd_configs") { (_: inout ServiceDiscoveryConfigs, _: Node, key: Node) throws(ConfigError) in
                    throw .unsupportedServiceDiscovery(name + "_sd_configs", line: key.line)
                }
            }
    }

    /// Prometheus's `checkStaticTargets`: without relabeling, a static target must be a host and
    /// port, not a URL.
    func checkStaticTargets(line: Int) throws(ConfigError) {
        for group in staticConfigs {
            for target in group.targets where target.contains("/") {
                throw .invalid("\"\(target)\" is not a valid hostname", line: line)
            }
        }
    }
}

/// One `static_configs` entry: targets sharing a set of labels.
package struct TargetGroup: Sendable, Equatable, YAMLStruct {
    /// `targets`: `host:port` addresses.
    package var targets: [String] = []
    /// `labels` attached to every target of the group.
    package var labels = Labels()

    /// An empty group.
    package init() {}

    /// A group of `targets` with `labels`.
    package init(targets: [String], labels: Labels = Labels()) {
        self.targets = targets
        self.labels = labels
    }

    static var yamlTypeName: String { "targetgroup.Group" }
    static var yamlFields: [YAMLField<TargetGroup>] {
        [YAMLField("targets", \.targets, omitEmpty: false), YAMLField("labels", \.labels)]
    }
    static func decodeNull(line: Int) throws(ConfigError) -> TargetGroup {
        throw .invalid("empty or null section in static_configs", line: line)
    }
}

/// `file_sd_configs` entry (`discovery/file`).
package struct FileSDConfig: Sendable, Equatable, YAMLStruct {
    /// `files`: paths or globs (a `*` only in the last path element) of JSON or YAML files.
    package var files: [String] = []
    /// `refresh_interval`; 5m by default.
    package var refreshInterval: Duration = .seconds(300)

    /// The defaults.
    package init() {}

    static var yamlTypeName: String { "file.SDConfig" }
    static var yamlFields: [YAMLField<FileSDConfig>] {
        [YAMLField("files", \.files, omitEmpty: false), YAMLField("refresh_interval", \.refreshInterval)]
    }
    static func decodeNull(line: Int) throws(ConfigError) -> FileSDConfig {
        throw .invalid("empty or null section in file_sd_configs", line: line)
    }

    mutating func validate(line: Int) throws(ConfigError) {
        if files.isEmpty {
            throw .invalid("file service discovery config must contain at least one path name", line: line)
        }
        for name in files where !FileSDConfig.isValidPath(name) {
            throw .invalid("path name \"\(name)\" is not valid for file discovery", line: line)
        }
    }

    /// Upstream's `^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$`.
    static func isValidPath(_ name: String) -> Bool {
        let extensions = [".json", ".yml", ".yaml", ".JSON", ".YML", ".YAML"]
        guard let ext = extensions.first(where: { name.hasSuffix($0) }) else { return false }
        let stem = name.dropLast(ext.count)
        guard let star = stem.firstIndex(of: "*") else { return true }
        return !stem[star...].contains("/")
    }
}

/// `http_sd_configs` entry (`discovery/http`).
package struct HTTPSDConfig: Sendable, Equatable, YAMLStruct {
    /// `url`: where the target groups are fetched, http or https.
    package var url = ""
    /// `refresh_interval`; 60s by default.
    package var refreshInterval: Duration = .seconds(60)
    /// The inlined `<http_config>`.
    package var http = HTTPClientConfig()

    /// The defaults.
    package init() {}

    static var yamlTypeName: String { "http.SDConfig" }
    static var yamlFields: [YAMLField<HTTPSDConfig>] {
        YAMLField.inline(\.http) + [
            YAMLField("refresh_interval", \.refreshInterval), YAMLField("url", \.url, omitEmpty: false),
        ]
    }
    static func decodeNull(line: Int) throws(ConfigError) -> HTTPSDConfig {
        throw .invalid("empty or null section in http_sd_configs", line: line)
    }

    mutating func validate(line: Int) throws(ConfigError) {
        if url.isEmpty { throw .invalid("URL is missing", line: line) }
        guard let parsed = URLCheck.parse(url) else { throw .invalid("parse \"\(url)\": invalid URL", line: line) }
        if parsed.scheme != "http" && parsed.scheme != "https" {
            throw .invalid("URL scheme must be 'http' or 'https'", line: line)
        }
        if parsed.host.isEmpty { throw .invalid("host is missing in URL", line: line) }
        try http.validate(line: line)
        try http.checkSupportedByDiscovery("http_sd_configs", line: line)
    }
}

/// `dns_sd_configs` entry (`discovery/dns`).
package struct DNSSDConfig: Sendable, Equatable, YAMLStruct {
    /// `names` to query.
    package var names: [String] = []
    /// `refresh_interval`; 30s by default.
    package var refreshInterval: Duration = .seconds(30)
    /// `type`: SRV (default), A, AAAA, MX or NS.
    package var type = "SRV"
    /// `port`, required for every type but SRV.
    package var port = 0

    /// The defaults.
    package init() {}

    static var yamlTypeName: String { "dns.SDConfig" }
    static var yamlFields: [YAMLField<DNSSDConfig>] {
        [
            YAMLField("names", \.names, omitEmpty: false), YAMLField("refresh_interval", \.refreshInterval),
            YAMLField("type", \.type, omitEmpty: false), YAMLField("port", \.port, omitEmpty: false),
        ]
    }
    static func decodeNull(line: Int) throws(ConfigError) -> DNSSDConfig {
        throw .invalid("empty or null section in dns_sd_configs", line: line)
    }

    mutating func validate(line: Int) throws(ConfigError) {
        if names.isEmpty { throw .invalid("DNS-SD config must contain at least one SRV record name", line: line) }
        switch type.uppercased() {
        case "SRV": break
        case "A", "AAAA", "MX", "NS":
            if port == 0 {
                throw .invalid("a port is required in DNS-SD configs for all record types except SRV", line: line)
            }
        default: throw .invalid("invalid DNS-SD records type \(type)", line: line)
        }
    }
}

/// `consul_sd_configs` entry (`discovery/consul`).
package struct ConsulSDConfig: Sendable, Equatable, YAMLStruct {
    /// `server`; `localhost:8500` by default.
    package var server = "localhost:8500"
    /// `path_prefix` for Consul behind a reverse proxy.
    package var pathPrefix = ""
    /// `token`.
    package var token = Secret("")
    /// `datacenter`.
    package var datacenter = ""
    /// `namespace` (Consul Enterprise).
    package var namespace = ""
    /// `partition` (Consul Enterprise).
    package var partition = ""
    /// `tag_separator`; `,` by default.
    package var tagSeparator = ","
    /// `scheme`; http by default.
    package var scheme = "http"
    /// `username` (deprecated: use basic_auth).
    package var username = ""
    /// `password` (deprecated: use basic_auth).
    package var password = Secret("")
    /// `allow_stale`; true by default.
    package var allowStale = true
    /// `refresh_interval`; 30s by default.
    package var refreshInterval: Duration = .seconds(30)
    /// `services`; all services when empty.
    package var services: [String] = []
    /// `tags` every instance must have.
    package var tags: [String] = []
    /// `node_meta` every node must have.
    package var nodeMeta: [String: String] = [:]
    /// `filter`: a Catalog API filter expression.
    package var filter = ""
    /// `health_filter`: a Health API filter expression.
    package var healthFilter = ""
    /// The inlined `<http_config>`.
    package var http = HTTPClientConfig()

    /// The defaults.
    package init() {}

    static var yamlTypeName: String { "consul.SDConfig" }
    static var yamlFields: [YAMLField<ConsulSDConfig>] {
        [
            YAMLField("server", \.server), YAMLField("path_prefix", \.pathPrefix), YAMLField("token", \.token),
            YAMLField("datacenter", \.datacenter), YAMLField("namespace", \.namespace),
            YAMLField("partition", \.partition), YAMLField("tag_separator", \.tagSeparator),
            YAMLField("scheme", \.scheme), YAMLField("username", \.username), YAMLField("password", \.password),
            YAMLField("allow_stale", \.allowStale, omitEmpty: false),
            YAMLField("refresh_interval", \.refreshInterval), YAMLField("services", \.services),
            YAMLField("tags", \.tags), YAMLField("node_meta", \.nodeMeta), YAMLField("filter", \.filter),
            YAMLField("health_filter", \.healthFilter),
        ] + YAMLField.inline(\.http)
    }
    static func decodeNull(line: Int) throws(ConfigError) -> ConsulSDConfig {
        throw .invalid("empty or null section in consul_sd_configs", line: line)
    }

    mutating func validate(line: Int) throws(ConfigError) {
        if server.trimmingWhitespace.isEmpty {
            throw .invalid("consul SD configuration requires a server address", line: line)
        }
        if !username.isEmpty || !password.isEmpty {
            if http.basicAuth != nil {
                throw .invalid("at most one of consul SD configuration username and password and basic auth can be configured", line: line)
            }
            var auth = BasicAuth()
            auth.username = username
            auth.password = password
            http.basicAuth = auth
        }
        if !token.isEmpty && (http.authorization != nil || http.oauth2 != nil) {
            throw .invalid("at most one of consul SD token, authorization, or oauth2 can be configured", line: line)
        }
        try http.validate(line: line)
        try http.checkSupportedByDiscovery("consul_sd_configs", line: line)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    package var trimmingWhitespace: SubSequence {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<Swift.max(start, end)]
    }
}
