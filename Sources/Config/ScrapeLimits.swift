internal import Yams

/// The per-scrape limits, set in `global` and per job (a job's zero means "the global one"), as
/// Prometheus's `GlobalConfig` and `ScrapeConfig` both carry them. 0 means no limit.
package struct ScrapeLimits: Sendable, Equatable, YAMLStruct {
    /// `body_size_limit`: the largest uncompressed body accepted.
    package var bodySizeLimit = ByteSize(bytes: 0)
    /// `sample_limit`: samples per scrape after metric relabeling.
    package var sampleLimit: UInt = 0
    /// `target_limit`: targets per job after target relabeling.
    package var targetLimit: UInt = 0
    /// `label_limit`: labels per sample.
    package var labelLimit: UInt = 0
    /// `label_name_length_limit`: bytes per label name.
    package var labelNameLengthLimit: UInt = 0
    /// `label_value_length_limit`: bytes per label value.
    package var labelValueLengthLimit: UInt = 0
    /// `keep_dropped_targets`: dropped targets kept per job for the targets page.
    package var keepDroppedTargets: UInt = 0

    /// No limits.
    package init() {}

    static var yamlTypeName: String { "config.ScrapeLimits" }
    static var yamlFields: [YAMLField<ScrapeLimits>] {
        [
            YAMLField("body_size_limit", \.bodySizeLimit), YAMLField("sample_limit", \.sampleLimit),
            YAMLField("target_limit", \.targetLimit), YAMLField("label_limit", \.labelLimit),
            YAMLField("label_name_length_limit", \.labelNameLengthLimit),
            YAMLField("label_value_length_limit", \.labelValueLengthLimit),
            YAMLField("keep_dropped_targets", \.keepDroppedTargets),
        ]
    }

    /// Takes each limit left at zero from `defaults` (the global limits).
    mutating func inherit(from defaults: ScrapeLimits) {
        if bodySizeLimit.bytes == 0 { bodySizeLimit = defaults.bodySizeLimit }
        if sampleLimit == 0 { sampleLimit = defaults.sampleLimit }
        if targetLimit == 0 { targetLimit = defaults.targetLimit }
        if labelLimit == 0 { labelLimit = defaults.labelLimit }
        if labelNameLengthLimit == 0 { labelNameLengthLimit = defaults.labelNameLengthLimit }
        if labelValueLengthLimit == 0 { labelValueLengthLimit = defaults.labelValueLengthLimit }
        if keepDroppedTargets == 0 { keepDroppedTargets = defaults.keepDroppedTargets }
    }
}
