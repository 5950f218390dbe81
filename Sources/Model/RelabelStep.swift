internal import Crypto

/// One `relabel_configs` entry, validated and compiled once: its regex compiled (with the fast
/// paths of `FastRegexMatcher`) and its templates parsed, ready to run on every target or series.
///
/// Behaviour follows Prometheus's `relabel` function (`model/relabel/relabel.go`) action by action.
/// A class: a step is shared, never mutated, and passing one around costs one retain instead of
/// one per compiled part (measured: copying the struct per step per series showed in profiles).
package final class RelabelStep: Sendable {
    /// The configuration the step was compiled from.
    package let config: RelabelConfig
    /// The scheme deciding which `target_label` values `replace` may write.
    package let scheme: NameValidationScheme
    private let matcher: FastRegexMatcher
    private let target: ReplacementTemplate
    private let replacement: ReplacementTemplate
    /// `regex` is the default `(.*)`: group 1 is the whole value, no need to ask RE2.
    private let regexIsDefault: Bool

    /// Validates and compiles `config`.
    ///
    /// - Parameters:
    ///   - config: the step as read from the configuration.
    ///   - scheme: the name validation scheme in force (Prometheus 3 defaults to UTF-8).
    /// - Throws: `ModelError.invalidRelabelConfig` for a combination Prometheus refuses,
    ///   `ModelError.invalidRegex` for a regex RE2 refuses.
    package init(_ config: RelabelConfig, scheme: NameValidationScheme = .utf8) throws(ModelError) {
        try config.validate(scheme: scheme)
        self.config = config
        self.scheme = scheme
        matcher = try FastRegexMatcher(config.regex)
        target = ReplacementTemplate(config.targetLabel, regex: matcher.re2)
        replacement = ReplacementTemplate(config.replacement, regex: matcher.re2)
        regexIsDefault = config.regex == RelabelConfig().regex
    }

    /// Applies the step to `builder`.
    ///
    /// - Returns: `false` when the step drops the target or series (`keep`, `drop`,
    ///   `keepequal`, `dropequal`); `builder` is then left as it was.
    package func apply(to builder: inout LabelsBuilder) -> Bool {
        switch config.action {
        case .drop:
            return !sourceMatches(builder)
        case .keep:
            return sourceMatches(builder)
        case .dropequal:
            return (builder.value(of: config.targetLabel) ?? "") != sourceValue(builder)
        case .keepequal:
            return (builder.value(of: config.targetLabel) ?? "") == sourceValue(builder)
        case .replace:
            replace(sourceValue(builder), in: &builder)
        case .lowercase:
            builder.set(config.targetLabel, sourceValue(builder).goLowercased)
        case .uppercase:
            builder.set(config.targetLabel, sourceValue(builder).goUppercased)
        case .hashmod:
            builder.set(config.targetLabel, String(Self.hashmod(sourceValue(builder), modulus: config.modulus)))
        case .labelmap:
            for label in builder.current {
                // Most names do not match (`__meta_kubernetes_pod_label_(.+)`): the fast path
                // says so without RE2, which then runs only to extract groups.
                guard matcher.matches(label.name), let groups = matcher.re2.wholeMatchGroups(label.name) else { continue }
                builder.set(replacement.expand(source: label.name, groups: groups), label.value)
            }
        case .labeldrop:
            builder.delete(whereName: { matcher.matches(bytes: $0) })
        case .labelkeep:
            builder.delete(whereName: { !matcher.matches(bytes: $0) })
        }
        return true
    }

    /// Whether the joined source value matches; with one source label (the usual `keep`/`drop`
    /// on `__name__`, run for every scraped series) without building a `String`.
    private func sourceMatches(_ builder: LabelsBuilder) -> Bool {
        if config.sourceLabels.count == 1 {
            return builder.withValueBytes(of: config.sourceLabels[0]) { matcher.matches(bytes: $0) }
        }
        return matcher.matches(sourceValue(builder))
    }

    /// The values of `source_labels` (empty for absent ones) joined with `separator`.
    private func sourceValue(_ builder: LabelsBuilder) -> String {
        switch config.sourceLabels.count {
        case 0: return ""
        case 1: return builder.value(of: config.sourceLabels[0]) ?? ""
        default:
            var value = ""
            for (index, name) in config.sourceLabels.enumerated() {
                if index > 0 { value += config.separator }
                value += builder.value(of: name) ?? ""
            }
            return value
        }
    }

    private func replace(_ value: String, in builder: inout LabelsBuilder) {
        // Upstream's fast path for the common "set a constant label" step; it skips the
        // runtime check of the target name, which validation has already done.
        if value.isEmpty, regexIsDefault, !target.hasVariables, !replacement.hasVariables {
            builder.set(config.targetLabel, config.replacement)
            return
        }
        let groups: [Range<Int>?]
        if regexIsDefault {
            let whole = 0..<value.utf8.count
            groups = [whole, whole]
        } else {
            if matcher.isOptimized, !matcher.matches(value) { return }
            guard let matched = matcher.re2.wholeMatchGroups(value) else { return }  // no match: unchanged
            groups = matched
        }
        let name = target.expand(source: value, groups: groups)
        guard scheme.isValidLabelName(name) else { return }
        // An empty result deletes the label (`set` with an empty value does).
        builder.set(name, replacement.expand(source: value, groups: groups))
    }

    /// Prometheus's shard number: the last 8 bytes of the MD5 of `value`, big-endian, modulo
    /// `modulus` ("to give the same result as earlier versions", says upstream).
    static func hashmod(_ value: String, modulus: UInt64) -> UInt64 {
        let digest = Insecure.MD5.hash(data: Array(value.utf8))
        var tail: UInt64 = 0
        for (index, byte) in digest.enumerated() where index >= 8 {
            tail = tail << 8 | UInt64(byte)
        }
        return tail % modulus
    }
}
