import Config
import Exposition
import Model

/// How a pool labels, filters and limits what its targets expose; resolved once per config.
struct SampleOptions: Sendable {
    var honorLabels: Bool
    var honorTimestamps: Bool
    var trackTimestampsStaleness: Bool
    var metricRelabeler: Relabeler
    /// 0 means no limit, as in the config.
    var sampleLimit: Int
    var labelLimit: Int
    var labelNameLengthLimit: Int
    var labelValueLengthLimit: Int
    /// The format for a body whose `Content-Type` no parser handles (`fallback_scrape_protocol`).
    var fallbackFormat: ExpositionFormat?
    var nameValidation: NameValidationScheme

    init(_ config: ScrapeConfig) throws(ModelError) {
        honorLabels = config.honorLabels
        honorTimestamps = config.honorTimestamps
        trackTimestampsStaleness = config.trackTimestampsStaleness
        nameValidation = config.metricNameValidationScheme ?? .utf8
        metricRelabeler = try Relabeler(config.metricRelabelConfigs, scheme: nameValidation)
        sampleLimit = Int(clamping: config.limits.sampleLimit)
        labelLimit = Int(clamping: config.limits.labelLimit)
        labelNameLengthLimit = Int(clamping: config.limits.labelNameLengthLimit)
        labelValueLengthLimit = Int(clamping: config.limits.labelValueLengthLimit)
        fallbackFormat = config.fallbackScrapeProtocol.map(ExpositionFormat.init(protocol:))
    }
}
