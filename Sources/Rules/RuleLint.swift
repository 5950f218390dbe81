package import Model

/// `promtool check rules --lint`: problems that do not make a file invalid but are likely mistakes.
package enum RuleLint {
    /// A rule name and label set that more than one rule of a file shares.
    package struct Duplicate: Sendable, Equatable {
        /// The record or alert name.
        package var name: String
        /// The group's labels with the rule's own on top.
        package var labels: Labels
    }

    /// Rules with the same name and labels (group labels included), each reported once, sorted
    /// by name then labels, as promtool's `checkDuplicates` does.
    package static func duplicateRules(in file: RuleFile) -> [Duplicate] {
        var keys: [Duplicate] = []
        for group in file.groups {
            for rule in group.rules {
                let merged = group.labels(of: rule)
                keys.append(Duplicate(name: rule.name, labels: Labels(merged.map { Label(name: $0.key, value: $0.value) })))
            }
        }
        keys.sort { $0.name != $1.name ? $0.name < $1.name : Labels.compare($0.labels, $1.labels) < 0 }
        var duplicates: [Duplicate] = []
        for (previous, current) in zip(keys, keys.dropFirst()) where previous == current {
            if duplicates.last != current { duplicates.append(current) }
        }
        return duplicates
    }

    /// promtool's message for `duplicates` (without its `lint error` prefix's trailing space).
    package static func describe(_ duplicates: [Duplicate]) -> String {
        var message = "lint error \(duplicates.count) duplicate rule(s) found.\n"
        for duplicate in duplicates {
            message += "Metric: \(duplicate.name)\nLabel(s):\n"
            for label in duplicate.labels { message += "\t\(label.name): \(label.value)\n" }
        }
        return message + "Might cause inconsistency while recording expressions"
    }
}
