internal import Model

/// The parts of `amtool config routes test` that are not I/O.
package enum RouteTest {
    /// Reads `name=value` arguments (either matcher syntax, `=` only, one label per argument, as
    /// amtool's `parseLabels`) into a label set; a later argument for the same name wins.
    /// - Throws: `AlertingError.invalidLabelArgument` for any other operator, syntax or count.
    package static func labels(from arguments: [String]) throws(AlertingError) -> [String: String] {
        var labels: [String: String] = [:]
        for argument in arguments {
            let matchers: [Matcher]
            do {
                matchers = try MatcherSyntax.parse(argument)
            } catch {
                throw .invalidLabelArgument(argument)
            }
            guard matchers.count == 1, let matcher = matchers.first, matcher.type == .equal else {
                throw .invalidLabelArgument(argument)
            }
            labels[matcher.name] = matcher.value
        }
        return labels
    }

    /// The receivers as amtool prints them: comma-separated, in routing order.
    package static func output(_ receivers: [String]) -> String {
        receivers.joined(separator: ",")
    }
}
