import Config
import Foundation
import Testing

/// Where Debian's `prometheus` package puts promtool, if installed.
enum Promtool {
    static let path: String? = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// The same files through `promtool check config` (Prometheus 2.42, from Debian) and through
/// Pharos: both must call each one valid or invalid. Only features 2.42 has are used, and no
/// case depends on what changed in Prometheus 3 (UTF-8 names, Alertmanager API v1, global limits).
/// Debian builds promtool without Consul and Kubernetes discovery, so those are tested elsewhere.
@Suite(.enabled(if: Promtool.path != nil, "needs promtool (apt-get install prometheus)"))
struct PromtoolDifferentialTests {
    static let valid: [(String, String)] = [
        ("empty", ""),
        ("example", (try? String(contentsOfFile: Fixtures.repositoryRoot + "/examples/prometheus.yml", encoding: .utf8)) ?? ""),
        ("global and static", """
            global:
              scrape_interval: 15s
              scrape_timeout: 10s
              evaluation_interval: 1m30s
              external_labels: {cluster: a, replica: "1"}
            scrape_configs:
              - job_name: a
                body_size_limit: 10MB
                sample_limit: 1000
                static_configs: [{targets: ["localhost:9090"], labels: {env: prod}}]
            """),
        ("durations", """
            global:
              scrape_interval: 1h30m
              scrape_timeout: 1m
              evaluation_interval: 1d
            scrape_configs:
              - job_name: a
                scrape_interval: 100ms
                scrape_timeout: 100ms
            """),
        ("relabeling", """
            scrape_configs:
              - job_name: a
                relabel_configs:
                  - source_labels: [__address__]
                    regex: "(.*):.*"
                    target_label: host
                    replacement: "${1}"
                  - source_labels: [__address__]
                    modulus: 8
                    target_label: __tmp_shard
                    action: hashmod
                  - {regex: "__meta_(.+)", action: labelmap}
                  - {regex: tmp, action: labeldrop}
                  - {regex: "job|instance|.*", action: labelkeep}
                  - {source_labels: [a], target_label: b, action: keepequal}
                  - {source_labels: [a], target_label: b, action: lowercase}
                  - {source_labels: [a], action: Drop, regex: "x"}
                metric_relabel_configs:
                  - {source_labels: [__name__], regex: "go_.*", action: drop}
            """),
        ("service discovery", """
            scrape_configs:
              - job_name: a
                file_sd_configs: [{files: [targets/*.json, x.yml], refresh_interval: 1m}]
                http_sd_configs: [{url: "https://sd.example/targets"}]
                dns_sd_configs: [{names: [_x._tcp.example.org]}, {names: [db], type: A, port: 5432}]
            """),
        ("http config", """
            scrape_configs:
              - job_name: a
                scheme: https
                basic_auth: {username: u, password: p}
                tls_config: {server_name: x, min_version: TLS12}
                follow_redirects: false
                proxy_url: http://proxy:3128
                params: {module: [http_2xx]}
              - job_name: b
                authorization: {type: Token, credentials: c}
              - job_name: c
                bearer_token: t
              - job_name: d
                oauth2: {client_id: x, client_secret: y, token_url: "https://t.example/token", scopes: [a]}
            """),
        ("remote and alerting", """
            alerting:
              alert_relabel_configs: [{regex: replica, action: labeldrop}]
              alertmanagers:
                - static_configs: [{targets: ["am:9093"]}]
                  timeout: 5s
                  path_prefix: /am
                  scheme: https
            remote_write:
              - url: http://remote/write
                name: w
                remote_timeout: 1m
                headers: {X-Tenant: t}
                queue_config: {capacity: 500, max_shards: 10, min_shards: 1, max_samples_per_send: 100, min_backoff: 10ms, max_backoff: 1s}
                metadata_config: {send: false}
                write_relabel_configs: [{source_labels: [__name__], regex: x, action: drop}]
            remote_read:
              - url: http://remote/read
                read_recent: true
                required_matchers: {a: b}
            storage:
              tsdb: {out_of_order_time_window: 1h}
              exemplars: {max_exemplars: 1000}
            tracing:
              endpoint: localhost:4317
              insecure: true
            """),
        ("anchors and merge keys", """
            scrape_configs:
              - &base
                job_name: a
                scrape_interval: 10s
                static_configs: [{targets: ["x:1"]}]
              - <<: *base
                job_name: b
            """),
        ("null sections", "global:\nscrape_configs:\nalerting:\n"),
        ("rule glob with no match", "rule_files: [\"no-such-dir/*.yml\"]\n"),
    ]

    static let invalid: [(String, String)] = [
        ("unknown top-level key", "foo: 1\n"),
        ("unknown global key", "global:\n  scrape_intervall: 1m\n"),
        ("unknown scrape key", "scrape_configs:\n  - job_name: a\n    metric_path: /m\n"),
        ("unknown relabel key", "scrape_configs:\n  - job_name: a\n    relabel_configs: [{actions: drop}]\n"),
        ("unknown tls key", "scrape_configs:\n  - job_name: a\n    tls_config: {ca_fil: x}\n"),
        ("bad duration unit", "global:\n  scrape_interval: 5x\n"),
        ("negative duration", "global:\n  scrape_interval: -5m\n"),
        ("fractional duration", "global:\n  scrape_interval: 1.5m\n"),
        ("units out of order", "global:\n  scrape_interval: 30s1m\n"),
        ("bad size", "global:\n  body_size_limit: 10XB\n"),
        ("timeout over interval", "scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 6s\n"),
        ("global timeout over interval", "global:\n  scrape_interval: 5s\n  scrape_timeout: 6s\n"),
        ("inherited timeout over interval", "global:\n  scrape_timeout: 30s\nscrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 6s\n"),
        ("duplicate job", "scrape_configs:\n  - job_name: a\n  - job_name: a\n"),
        ("empty job name", "scrape_configs:\n  - job_name: \"\"\n"),
        ("bad regex", "scrape_configs:\n  - job_name: a\n    relabel_configs: [{regex: \"(x\", action: keep}]\n"),
        ("missing target_label", "scrape_configs:\n  - job_name: a\n    relabel_configs: [{source_labels: [a]}]\n"),
        ("hashmod without modulus", "scrape_configs:\n  - job_name: a\n    relabel_configs: [{action: hashmod, target_label: t}]\n"),
        ("unknown action", "scrape_configs:\n  - job_name: a\n    relabel_configs: [{action: explode}]\n"),
        ("labeldrop with source", "scrape_configs:\n  - job_name: a\n    relabel_configs: [{action: labeldrop, source_labels: [a]}]\n"),
        ("keepequal with regex", "scrape_configs:\n  - job_name: a\n    relabel_configs: [{action: keepequal, source_labels: [a], target_label: b, regex: x}]\n"),
        ("URL target", "scrape_configs:\n  - job_name: a\n    static_configs: [{targets: [\"http://x:1\"]}]\n"),
        ("wrong type", "global:\n  sample_limit: many\n"),
        ("map for string", "scrape_configs:\n  - job_name: {a: b}\n"),
        ("not YAML", "scrape_configs:\n  - job_name: a\n   bad: [\n"),
        ("root is a list", "- a\n"),
        ("bad file SD name", "scrape_configs:\n  - job_name: a\n    file_sd_configs: [{files: [targets.txt]}]\n"),
        ("file SD without files", "scrape_configs:\n  - job_name: a\n    file_sd_configs: [{refresh_interval: 1m}]\n"),
        ("http SD without url", "scrape_configs:\n  - job_name: a\n    http_sd_configs: [{refresh_interval: 1m}]\n"),
        ("http SD bad scheme", "scrape_configs:\n  - job_name: a\n    http_sd_configs: [{url: \"ftp://x/y\"}]\n"),
        ("DNS A without port", "scrape_configs:\n  - job_name: a\n    dns_sd_configs: [{names: [x], type: A}]\n"),
        ("DNS bad type", "scrape_configs:\n  - job_name: a\n    dns_sd_configs: [{names: [x], type: TXT}]\n"),
        ("basic auth and bearer", "scrape_configs:\n  - job_name: a\n    basic_auth: {username: u}\n    bearer_token: t\n"),
        ("authorization basic", "scrape_configs:\n  - job_name: a\n    authorization: {type: Basic, credentials: c}\n"),
        ("oauth2 without token url", "scrape_configs:\n  - job_name: a\n    oauth2: {client_id: x}\n"),
        ("cert without key", "scrape_configs:\n  - job_name: a\n    tls_config: {cert_file: c.pem}\n"),
        ("bad TLS version", "scrape_configs:\n  - job_name: a\n    tls_config: {min_version: TLS9}\n"),
        ("remote write without url", "remote_write:\n  - name: x\n"),
        ("remote write reserved header", "remote_write:\n  - url: http://x\n    headers: {Content-Type: x}\n"),
        ("remote read without url", "remote_read:\n  - name: x\n"),
        ("duplicate remote write name", "remote_write:\n  - {url: http://x, name: a}\n  - {url: http://y, name: a}\n"),
        ("null scrape config", "scrape_configs:\n  -\n"),
        ("null static config", "scrape_configs:\n  - job_name: a\n    static_configs:\n      -\n"),
        ("bad rule path", "rule_files: [\"a/*/b.yml\"]\n"),
        ("missing rule file", "rule_files: [no-such-rules.yml]\n"),
        ("tracing without endpoint", "tracing:\n  insecure: true\n"),
        ("tracing bad compression", "tracing:\n  endpoint: x:4317\n  compression: zstd\n"),
        ("duplicate key", "global:\n  scrape_interval: 1m\n  scrape_interval: 2m\n"),
    ]

    @Test(arguments: valid)
    func bothAccept(name: String, yaml: String) throws {
        let (pharos, promtool) = try check(yaml)
        #expect(promtool, "promtool refused \(name)")
        #expect(pharos == nil, "Pharos refused \(name): \(pharos ?? "")")
    }

    @Test(arguments: invalid)
    func bothRefuse(name: String, yaml: String) throws {
        let (pharos, promtool) = try check(yaml)
        #expect(!promtool, "promtool accepted \(name)")
        #expect(pharos != nil, "Pharos accepted \(name)")
    }

    /// Writes `yaml` to a scratch file and returns Pharos's error (or nil) and promtool's verdict.
    private func check(_ yaml: String) throws -> (pharos: String?, promtool: Bool) {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try Fixtures.write(yaml, to: "prometheus.yml", in: directory)
        var pharosError: String?
        do {
            _ = try ConfigCheck.check(file: path)
        } catch {
            pharosError = error.description
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Promtool.path))
        process.arguments = ["check", "config", path]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (pharosError, process.terminationStatus == 0)
    }
}
