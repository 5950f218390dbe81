internal import Config
internal import Foundation
internal import Yams

/// Decoders for the nested structures of schema-read integrations, strict like the rest.
enum NestedIntegrationValues {
    /// A list of small mappings with the given string keys.
    static func records(_ node: Node, keys: [String]) throws(ConfigError) -> [[String: String]] {
        guard case .sequence(let items) = node else {
            throw .typeMismatch(found: StrictYAML.goDescription(node), expected: "[]config.plain", line: StrictYAML.line(node))
        }
        var result: [[String: String]] = []
        for item in items { result.append(try record(item, keys: keys)) }
        return result
    }

    /// One mapping with the given keys; booleans and numbers are kept as written.
    static func record(_ node: Node, keys: [String], type: String = "config.plain") throws(ConfigError) -> [String: String] {
        var map = try YAMLMapping(node, type: type)
        var result: [String: String] = [:]
        for key in keys {
            if let value = map.take(key), !StrictYAML.isNull(value) { result[key] = try StrictYAML.string(value) }
        }
        try map.finish()
        return result
    }

    /// OpsGenie `responders`: each names an `id`, `name` or `username`, and a `type` that is one of
    /// Alertmanager's (`team`, `teams`, `user`, `escalation`, `schedule`) or a template.
    static func opsgenieResponders(_ node: Node) throws(ConfigError) -> IntegrationValue {
        let responders = try records(node, keys: ["id", "name", "username", "type"])
        for responder in responders {
            let id = responder["id"] ?? "", name = responder["name"] ?? "", username = responder["username"] ?? ""
            let type = responder["type"] ?? ""
            // Printed as Go's %v prints the struct: fields in declaration order.
            let shown = "{\(id) \(name) \(username) \(type)}"
            if id.isEmpty && name.isEmpty && username.isEmpty {
                throw .invalid("opsGenieConfig responder \(shown) has to have at least one of id, username or name specified", line: StrictYAML.line(node))
            }
            if !type.contains("{{") && !["team", "teams", "user", "escalation", "schedule"].contains(type.lowercased()) {
                throw .invalid(
                    "opsGenieConfig responder \(shown) type does not match valid options ^(team|teams|user|escalation|schedule)$",
                    line: StrictYAML.line(node))
            }
        }
        return .records(responders)
    }

    /// SNS `sigv4` (`prometheus/common` `sigv4.SigV4Config`): access and secret key come together.
    static func sigv4(_ node: Node) throws(ConfigError) -> IntegrationValue {
        let record = try record(
            node, keys: ["region", "access_key", "secret_key", "profile", "role_arn", "use_fips_sts_endpoint"], type: "sigv4.SigV4Config")
        if (record["access_key"] ?? "").isEmpty != (record["secret_key"] ?? "").isEmpty {
            throw .invalid(
                "must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config",
                line: StrictYAML.line(node))
        }
        return .records([record])
    }

    /// Jira `fields`: free-form values sent as they are; only a mapping is required.
    static func anyMapping(_ node: Node) throws(ConfigError) -> IntegrationValue {
        _ = try StrictYAML.entries(node, type: "map[string]interface {}")
        return .nested
    }
}
