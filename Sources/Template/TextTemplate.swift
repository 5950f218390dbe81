import Model

/// What a template reads for a missing map key (Go's `Option("missingkey=…")`).
package enum MissingKeyOption: Sendable {
    /// `missingkey=default`/`invalid`: a missing key reads as no value (prints `<no value>`).
    case invalid
    /// `missingkey=zero`: the zero value of the map's element type (Prometheus's choice).
    case zero
    /// `missingkey=error`: execution stops with `map has no entry for key "k"`.
    case error
}

/// Bounds that keep a hostile or runaway template from exhausting the process.
package struct TemplateLimits: Sendable {
    /// The largest output, in bytes. Go has no such limit; an annotation or notification larger
    /// than this is a template bug.
    package var maxOutputBytes: Int
    /// How deep `{{template}}` calls may nest. Go allows 100000; recursion that deep is a bug.
    package var maxTemplateDepth: Int
    /// How many nodes and commands one execution may evaluate (guards `{{range 1000000000}}`).
    package var maxSteps: Int

    /// Creates limits; the defaults suit alert annotations and notifications.
    package init(maxOutputBytes: Int = 1 << 20, maxTemplateDepth: Int = 1000, maxSteps: Int = 1_000_000) {
        self.maxOutputBytes = maxOutputBytes
        self.maxTemplateDepth = maxTemplateDepth
        self.maxSteps = maxSteps
    }
}

/// A function a template may call, with Go's parameter types so arguments are checked and
/// converted as `text/template` does (`expected string; found 3`, `wrong type for value; …`).
package struct TemplateFunction: Sendable {
    /// A Go parameter type.
    package enum Parameter: Sendable, Equatable {
        /// `interface{}`: anything, including nil.
        case any
        /// `string`.
        case string
        /// `float64`.
        case float
        /// `int`.
        case int
        /// `bool`.
        case bool
        /// `*template.sample` (nil allowed).
        case sample
        /// `template.queryResult` (nil allowed).
        case samples

        var goTypeName: String {
            switch self {
            case .any: "interface {}"
            case .string: "string"
            case .float: "float64"
            case .int: "int"
            case .bool: "bool"
            case .sample: "*template.sample"
            case .samples: "template.queryResult"
            }
        }
    }

    enum Body: Sendable {
        case plain(@Sendable ([TemplateValue]) throws(TemplateFunctionError) -> TemplateValue)
        /// Prometheus's `tmpl NAME DATA`: executes another template of the same set.
        case executeTemplate
    }

    let parameters: [Parameter]
    let variadic: Parameter?
    let body: Body

    /// A function taking `parameters` and then, if `variadic` is set, any number of those.
    /// - Parameter body: receives the converted arguments; throws what Go's function would return
    ///   as its error (the executor prefixes `error calling NAME: `).
    package init(
        _ parameters: [Parameter], variadic: Parameter? = nil,
        _ body: @escaping @Sendable ([TemplateValue]) throws(TemplateFunctionError) -> TemplateValue
    ) {
        self.parameters = parameters
        self.variadic = variadic
        self.body = .plain(body)
    }

    private init(executeTemplate: Void) {
        parameters = [.string, .any]
        variadic = nil
        body = .executeTemplate
    }

    /// Prometheus's `tmpl`: `{{ tmpl "name" . }}` renders another template of the set to a string.
    package static let executeNamedTemplate = TemplateFunction(executeTemplate: ())
}

/// A set of Go text templates sharing functions and options, like Go's `*template.Template`:
/// parse one or more texts (each may `define` more templates), then execute by name.
package struct TextTemplate: Sendable {
    /// The name of the main template (what `execute(_:)` runs).
    package let name: String
    /// The functions templates may call, beyond Go's builtins (which they may shadow).
    package private(set) var functions: [String: TemplateFunction]
    /// What missing map keys read as.
    package var missingKey: MissingKeyOption
    private(set) var trees: [String: TemplateTree] = [:]

    /// Creates an empty set named `name`.
    package init(name: String, functions: [String: TemplateFunction] = [:], missingKey: MissingKeyOption = .invalid) {
        self.name = name
        self.functions = functions
        self.missingKey = missingKey
    }

    /// Parses `text` as the body of the template called `templateName` (default: the set's
    /// name), adding every template it defines. Like Go, a later non-empty definition replaces
    /// an earlier one, and an empty one does not.
    /// - Throws: `TemplateError.parse` naming the line.
    package mutating func parse(_ text: String, as templateName: String? = nil) throws(TemplateError) {
        let names = Set(functions.keys).union(TemplateBuiltins.names)
        let parsed = try TemplateParser.parse(name: templateName ?? name, text: text, functions: names)
        for tree in parsed {
            if let existing = trees[tree.name], TemplateParser.isEmpty(tree.root), !TemplateParser.isEmpty(existing.root) { continue }
            trees[tree.name] = tree
        }
    }

    /// The same parsed templates calling `functions` instead of the set's own: parse once, then
    /// bind the functions of each execution's context. `functions` must have every name the
    /// set was parsed with.
    package func binding(_ functions: [String: TemplateFunction]) -> TextTemplate {
        precondition(self.functions.keys.allSatisfy { functions[$0] != nil }, "rebound templates lack a function they were parsed with")
        var copy = self
        copy.functions = functions
        return copy
    }

    /// The names of the templates defined so far, sorted.
    package var templateNames: [String] { trees.keys.sorted() }

    /// Runs the main template with `data` as dot and `$`.
    /// - Throws: `TemplateError` with Go's location and wording, or a limit error.
    package func execute(_ data: TemplateValue, limits: TemplateLimits = TemplateLimits()) throws(TemplateError) -> String {
        guard trees[name] != nil else {
            throw .executionWithoutNode(templateName: name, message: "\(GoQuote.quote(name)) is an incomplete or empty template")
        }
        return try execute(templateNamed: name, data: data, limits: limits)
    }

    /// Runs the template called `templateName` (Go's `ExecuteTemplate`).
    /// - Throws: `TemplateError`; an unknown name is `no template "x" associated with template "set"`.
    package func execute(templateNamed templateName: String, data: TemplateValue, limits: TemplateLimits = TemplateLimits()) throws(TemplateError) -> String {
        guard let tree = trees[templateName] else {
            throw .undefinedTemplate(name: templateName, setName: name)
        }
        var executor = TemplateExecutor(set: self, limits: limits)
        try executor.run(tree: tree, data: data)
        return String(decoding: executor.output, as: UTF8.self)
    }
}
