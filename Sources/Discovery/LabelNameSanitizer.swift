/// Prometheus's `strutil.SanitizeLabelName`: every character outside `[a-zA-Z0-9_]` becomes `_`,
/// so that Consul metadata keys and Kubernetes label and annotation names can be label names.
enum LabelNameSanitizer {
    static func sanitize(_ name: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(name.unicodeScalars.count)
        for scalar in name.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_": result.unicodeScalars.append(scalar)
            default: result.unicodeScalars.append("_")
            }
        }
        return result
    }
}
