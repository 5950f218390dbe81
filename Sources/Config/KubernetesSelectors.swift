internal import Foundation

/// Syntax checks for the `label` and `field` selectors of `kubernetes_sd_configs`, as the
/// Kubernetes client libraries (`apimachinery` `labels.Parse`, `fields.ParseSelector`) that
/// Prometheus calls refuse them: a config whose selectors the API server would reject fails at load.
enum KubernetesSelectors {
    /// Checks a label selector: comma-separated `key`, `!key`, `key=value`, `key==value`,
    /// `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key>1`, `key<1`.
    /// - Returns: the reason it is invalid, or `nil`.
    static func labelSelectorError(_ selector: String) -> String? {
        if selector.trimmingWhitespace.isEmpty { return nil }
        for raw in splitRequirements(selector) {
            let requirement = String(raw.trimmingWhitespace)
            if requirement.isEmpty { return "found ',', expected: !, identifier, or 'end of string'" }
            if requirement.hasPrefix("!") {
                let key = String(requirement.dropFirst().trimmingWhitespace)
                if let error = keyError(key) { return error }
                continue
            }
            let set = setRequirement(requirement)
            if set.matched {
                if let error = set.error { return error }
                continue
            }
            if let (key, value) = split(requirement, operators: ["==", "!=", "=", ">", "<"]) {
                if let error = keyError(key) { return error }
                if let op = requirement.first(where: { $0 == ">" || $0 == "<" }), Int(value) == nil {
                    return "for '\(op)' operator, the value must be an integer: \(value)"
                }
                if let error = valueError(value) { return error }
                continue
            }
            if requirement.contains(" ") && !requirement.contains(" in ") && !requirement.contains(" notin ") {
                return "found '\(requirement)', expected: '=', '!=', '==', 'in', notin'"
            }
            if let error = keyError(requirement) { return error }
        }
        return nil
    }

    /// Checks a field selector: comma-separated `key=value`, `key==value`, `key!=value`.
    /// - Returns: the reason it is invalid, or `nil`.
    static func fieldSelectorError(_ selector: String) -> String? {
        if selector.isEmpty { return nil }
        for requirement in splitRequirements(selector) {
            guard let (key, _) = split(String(requirement), operators: ["==", "!=", "="]), !key.isEmpty else {
                return "invalid selector: '\(selector)'; can't understand '\(requirement)'"
            }
        }
        return nil
    }

    /// Splits on commas outside parentheses.
    private static func splitRequirements(_ selector: String) -> [Substring] {
        var parts: [Substring] = []
        var depth = 0
        var start = selector.startIndex
        for index in selector.indices {
            switch selector[index] {
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                parts.append(selector[start..<index])
                start = selector.index(after: index)
            default: break
            }
        }
        parts.append(selector[start...])
        return parts
    }

    /// `key in (a, b)` and `key notin (a, b)`: whether `requirement` is one, and what is wrong with it.
    private static func setRequirement(_ requirement: String) -> (matched: Bool, error: String?) {
        for op in [" notin ", " in "] {
            guard let range = requirement.range(of: op) else { continue }
            let key = String(requirement[..<range.lowerBound].trimmingWhitespace)
            let list = requirement[range.upperBound...].trimmingWhitespace
            if let error = keyError(key) { return (true, error) }
            guard list.hasPrefix("("), list.hasSuffix(")") else { return (true, "found '\(list)', expected: '('") }
            let inner = list.dropFirst().dropLast()
            if inner.trimmingWhitespace.isEmpty {
                return (true, "for 'in', 'notin' operators, values set can't be empty")
            }
            for value in inner.split(separator: ",", omittingEmptySubsequences: false) {
                if let error = valueError(String(value.trimmingWhitespace)) { return (true, error) }
            }
            return (true, nil)
        }
        return (false, nil)
    }

    private static func split(_ text: String, operators: [String]) -> (String, String)? {
        for op in operators {
            if let range = text.range(of: op) {
                return (String(text[..<range.lowerBound].trimmingWhitespace), String(text[range.upperBound...].trimmingWhitespace))
            }
        }
        return nil
    }

    /// A qualified name: an optional DNS subdomain prefix and `/`, then a name of at most 63
    /// characters of `[A-Za-z0-9_.-]` starting and ending alphanumerically.
    private static func keyError(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.last, isName(name), parts.count == 1 || isSubdomain(parts[0]) else {
            return "invalid label key \"\(key)\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        }
        return nil
    }

    private static func valueError(_ value: String) -> String? {
        value.isEmpty || isName(Substring(value)) ? nil
            : "invalid label value: \"\(value)\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    }

    private static func isName(_ name: Substring) -> Bool {
        guard !name.isEmpty, name.count <= 63, let first = name.first, let last = name.last,
            first.isASCII && (first.isLetter || first.isNumber), last.isASCII && (last.isLetter || last.isNumber)
        else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }

    private static func isSubdomain(_ prefix: Substring) -> Bool {
        !prefix.isEmpty && prefix.count <= 253
            && prefix.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
                !label.isEmpty && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
            }
    }
}
