import Model

/// Why a template could not be parsed or executed. `description` renders Go's wording
/// (`template: NAME:LINE: …`, `template: NAME:LINE:COL: executing "NAME" at <…>: …`) so
/// messages match what Prometheus and Alertmanager users see.
package enum TemplateError: Error, Equatable, Sendable {
    /// The text is not a valid template. `line` is 1-based.
    case parse(name: String, line: Int, message: String)
    /// Execution failed at a node: `location` is `NAME:LINE:COL` (column 0-based, as Go counts
    /// it), `context` the node as written (cut to 20 characters plus `...`).
    case execution(location: String, templateName: String, context: String, message: String)
    /// Execution failed outside any node (for example an undefined entry template).
    case executionWithoutNode(templateName: String, message: String)
    /// `execute(templateNamed:)` was asked for a template the set does not have.
    case undefinedTemplate(name: String, setName: String)
    /// Prometheus's `Expander.Expand` wrapping: `error parsing template NAME: …` or
    /// `error executing template NAME: …` around the underlying error.
    indirect case expansion(templateName: String, parsing: Bool, TemplateError)
    /// The output grew past the limit; raise `TemplateLimits.maxOutputBytes`.
    case outputLimitExceeded(templateName: String, limitBytes: Int)
    /// Execution took more steps than allowed; raise `TemplateLimits.maxSteps`.
    case stepLimitExceeded(templateName: String, limit: Int)
}

extension TemplateError: CustomStringConvertible {
    package var description: String {
        switch self {
        case .parse(let name, let line, let message):
            "template: \(name):\(line): \(message)"
        case .execution(let location, let templateName, let context, let message):
            "template: \(location): executing \(GoQuote.quote(templateName)) at <\(context)>: \(message)"
        case .executionWithoutNode(let templateName, let message):
            "template: \(templateName): \(message)"
        case .undefinedTemplate(let name, let setName):
            "template: no template \(GoQuote.quote(name)) associated with template \(GoQuote.quote(setName))"
        case .expansion(let templateName, let parsing, let inner):
            "error \(parsing ? "parsing" : "executing") template \(templateName): \(inner)"
        case .outputLimitExceeded(let templateName, let limit):
            "template: \(templateName): output exceeds the limit of \(limit) bytes (TemplateLimits.maxOutputBytes)"
        case .stepLimitExceeded(let templateName, let limit):
            "template: \(templateName): execution exceeds the limit of \(limit) steps (TemplateLimits.maxSteps)"
        }
    }
}

/// An error a template function reports; the executor wraps it as `error calling NAME: message`.
package struct TemplateFunctionError: Error, Equatable, Sendable {
    /// The message as the Go function would return it.
    package var message: String

    /// Creates an error carrying `message`.
    package init(_ message: String) { self.message = message }
}
