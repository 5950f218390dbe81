/// The methods of Alertmanager's notification template types (`template/template.go`):
/// `KV.SortedPairs|Names|Values|Remove`, `Pairs.Names|Values`, `Alerts.Firing|Resolved`.
///
/// Lists carry no Go type here, so `Pairs` and `Alerts` methods are found by their elements'
/// type (`template.Pair`, `template.Alert`); an empty list answers them with an empty list.
/// Go would refuse them on the `[]Alert` that `Firing` returns; Pharos is that much laxer.
package enum AlertmanagerTemplateMethods {
    /// Go type name of a label pair record.
    package static let pairType = "template.Pair"
    /// Go type name of an alert record.
    package static let alertType = "template.Alert"

    /// A `template.KV` of `entries`.
    package static func kv(_ entries: [String: String]) -> TemplateValue {
        .map(TemplateMap(entries.mapValues { .string($0) }, elementType: .string, isKV: true))
    }

    /// `KV.SortedPairs`: `alertname` first, then the names in byte order.
    package static func sortedNames(_ names: some Sequence<String>) -> [String] {
        var rest = names.filter { $0 != "alertname" }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        if names.contains("alertname") { rest.insert("alertname", at: 0) }
        return rest
    }

    static func kvMethod(_ name: String, _ map: TemplateMap) -> TemplateFunction? {
        let names = sortedNames(map.entries.keys)
        switch name {
        case "SortedPairs":
            return TemplateFunction([]) { _ in
                .list(names.map { pair($0, map.entries[$0] ?? .string("")) })
            }
        case "Names": return TemplateFunction([]) { _ in .list(names.map { .string($0) }) }
        case "Values": return TemplateFunction([]) { _ in .list(names.map { map.entries[$0] ?? .string("") }) }
        case "Remove":
            return TemplateFunction([.any]) { args throws(TemplateFunctionError) in
                let removed = Set(try strings(args[0], parameter: "[]string"))
                var result = map
                result.entries = map.entries.filter { !removed.contains($0.key) }
                return .map(result)
            }
        default: return nil
        }
    }

    static func listMethod(_ name: String, _ items: [TemplateValue]) -> TemplateFunction? {
        let elementType: String? = if case .record(let record) = items.first { record.typeName } else { nil }
        switch name {
        case "Names", "Values":
            guard elementType == nil || elementType == pairType else { return nil }
            let field = name == "Names" ? "Name" : "Value"
            return TemplateFunction([]) { _ in
                .list(items.map { item in if case .record(let r) = item { r[field: field] ?? .string("") } else { .string("") } })
            }
        case "Firing", "Resolved":
            guard elementType == nil || elementType == alertType else { return nil }
            let status = TemplateValue.string(name == "Firing" ? "firing" : "resolved")
            return TemplateFunction([]) { _ in
                .list(items.filter { item in if case .record(let r) = item { r[field: "Status"] == status } else { false } })
            }
        default: return nil
        }
    }

    static func pair(_ name: String, _ value: TemplateValue) -> TemplateValue {
        .record(TemplateRecord(typeName: pairType, fields: [("Name", .string(name)), ("Value", value)]))
    }

    /// The strings of a `[]string` argument.
    static func strings(_ value: TemplateValue, parameter: String) throws(TemplateFunctionError) -> [String] {
        switch value {
        case .list(let items):
            var result: [String] = []
            for item in items {
                guard case .string(let text) = item else {
                    throw TemplateFunctionError("wrong type for value; expected \(parameter); got \(value.goTypeName)")
                }
                result.append(text)
            }
            return result
        case .missing: return []
        default: throw TemplateFunctionError("wrong type for value; expected \(parameter); got \(value.goTypeName)")
        }
    }
}

/// The functions Alertmanager's notification templates may call (`template.DefaultFuncs`).
package enum AlertmanagerTemplateFunctions {
    /// `toUpper`, `toLower`, `title`, `join`, `match`, `safeHtml`, `reReplaceAll`, `stringSlice`.
    package static let functions: [String: TemplateFunction] = {
        let prometheus = PrometheusTemplateFunctions.functions(PrometheusTemplateContext())
        var f: [String: TemplateFunction] = [:]
        for name in ["toUpper", "toLower", "match", "safeHtml", "reReplaceAll"] { f[name] = prometheus[name] }
        f["title"] = TemplateFunction([.string]) { args in .string(titleCase(string(args[0]))) }
        f["join"] = TemplateFunction([.string, .any]) { args throws(TemplateFunctionError) in
            .string(try AlertmanagerTemplateMethods.strings(args[1], parameter: "[]string").joined(separator: string(args[0])))
        }
        f["stringSlice"] = TemplateFunction([], variadic: .string) { args in .list(args) }
        return f
    }()

    private static func string(_ value: TemplateValue) -> String {
        if case .string(let text) = value { return text }
        return ""
    }

    /// `cases.Title(language.AmericanEnglish)`: each word's first letter in title case and the
    /// rest in lower case; a word starts after anything but a letter, digit, `'` or `_`.
    static func titleCase(_ text: String) -> String {
        var out = ""
        var inWord = false
        for scalar in text.unicodeScalars {
            let wordy = scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "'" || scalar == "_"
            out += inWord ? scalar.properties.lowercaseMapping : scalar.properties.titlecaseMapping
            inWord = wordy
        }
        return out
    }
}
