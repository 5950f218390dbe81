internal import Model

/// The parts of `amtool config routes test` that are not I/O.
package enum RouteTest {
    /// Reads `name=value` arguments (either matcher syntax, `=` only) into a label set.
    /// - Throws: `AlertingError.invalidLabelArgument` for any other operator or syntax.
    package static func labels(from arguments: [String]) throws(AlertingError) -> [String: String] {
        var labels: [String: String] = [:]
        for argument in arguments {
            let matchers: [Matcher]
            do {
                matchers = try MatcherSyntax.parse(argument)
            } catch {
                throw .invalidLabelArgument(argument)
            }
            for matcher in matchers {
                guard matcher.type == .equal else { throw .invalidLabelArgument(argument) }
                labels[matcher.name] = matcher.value
            }
        }
        return labels
    }

    /// The receivers as amtool prints them: comma-separated, in routing order.
    package static func output(_ receivers: [String]) -> String {
        receivers.joined(separator: ",")
    }
}
