internal import Yams

/// `runtime`: process tuning.
package struct RuntimeConfig: Sendable, Equatable, YAMLStruct {
    /// `gogc`: Go's GC target; kept for compatibility (Pharos has no Go GC), 75 by default.
    package var gogc = 75

    /// The defaults.
    package init() {}

    static var yamlTypeName: String { "config.RuntimeConfig" }
    static var yamlFields: [YAMLField<RuntimeConfig>] { [YAMLField("gogc", \.gogc)] }

    mutating func validate(line: Int) throws(ConfigError) {
        // An empty or zero block means the default, as upstream's isZero check.
        if gogc == 0 { gogc = 75 }
    }
}

/// `otlp`: how the OTLP receiver translates metrics.
package struct OTLPConfig: Sendable, Equatable, YAMLStruct {
    /// `promote_all_resource_attributes`.
    package var promoteAllResourceAttributes = false
    /// `promote_resource_attributes`.
    package var promoteResourceAttributes: [String] = []
    /// `ignore_resource_attributes` (only with `promote_all_resource_attributes`).
    package var ignoreResourceAttributes: [String] = []
    /// `translation_strategy`; `UnderscoreEscapingWithSuffixes` by default.
    package var translationStrategy = "UnderscoreEscapingWithSuffixes"
    /// `keep_identifying_resource_attributes`.
    package var keepIdentifyingResourceAttributes = false
    /// `convert_histograms_to_nhcb`.
    package var convertHistogramsToNHCB = false
    /// `promote_scope_metadata`.
    package var promoteScopeMetadata = false
    /// `label_name_underscore_sanitization`; true.
    package var labelNameUnderscoreSanitization = true
    /// `label_name_preserve_multiple_underscores`; true.
    package var labelNamePreserveMultipleUnderscores = true

    /// The defaults.
    package init() {}

    static let translationStrategies = [
        "UnderscoreEscapingWithSuffixes", "UnderscoreEscapingWithoutSuffixes", "NoUTF8EscapingWithSuffixes",
        "NoTranslation",
    ]

    static var yamlTypeName: String { "config.OTLPConfig" }
    static var yamlFields: [YAMLField<OTLPConfig>] {
        [
            YAMLField("promote_all_resource_attributes", \.promoteAllResourceAttributes),
            YAMLField("promote_resource_attributes", \.promoteResourceAttributes),
            YAMLField("ignore_resource_attributes", \.ignoreResourceAttributes),
            YAMLField("translation_strategy", \.translationStrategy),
            YAMLField("keep_identifying_resource_attributes", \.keepIdentifyingResourceAttributes),
            YAMLField("convert_histograms_to_nhcb", \.convertHistogramsToNHCB),
            YAMLField("promote_scope_metadata", \.promoteScopeMetadata),
            YAMLField("label_name_underscore_sanitization", \.labelNameUnderscoreSanitization),
            YAMLField("label_name_preserve_multiple_underscores", \.labelNamePreserveMultipleUnderscores),
        ]
    }

    mutating func validate(line: Int) throws(ConfigError) {
        if promoteAllResourceAttributes {
            if !promoteResourceAttributes.isEmpty {
                throw .invalid("'promote_all_resource_attributes' and 'promote_resource_attributes' cannot be configured simultaneously", line: line)
            }
            ignoreResourceAttributes = try OTLPConfig.sanitize(ignoreResourceAttributes, "ignored", key: "ignore_resource_attributes", line: line)
        } else {
            if !ignoreResourceAttributes.isEmpty {
                throw .invalid("'ignore_resource_attributes' cannot be configured unless 'promote_all_resource_attributes' is true", line: line)
            }
            promoteResourceAttributes = try OTLPConfig.sanitize(promoteResourceAttributes, "promoted", key: "promote_resource_attributes", line: line)
        }
        if translationStrategy.isEmpty { translationStrategy = "UnderscoreEscapingWithSuffixes" }
        if !OTLPConfig.translationStrategies.contains(translationStrategy) {
            throw .invalid("unsupported OTLP translation strategy \"\(translationStrategy)\"", line: line)
        }
    }

    private static func sanitize(_ attributes: [String], _ adjective: String, key: String, line: Int) throws(ConfigError) -> [String] {
        var seen: Set<String> = []
        var result: [String] = []
        for raw in attributes {
            let attribute = String(raw.trimmingWhitespace)
            if attribute.isEmpty { throw .invalid("invalid '\(key)': empty \(adjective) OTel resource attribute", line: line) }
            if !seen.insert(attribute).inserted {
                throw .invalid("invalid '\(key)': duplicated \(adjective) OTel resource attribute \"\(attribute)\"", line: line)
            }
            result.append(attribute)
        }
        return result
    }
}

/// `tracing`: exporting Pharos's own traces over OTLP.
package struct TracingConfig: Sendable, Equatable, YAMLStruct {
    /// `client_type`: `grpc` (the default once the section is given) or `http`; empty when tracing is off.
    package var clientType = ""
    /// `endpoint` (required when the section is present).
    package var endpoint = ""
    /// `sampling_fraction`.
    package var samplingFraction: Double = 0
    /// `insecure`.
    package var insecure = false
    /// `tls_config`.
    package var tls = TLSConfig()
    /// `headers`.
    package var headers: [String: String] = [:]
    /// `compression`: empty or `gzip`.
    package var compression = ""
    /// `timeout`; 10s when zero.
    package var timeout: Duration = .zero

    /// Tracing off.
    package init() {}

    static var yamlTypeName: String { "config.TracingConfig" }
    static var yamlFields: [YAMLField<TracingConfig>] {
        [
            YAMLField("client_type", \.clientType), YAMLField("endpoint", \.endpoint),
            YAMLField("sampling_fraction", \.samplingFraction), YAMLField("insecure", \.insecure),
            YAMLField("tls_config", \.tls), YAMLField("headers", \.headers),
            YAMLField("compression", \.compression), YAMLField("timeout", \.timeout),
        ]
    }

    mutating func validate(line: Int) throws(ConfigError) {
        if clientType.isEmpty { clientType = "grpc" }
        if clientType != "grpc" && clientType != "http" {
            throw .invalid("expected tracing client type to be to be http or grpc, but got \(clientType)", line: line)
        }
        for name in headers.keys.sorted() {
            if name.lowercased() == "authorization" {
                throw .invalid("custom authorization header configuration is not yet supported", line: line)
            }
            if HTTPClientConfig.reservedHeaders.contains(name.lowercased()) {
                throw .invalid("\(name) is a reserved header. It must not be changed", line: line)
            }
        }
        if endpoint.isEmpty { throw .invalid("tracing endpoint must be set", line: line) }
        if !compression.isEmpty && compression != "gzip" {
            throw .invalid("invalid compression type \(compression) provided, valid options: gzip", line: line)
        }
    }
}
