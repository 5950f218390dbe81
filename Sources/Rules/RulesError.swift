package import Config
import Model

/// Where a node sits in a rule file: 1-based line and column, as yaml.v3's `Node.Line`/`Column`.
/// `(0, 0)` for a key that is absent, as Prometheus prints it.
package struct SourcePosition: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// 1-based line; 0 when the node is absent.
    package var line: Int
    /// 1-based column (in Unicode scalars, as libyaml counts); 0 when the node is absent.
    package var column: Int

    /// A position at `line`:`column`.
    package init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The position of an absent node.
    package static let absent = SourcePosition(line: 0, column: 0)

    /// `line:column`.
    package var description: String { "\(line):\(column)" }
}

/// Why a rule file was refused. Each case renders as `promtool check rules` prints it, so a
/// file's problems read the same in Pharos and in Prometheus (`model/rulefmt/rulefmt.go`).
package enum RulesError: Error, Equatable, Sendable {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The text is not YAML, or a value could not be read at all (a bad duration): decoding stops.
    case decoding(ConfigError)
    /// Keys the schema does not have and values of the wrong kind, all of them, as yaml.v3's
    /// "unmarshal errors" list them.
    case unmarshal([ConfigError])
    /// A problem with a group as a whole (`Groupname must not be empty`), at the group's position
    /// when Prometheus gives one.
    case group(message: String, position: SourcePosition?)
    /// A problem with one rule: its group, 1-based index and name (`alert` or `record`), and the
    /// positions of the nodes at fault (`alternate` for the second of `record`/`alert`).
    case rule(group: String, index: Int, name: String, position: SourcePosition?, alternate: SourcePosition?, message: String)
    /// An alerting rule's evaluation failed (duplicate label sets, `limit` exceeded); `message` is
    /// Prometheus's wording.
    case evaluation(rule: String, message: String)
    /// A `--lint` setting promtool does not have.
    case unknownLintOption(String)
    /// Every error found while loading several rule files; the manager reports each and keeps
    /// its old rules.
    indirect case several([RulesError])
    /// An error in the file at `path`.
    indirect case inFile(path: String, RulesError)
}

extension RulesError: CustomStringConvertible {
    /// The line promtool prints for this error.
    package var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "\(path): \(reason)"
        case .decoding(let error):
            error.ruleFileDescription
        case .unmarshal(let errors):
            "yaml: unmarshal errors:\n" + errors.map { "  " + $0.description }.joined(separator: "\n")
        case .group(let message, let position):
            position.map { "\($0): \(message)" } ?? message
        case .rule(let group, let index, let name, let position, let alternate, let message):
            RulesError.positionPrefix(position, alternate) + "group \(GoQuote.quote(group)), rule \(index), \(GoQuote.quote(name)): \(message)"
        case .evaluation(_, let message):
            message
        case .unknownLintOption(let option):
            "unknown lint option \(GoQuote.quote(option)); valid options are all, duplicate-rules, none"
        case .several(let errors):
            errors.map(\.description).joined(separator: "\n")
        case .inFile(let path, let inner):
            "\(path): \(inner)"
        }
    }

    private static func positionPrefix(_ position: SourcePosition?, _ alternate: SourcePosition?) -> String {
        guard let position else { return "" }
        guard let alternate else { return "\(position): " }
        return "\(position): \(alternate): "
    }
}

extension ConfigError {
    /// yaml.v3 words errors as yaml.v2 does but puts no line before errors of a value's own
    /// unmarshaler (durations), so those print as the bare message.
    fileprivate var ruleFileDescription: String {
        if case .invalid(let message, _) = self { return message }
        return description
    }
}
