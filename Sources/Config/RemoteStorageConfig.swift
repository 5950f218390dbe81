package import Model
internal import Yams

/// One `remote_write` entry (`config/config.go` `RemoteWriteConfig`).
package struct RemoteWriteConfig: Sendable, Equatable {
    /// The wire formats a remote write receiver may speak (`protobuf_message`).
    package enum ProtobufMessage: String, Sendable, CaseIterable, YAMLCodable {
        case v1 = "prometheus.WriteRequest"
        case v2 = "io.prometheus.write.v2.Request"

        static func decode(_ node: Node) throws(ConfigError) -> ProtobufMessage {
            let text = try String.decode(node)
            guard let value = ProtobufMessage(rawValue: text) else {
                throw .invalid("invalid protobuf_message value: unknown type for remote write protobuf message \(text), supported: prometheus.WriteRequest, io.prometheus.write.v2.Request", line: node.line)
            }
            return value
        }
        func encode() -> Node? { .plain(rawValue) }
    }

    /// `url` (required).
    package var url = ""
    /// `remote_timeout`; 30s by default.
    package var remoteTimeout: Duration = .seconds(30)
    /// `headers` added to every request.
    package var headers: [String: String] = [:]
    /// `write_relabel_configs`.
    package var writeRelabelConfigs: [RelabelConfig] = []
    /// `name`, unique among remote writes when given.
    package var name = ""
    /// `send_exemplars`.
    package var sendExemplars = false
    /// `send_native_histograms`.
    package var sendNativeHistograms = false
    /// `round_robin_dns`.
    package var roundRobinDNS = false
    /// `protobuf_message`; remote write 1.0 by default.
    package var protobufMessage = ProtobufMessage.v1
    /// The inlined `<http_config>`; HTTP/2 is off by default for remote write.
    package var http: HTTPClientConfig = {
        var http = HTTPClientConfig()
        http.enableHTTP2 = false
        return http
    }()
    /// `queue_config`.
    package var queueConfig = QueueConfig()
    /// `metadata_config`.
    package var metadataConfig = MetadataConfig()

    /// The defaults.
    package init() {}
}

extension RemoteWriteConfig: YAMLStruct {
    static var yamlTypeName: String { "config.RemoteWriteConfig" }
    static var yamlFields: [YAMLField<RemoteWriteConfig>] {
        [
            YAMLField("url", \.url, omitEmpty: false), YAMLField("remote_timeout", \.remoteTimeout),
            YAMLField("headers", \.headers), 
            .relabelRules("write_relabel_configs", \.writeRelabelConfigs, nullMessage: "empty or null relabeling rule in remote write config"),
            YAMLField("name", \.name), YAMLField("send_exemplars", \.sendExemplars),
            YAMLField("send_native_histograms", \.sendNativeHistograms),
            YAMLField("round_robin_dns", \.roundRobinDNS), YAMLField("protobuf_message", \.protobufMessage),
        ] + YAMLField.inline(\.http) + [
            YAMLField("queue_config", \.queueConfig), YAMLField("metadata_config", \.metadataConfig),
        ] + ["sigv4", "azuread", "google_iam"].map { key in
            YAMLField(key) { (_: inout RemoteWriteConfig, _: Node, keyNode: Node) throws(ConfigError) in
                throw .invalid("\(key) is not supported by Pharos", line: keyNode.line)
            }
        }
    }

    static func decodeNull(line: Int) throws(ConfigError) -> RemoteWriteConfig {
        throw .invalid("empty or null remote write config section", line: line)
    }

    mutating func validate(line: Int) throws(ConfigError) {
        if url.isEmpty { throw .invalid("url for remote_write is empty", line: line) }
        try RemoteWriteConfig.checkHeaders(headers, line: line)
        try http.validate(line: line)
        try queueConfig.check(line: line)
    }

    /// Headers Prometheus sets itself may not be set in `headers` (`validateHeaders`).
    static func checkHeaders(_ headers: [String: String], line: Int) throws(ConfigError) {
        for name in headers.keys.sorted() {
            if name.lowercased() == "authorization" {
                throw .invalid("authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter", line: line)
            }
            if HTTPClientConfig.reservedHeaders.contains(name.lowercased()) {
                throw .invalid("\(name) is a reserved header. It must not be changed", line: line)
            }
        }
    }
}

/// `queue_config` of a remote write, with Prometheus's defaults.
package struct QueueConfig: Sendable, Equatable, YAMLStruct {
    /// `capacity`: samples buffered per shard; 10000.
    package var capacity = 10_000
    /// `max_shards`; 50.
    package var maxShards = 50
    /// `min_shards`; 1.
    package var minShards = 1
    /// `max_samples_per_send`; 2000.
    package var maxSamplesPerSend = 2_000
    /// `batch_send_deadline`; 5s.
    package var batchSendDeadline: Duration = .seconds(5)
    /// `min_backoff`; 30ms.
    package var minBackoff: Duration = .milliseconds(30)
    /// `max_backoff`; 5s.
    package var maxBackoff: Duration = .seconds(5)
    /// `retry_on_http_429`.
    package var retryOnRateLimit = false
    /// `sample_age_limit`; 0 keeps every sample.
    package var sampleAgeLimit: Duration = .zero

    /// Prometheus's defaults.
    package init() {}

    static var yamlTypeName: String { "config.QueueConfig" }
    static var yamlFields: [YAMLField<QueueConfig>] {
        [
            YAMLField("capacity", \.capacity), YAMLField("max_shards", \.maxShards),
            YAMLField("min_shards", \.minShards), YAMLField("max_samples_per_send", \.maxSamplesPerSend),
            YAMLField("batch_send_deadline", \.batchSendDeadline), YAMLField("min_backoff", \.minBackoff),
            YAMLField("max_backoff", \.maxBackoff), YAMLField("retry_on_http_429", \.retryOnRateLimit),
            YAMLField("sample_age_limit", \.sampleAgeLimit),
        ]
    }

    /// Upstream's `QueueConfig.Validate`, run by the remote write entry.
    func check(line: Int) throws(ConfigError) {
        func fail(_ message: String) -> ConfigError { .invalid("remote write queue \(message)", line: line) }
        if maxShards <= 0 { throw fail("max_shards must be positive") }
        if minShards <= 0 { throw fail("min_shards must be positive") }
        if minShards > maxShards { throw fail("min_shards must not be greater than max_shards") }
        if maxSamplesPerSend <= 0 { throw fail("max_samples_per_send must be positive") }
        if capacity <= 0 { throw fail("capacity must be positive") }
        if maxBackoff < minBackoff { throw fail("max_backoff must not be less than min_backoff") }
    }
}

/// `metadata_config` of a remote write.
package struct MetadataConfig: Sendable, Equatable, YAMLStruct {
    /// `send`; true.
    package var send = true
    /// `send_interval`; 1m.
    package var sendInterval: Duration = .seconds(60)
    /// `max_samples_per_send`; 2000.
    package var maxSamplesPerSend = 2_000

    /// Prometheus's defaults.
    package init() {}

    static var yamlTypeName: String { "config.MetadataConfig" }
    static var yamlFields: [YAMLField<MetadataConfig>] {
        [
            YAMLField("send", \.send, omitEmpty: false), YAMLField("send_interval", \.sendInterval, omitEmpty: false),
            YAMLField("max_samples_per_send", \.maxSamplesPerSend),
        ]
    }
}

/// One `remote_read` entry (`config/config.go` `RemoteReadConfig`).
package struct RemoteReadConfig: Sendable, Equatable, YAMLStruct {
    /// `url` (required).
    package var url = ""
    /// `remote_timeout`; 1m.
    package var remoteTimeout: Duration = .seconds(60)
    /// `chunked_read_limit`: the largest frame accepted; 50 MB.
    package var chunkedReadLimit: UInt64 = 50_000_000
    /// `headers`.
    package var headers: [String: String] = [:]
    /// `read_recent`: also read ranges local storage has.
    package var readRecent = false
    /// `name`.
    package var name = ""
    /// The inlined `<http_config>`.
    package var http = HTTPClientConfig()
    /// `required_matchers`: equality matchers a selector must have to be sent here.
    package var requiredMatchers = Labels()
    /// `filter_external_labels`; true.
    package var filterExternalLabels = true

    /// The defaults.
    package init() {}

    static var yamlTypeName: String { "config.RemoteReadConfig" }
    static var yamlFields: [YAMLField<RemoteReadConfig>] {
        [
            YAMLField("url", \.url, omitEmpty: false), YAMLField("remote_timeout", \.remoteTimeout),
            YAMLField("chunked_read_limit", \.chunkedReadLimit), YAMLField("headers", \.headers),
            YAMLField("read_recent", \.readRecent), YAMLField("name", \.name),
        ] + YAMLField.inline(\.http) + [
            YAMLField("required_matchers", \.requiredMatchers),
            YAMLField("filter_external_labels", \.filterExternalLabels),
        ]
    }

    static func decodeNull(line: Int) throws(ConfigError) -> RemoteReadConfig {
        throw .invalid("empty or null remote read config section", line: line)
    }

    mutating func validate(line: Int) throws(ConfigError) {
        if url.isEmpty { throw .invalid("url for remote_read is empty", line: line) }
        try RemoteWriteConfig.checkHeaders(headers, line: line)
        try http.validate(line: line)
    }
}
