import Foundation

/// Config texts shared by the Config tests, and a scratch directory per test.
enum Fixtures {
    /// The repository root, found from this file's path.
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// A fresh empty directory under the system temporary directory.
    static func scratchDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "pharos-config-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `text` to `directory/name` and returns the path.
    @discardableResult
    static func write(_ text: String, to name: String, in directory: String) throws -> String {
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A large, realistic config touching every section Pharos reads.
    static let full = """
        global:
          scrape_interval: 30s
          scrape_timeout: 20s
          evaluation_interval: 1m30s
          rule_query_offset: 10s
          query_log_file: /var/log/pharos/queries.log
          scrape_failure_log_file: failures.log
          external_labels:
            cluster: eu-west-1
            replica: "${PHAROS_TEST_REPLICA}"
            price: "$$5"
          body_size_limit: 10MB
          sample_limit: 50000
          label_limit: 64
          label_name_length_limit: 128
          label_value_length_limit: 2048
          target_limit: 1000
          keep_dropped_targets: 100
          metric_name_validation_scheme: utf8
          scrape_protocols: [OpenMetricsText1.0.0, PrometheusText0.0.4]
          scrape_native_histograms: false
          always_scrape_classic_histograms: true
          convert_classic_histograms_to_nhcb: false
          extra_scrape_metrics: true

        runtime:
          gogc: 50

        rule_files:
          - rules/*.yml
          - /etc/pharos/alerts.yml

        scrape_configs:
          - job_name: pharos
            static_configs:
              - targets: ["localhost:9090"]

          - job_name: node
            scrape_interval: 15s
            scrape_timeout: 5s
            honor_labels: true
            honor_timestamps: false
            track_timestamps_staleness: true
            scheme: https
            metrics_path: /probe
            params:
              module: [http_2xx]
            enable_compression: false
            fallback_scrape_protocol: PrometheusText0.0.4
            scrape_protocols: [PrometheusProto, OpenMetricsText1.0.0]
            scrape_native_histograms: true
            native_histogram_bucket_limit: 160
            native_histogram_min_bucket_factor: 1.1
            body_size_limit: 512KiB
            sample_limit: 10000
            metric_name_validation_scheme: legacy
            metric_name_escaping_scheme: underscores
            basic_auth:
              username: prometheus
              password: s3cr3t-basic
            tls_config:
              ca_file: ca.pem
              cert_file: client.pem
              key_file: client-key.pem
              server_name: node.internal
              insecure_skip_verify: false
              min_version: TLS12
              max_version: TLS13
            follow_redirects: false
            enable_http2: false
            proxy_url: http://proxy.internal:3128
            no_proxy: localhost,10.0.0.0/8
            proxy_connect_header:
              Proxy-Token: [proxy-s3cr3t]
            http_headers:
              X-Scope-OrgID:
                values: [tenant-1]
                secrets: [header-s3cr3t]
            static_configs:
              - targets: ["node-1:9100", "node-2:9100"]
                labels:
                  datacenter: dc1
            file_sd_configs:
              - files: [targets/*.json, /etc/pharos/nodes.yml]
                refresh_interval: 1m
            relabel_configs:
              - source_labels: [__address__]
                regex: "(.*):9100"
                target_label: host
                replacement: "$1"
              - source_labels: [__address__]
                modulus: 4
                target_label: __tmp_hash
                action: hashmod
              - regex: "__meta_(.+)"
                action: labelmap
              - source_labels: [__tmp_hash]
                regex: "0"
                action: keep
              - regex: "datacenter"
                action: labeldrop
            metric_relabel_configs:
              - source_labels: [__name__]
                regex: "go_gc_.*"
                action: drop
              - source_labels: [job]
                target_label: job_lower
                action: lowercase

          - job_name: discovered
            authorization:
              type: Bearer
              credentials: bearer-s3cr3t
            oauth2: null
            http_sd_configs:
              - url: https://sd.internal/targets
                refresh_interval: 2m
                basic_auth:
                  username: sd
                  password_file: /etc/pharos/sd-password
            dns_sd_configs:
              - names: [_metrics._tcp.example.org]
              - names: [db.example.org]
                type: A
                port: 9187
            consul_sd_configs:
              - server: consul.internal:8500
                token: consul-s3cr3t
                datacenter: dc1
                services: [api, web]
                tags: [prod]
                node_meta:
                  rack: r1
                allow_stale: false
            kubernetes_sd_configs:
              - role: pod
                namespaces:
                  names: [default, monitoring]
                selectors:
                  - role: pod
                    label: app=api
                attach_metadata:
                  node: true
              - role: endpoints
                api_server: https://kubernetes.default.svc
                bearer_token_file: /var/run/secrets/token
                tls_config:
                  insecure_skip_verify: true

          - job_name: oauth
            oauth2:
              client_id: pharos
              client_secret: oauth-s3cr3t
              token_url: https://auth.internal/token
              scopes: [metrics]
              endpoint_params:
                audience: metrics
            static_configs:
              - targets: ["api:8080"]

        alerting:
          alert_relabel_configs:
            - regex: replica
              action: labeldrop
          alertmanagers:
            - scheme: https
              path_prefix: /alertmanager
              timeout: 15s
              api_version: v2
              basic_auth:
                username: am
                password: am-s3cr3t
              static_configs:
                - targets: ["alertmanager:9093"]
            - file_sd_configs:
                - files: [alertmanagers.yml]

        remote_write:
          - url: https://remote.internal/api/v1/write
            name: long-term
            remote_timeout: 1m
            headers:
              X-Tenant: tenant-1
            send_exemplars: true
            send_native_histograms: true
            protobuf_message: io.prometheus.write.v2.Request
            write_relabel_configs:
              - source_labels: [__name__]
                regex: "expensive_.*"
                action: drop
            authorization:
              credentials: remote-s3cr3t
            queue_config:
              capacity: 20000
              max_shards: 100
              min_shards: 2
              max_samples_per_send: 5000
              batch_send_deadline: 10s
              min_backoff: 50ms
              max_backoff: 10s
              retry_on_http_429: true
              sample_age_limit: 1h
            metadata_config:
              send: false
              send_interval: 2m
              max_samples_per_send: 500

        remote_read:
          - url: https://remote.internal/api/v1/read
            name: archive
            read_recent: true
            required_matchers:
              env: prod
            filter_external_labels: false

        storage:
          tsdb:
            out_of_order_time_window: 30m
          exemplars:
            max_exemplars: 500000

        otlp:
          promote_resource_attributes: [service.name, k8s.pod.name]
          translation_strategy: NoUTF8EscapingWithSuffixes

        tracing:
          endpoint: tempo.internal:4317
          client_type: grpc
          sampling_fraction: 0.1
          insecure: true
          compression: gzip
          timeout: 5s
        """
}
