import Config
import Testing

/// Configs Prometheus refuses are refused here too, with its message and the line to look at.
@Suite struct InvalidConfigTests {
    static let cases: [(name: String, yaml: String, error: ConfigError)] = [
        ("unknown top-level key", "foo: 1\n", .unknownField("foo", type: "config.Config", line: 1)),
        ("unknown global key", "global:\n  scrape_intervall: 5s\n",
         .unknownField("scrape_intervall", type: "config.GlobalConfig", line: 2)),
        ("unknown scrape key", "scrape_configs:\n  - job_name: a\n    metric_path: /m\n",
         .unknownField("metric_path", type: "config.ScrapeConfig", line: 3)),
        ("unknown tls key", "scrape_configs:\n  - job_name: a\n    tls_config:\n      ca_fil: x\n",
         .unknownField("ca_fil", type: "config.TLSConfig", line: 4)),
        ("bad duration", "global:\n  scrape_interval: 5x\n",
         .invalid("unknown unit \"x\" in duration \"5x\"", line: 2)),
        ("negative duration", "global:\n  evaluation_interval: -1m\n",
         .invalid("not a valid duration string: \"-1m\"", line: 2)),
        ("duration given a list", "global:\n  scrape_interval: [1m]\n",
         .typeMismatch(found: "!!seq", expected: "model.Duration", line: 2)),
        ("integer given text", "global:\n  sample_limit: lots\n",
         .typeMismatch(found: "!!str `lots`", expected: "uint", line: 2)),
        ("bool given text", "scrape_configs:\n  - job_name: a\n    honor_labels: maybe\n",
         .typeMismatch(found: "!!str `maybe`", expected: "bool", line: 3)),
        ("bad size", "global:\n  body_size_limit: 10XB\n", .invalid("unknown unit \"XB\" in size \"10XB\"", line: 2)),
        ("unsupported SD", "scrape_configs:\n  - job_name: a\n    ec2_sd_configs:\n      - region: eu-west-1\n",
         .unsupportedServiceDiscovery("ec2_sd_configs", line: 3)),
        ("unsupported SD in alerting", "alerting:\n  alertmanagers:\n    - docker_sd_configs: []\n",
         .unsupportedServiceDiscovery("docker_sd_configs", line: 3)),
        ("timeout over interval", "scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n",
         .invalid("scrape timeout greater than scrape interval for scrape config with job name \"a\"", line: 2)),
        ("global timeout over interval", "global:\n  scrape_interval: 5s\n  scrape_timeout: 6s\n",
         .invalid("global scrape timeout greater than scrape interval", line: 2)),
        ("duplicate job", "scrape_configs:\n  - job_name: a\n  - job_name: a\n",
         .invalid("found multiple scrape configs with job name \"a\"", line: 3)),
        ("empty job name", "scrape_configs:\n  - job_name: \"\"\n", .invalid("job_name is empty", line: 2)),
        ("null scrape config", "scrape_configs:\n  -\n", .invalid("empty or null scrape config section", line: 2)),
        ("bad regex", "scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - regex: \"(abc\"\n        action: keep\n",
         .invalid("error parsing regexp: missing closing ): `^(?s:(abc)$`", line: 4)),
        ("missing target_label", "scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - source_labels: [x]\n",
         .invalid("relabel configuration for replace action requires 'target_label' value", line: 4)),
        ("hashmod without modulus",
         "scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: hashmod\n        target_label: t\n",
         .invalid("relabel configuration for hashmod requires non-zero modulus", line: 4)),
        ("unknown relabel action",
         "scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: explode\n",
         .invalid("unknown relabel action \"explode\"", line: 4)),
        ("labeldrop with target",
         "scrape_configs:\n  - job_name: a\n    metric_relabel_configs:\n      - action: labeldrop\n        target_label: x\n",
         .invalid("labeldrop action requires only 'regex', and no other fields", line: 4)),
        ("legacy target label",
         "global:\n  metric_name_validation_scheme: legacy\nscrape_configs:\n  - job_name: a\n    relabel_configs:\n      - target_label: \"a.b\"\n",
         .invalid("\"a.b\" is invalid 'target_label' for replace action", line: 4)),
        ("legacy external label", "global:\n  metric_name_validation_scheme: legacy\n  external_labels:\n    a.b: c\n",
         .invalid("\"a.b\" is not a valid label name", line: 2)),
        ("URL as static target", "scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: [\"http://x:9100\"]\n",
         .invalid("\"http://x:9100\" is not a valid hostname", line: 2)),
        ("bad file SD path", "scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - files: [targets.txt]\n",
         .invalid("path name \"targets.txt\" is not valid for file discovery", line: 4)),
        ("http SD without URL", "scrape_configs:\n  - job_name: a\n    http_sd_configs:\n      - refresh_interval: 1m\n",
         .invalid("URL is missing", line: 4)),
        ("DNS A without port", "scrape_configs:\n  - job_name: a\n    dns_sd_configs:\n      - names: [x]\n        type: A\n",
         .invalid("a port is required in DNS-SD configs for all record types except SRV", line: 4)),
        ("kubernetes without role", "scrape_configs:\n  - job_name: a\n    kubernetes_sd_configs:\n      - api_server: https://k\n",
         .invalid("role missing (one of: pod, service, endpoints, endpointslice, node, ingress)", line: 4)),
        ("two kinds of auth",
         "scrape_configs:\n  - job_name: a\n    basic_auth:\n      username: u\n    authorization:\n      credentials: c\n",
         .invalid("at most one of basic_auth, oauth2 & authorization must be configured", line: 2)),
        ("cert without key", "scrape_configs:\n  - job_name: a\n    tls_config:\n      cert_file: c.pem\n",
         .invalid("exactly one of key or key_file must be configured when a client certificate is configured", line: 4)),
        ("reserved header", "scrape_configs:\n  - job_name: a\n    http_headers:\n      user-agent:\n        values: [x]\n",
         .invalid("setting header \"User-Agent\" is not allowed", line: 2)),
        ("remote write without url", "remote_write:\n  - name: x\n", .invalid("url for remote_write is empty", line: 2)),
        ("queue shards", "remote_write:\n  - url: http://x\n    queue_config:\n      min_shards: 5\n      max_shards: 2\n",
         .invalid("remote write queue min_shards must not be greater than max_shards", line: 2)),
        ("bad rule path", "rule_files: [\"rules/*/x.yml\"]\n", .invalid("invalid rule file path \"rules/*/x.yml\"", line: 1)),
        ("bad scrape protocol", "global:\n  scrape_protocols: [Text]\n",
         .invalid("scrape_protocols: unknown scrape protocol Text, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0]", line: 2)),
        ("alertmanager api v1", "alerting:\n  alertmanagers:\n    - api_version: v1\n",
         .invalid("expected Alertmanager api version to be one of [v2] but got v1", line: 3)),
        ("tracing without endpoint", "tracing:\n  insecure: true\n", .invalid("tracing endpoint must be set", line: 2)),
        ("not YAML", "scrape_configs:\n  - job_name: a\n   bad: [\n",
         .syntax(message: "while parsing a block collection did not find expected '-' indicator", line: 3, column: 4)),
        ("root is a list", "- a\n", .typeMismatch(found: "!!seq", expected: "config.Config", line: 1)),
    ]

    @Test(arguments: cases)
    func refusedWithMessageAndLine(name: String, yaml: String, error: ConfigError) {
        #expect(throws: error, "\(name)") { try PrometheusConfig.parse(yaml, environment: [:]) }
    }

    @Test func messagesReadLikePromtool() {
        let error = ConfigError.inFile(path: "p.yml", .unknownField("foo", type: "config.ScrapeConfig", line: 5))
        #expect(error.description == "parsing YAML file p.yml: line 5: field foo not found in type config.ScrapeConfig")
        #expect(ConfigError.unsupportedServiceDiscovery("ec2_sd_configs", line: 3).description
            == "line 3: unsupported service discovery: ec2_sd_configs")
        #expect(error.line == 5)
    }
}
