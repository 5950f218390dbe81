import Config
import Foundation
import Model

/// Decodes target groups in JSON, as `file_sd_configs` files and `http_sd_configs` answers hold
/// them: `[{"targets": ["host:port", ...], "labels": {...}}, ...]`.
///
/// As Go's `encoding/json` into `targetgroup.Group`: unknown keys are ignored, `targets` and
/// `labels` may be missing or null, every other shape is an error naming the group.
enum TargetGroupJSON {
    /// Why a document is not a list of target groups.
    struct Malformed: Error {
        var reason: String
    }

    static func decode(_ data: Data) throws(Malformed) -> [TargetGroup] {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw Malformed(reason: "invalid JSON: \(error.localizedDescription)")
        }
        guard let items = root as? [Any] else {
            throw Malformed(reason: "expected a list of target groups")
        }
        var groups: [TargetGroup] = []
        groups.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard let object = item as? [String: Any] else {
                let reason = item is NSNull ? "nil target group item found" : "target group \(index) is not an object"
                throw Malformed(reason: reason)
            }
            var group = TargetGroup()
            switch object["targets"] {
            case nil, is NSNull: break
            case let targets as [Any]:
                for target in targets {
                    guard let address = target as? String, !(target is NSNumber) else {
                        throw Malformed(reason: "target group \(index): targets must be strings")
                    }
                    group.targets.append(address)
                }
            default:
                throw Malformed(reason: "target group \(index): targets must be a list")
            }
            switch object["labels"] {
            case nil, is NSNull: break
            case let labels as [String: Any]:
                var pairs: [Label] = []
                for (name, value) in labels {
                    guard !name.isEmpty else {
                        throw Malformed(reason: "target group \(index): \"\" is not a valid label name")
                    }
                    guard let text = value as? String, !(value is NSNumber) else {
                        throw Malformed(reason: "target group \(index): label \"\(name)\" must be a string")
                    }
                    pairs.append(Label(name: name, value: text))
                }
                group.labels = Labels(pairs)
            default:
                throw Malformed(reason: "target group \(index): labels must be an object")
            }
            groups.append(group)
        }
        return groups
    }
}
