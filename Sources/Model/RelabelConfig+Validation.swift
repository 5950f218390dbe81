extension RelabelConfig {
    /// Checks the step as Prometheus's `relabel.Config.Validate` (`model/relabel/relabel.go`)
    /// does when it loads `prometheus.yml`; the messages name the offending key.
    ///
    /// Where Pharos differs: `RelabelConfig` keeps `regex`, `separator` and `replacement` as
    /// strings with their defaults filled in, so "left at the default" means "equal to the
    /// default" (upstream compares the regex object, so an explicit `regex: (.*)` on `keepequal`
    /// is refused there and accepted here). The regex itself is checked by `RelabelStep`.
    ///
    /// - Parameter scheme: the name validation scheme in force (Prometheus 3 defaults to UTF-8).
    /// - Throws: `ModelError.invalidRelabelConfig`.
    package func validate(scheme: NameValidationScheme = .utf8) throws(ModelError) {
        func refuse(_ reason: String) -> ModelError { .invalidRelabelConfig(action: action, reason: reason) }
        let defaults = RelabelConfig()

        if action == .hashmod, modulus == 0 {
            throw refuse("relabel configuration for hashmod requires non-zero modulus")
        }
        switch action {
        case .replace, .hashmod, .lowercase, .uppercase, .keepequal, .dropequal:
            if targetLabel.isEmpty {
                throw refuse("relabel configuration for \(action.rawValue) action requires 'target_label' value")
            }
        default:
            break
        }
        let targetHasVariables = targetLabel.utf8.contains(UInt8(ascii: "$"))
        let invalidTarget = refuse("\(targetLabel.quotedForPromQL) is invalid 'target_label' for \(action.rawValue) action")
        switch action {
        case .replace:
            if targetHasVariables {
                guard Self.isValidTemplateName(targetLabel, scheme: scheme) else { throw invalidTarget }
            } else {
                guard scheme.isValidLabelName(targetLabel) else { throw invalidTarget }
            }
        case .lowercase, .uppercase, .keepequal, .dropequal, .hashmod:
            guard scheme.isValidLabelName(targetLabel) else { throw invalidTarget }
        default:
            break
        }
        switch action {
        case .lowercase, .uppercase, .keepequal, .dropequal:
            if replacement != defaults.replacement {
                throw refuse("'replacement' can not be set for \(action.rawValue) action")
            }
        case .labelmap:
            if !Self.isValidTemplateName(replacement, scheme: scheme) {
                throw refuse("\(replacement.quotedForPromQL) is invalid 'replacement' for labelmap action")
            }
        default:
            break
        }
        switch action {
        case .keepequal, .dropequal:
            if regex != defaults.regex || modulus != defaults.modulus || separator != defaults.separator
                || replacement != defaults.replacement
            {
                throw refuse("\(action.rawValue) action requires only 'source_labels' and `target_label`, and no other fields")
            }
        case .labeldrop, .labelkeep:
            if !sourceLabels.isEmpty || targetLabel != defaults.targetLabel || modulus != defaults.modulus
                || separator != defaults.separator || replacement != defaults.replacement
            {
                throw refuse("\(action.rawValue) action requires only 'regex', and no other fields")
            }
        default:
            break
        }
    }

    /// Whether a name that may hold `$1`/`${name}` references is acceptable: under UTF-8 any
    /// valid name; under legacy, upstream's `relabelTargetLegacy` expression.
    private static func isValidTemplateName(_ name: String, scheme: NameValidationScheme) -> Bool {
        switch scheme {
        case .utf8: scheme.isValidLabelName(name)
        case .legacy: legacyTemplateName.matchesWhole(name)
        }
    }

    /// Upstream's `relabelTargetLegacy`: legacy name characters plus `$var`/`${var}` references.
    private static let legacyTemplateName: RE2Regex = {
        do {
            return try RE2Regex(#"^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$"#)
        } catch {
            preconditionFailure("BUG: the legacy relabel target expression does not compile: \(error)")
        }
    }()
}
