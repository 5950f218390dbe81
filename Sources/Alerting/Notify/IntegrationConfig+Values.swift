/// Typed reads of a schema-read integration's keys, with the Go zero value when unset.
extension IntegrationConfig {
    func bool(_ key: String) -> Bool {
        if case .bool(let value) = values[key] { return value }
        return false
    }

    func int(_ key: String) -> Int {
        if case .int(let value) = values[key] { return value }
        return 0
    }

    func duration(_ key: String) -> Duration {
        if case .duration(let value) = values[key] { return value }
        return .zero
    }

    func stringMap(_ key: String) -> [String: String] {
        if case .stringMap(let value) = values[key] { return value }
        return [:]
    }

    func records(_ key: String) -> [[String: String]] {
        if case .records(let value) = values[key] { return value }
        return []
    }

    /// The secret `key`, or the trimmed content of `fileKey`, read at each notification.
    func secret(_ key: String, file fileKey: String) throws(NotifyFailure) -> String {
        try SecretValue.read(string(key), file: string(fileKey))
    }
}
