import Model

/// Walks a parsed template, following `text/template/exec.go`: variable scoping, pipelines with
/// the previous result as the final argument, field lookup on maps and structs, `missingkey`,
/// `range`/`break`/`continue`, nested `{{template}}` calls, and Go's error locations.
struct TemplateExecutor {
    let set: TextTemplate
    let limits: TemplateLimits
    private(set) var output: [UInt8] = []
    private var vars: [(name: String, value: TemplateValue)] = []
    private var tree: TemplateTree
    private var depth = 0
    private var steps = 0
    /// Whether dot is an element of a `[]interface{}` or `map[string]interface{}` being ranged
    /// over: Go then names its static type `interface {}` in field errors.
    private var dotIsInterface = false
    /// The node Go's `s.at(node)` would point at: its offset and text, for error messages.
    private var nodePos = 0
    private var nodeText = ""

    enum Flow { case normal, breakLoop, continueLoop }

    init(set: TextTemplate, limits: TemplateLimits) {
        self.set = set
        self.limits = limits
        tree = TemplateTree(name: set.name, parseName: set.name, source: TemplateSource(""), root: [])
    }

    mutating func run(tree: TemplateTree, data: TemplateValue) throws(TemplateError) {
        self.tree = tree
        vars = [("$", data)]
        _ = try walk(data, tree.root)
    }

    // MARK: errors

    private mutating func at(_ pos: Int, _ text: String) {
        nodePos = pos
        nodeText = text
    }

    func fail(_ message: String) -> TemplateError {
        let (line, column) = tree.source.location(of: nodePos)
        return .execution(location: "\(tree.parseName):\(line):\(column)", templateName: tree.name, context: nodeText, message: message)
    }

    private mutating func step() throws(TemplateError) {
        steps += 1
        if steps > limits.maxSteps { throw .stepLimitExceeded(templateName: tree.name, limit: limits.maxSteps) }
    }

    private mutating func write(_ text: String) throws(TemplateError) {
        output.append(contentsOf: text.utf8)
        if output.count > limits.maxOutputBytes {
            throw .outputLimitExceeded(templateName: tree.name, limitBytes: limits.maxOutputBytes)
        }
    }

    // MARK: walking

    private mutating func walk(_ dot: TemplateValue, _ nodes: [TemplateNode]) throws(TemplateError) -> Flow {
        for node in nodes {
            let flow = try walk(dot, node)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private mutating func walk(_ dot: TemplateValue, _ node: TemplateNode) throws(TemplateError) -> Flow {
        try step()
        switch node {
        case .text(let bytes):
            output.append(contentsOf: bytes)
            if output.count > limits.maxOutputBytes {
                throw .outputLimitExceeded(templateName: tree.name, limitBytes: limits.maxOutputBytes)
            }
        case .action(let pos, let pipe):
            at(pos, node.described)
            let value = try evalPipeline(dot, pipe)
            if pipe.decl.isEmpty {
                at(pos, node.described)
                try write(value.templatePrinted)
            }
        case .ifNode(let control), .withNode(let control):
            let mark = vars.count
            defer { vars.removeSubrange(min(mark, vars.count)...) }
            at(control.pos, node.described)
            let value = try evalPipeline(dot, control.pipe)
            if value.isTrue {
                if case .withNode = node {
                    let saved = dotIsInterface
                    dotIsInterface = false
                    defer { dotIsInterface = saved }
                    return try walk(value, control.list)
                }
                return try walk(dot, control.list)
            } else if let elseList = control.elseList {
                return try walk(dot, elseList)
            }
        case .rangeNode(let control):
            try walkRange(dot, control, described: node.described)
        case .template(let pos, let name, let pipe):
            at(pos, node.described)
            guard let callee = set.trees[name] else { throw fail("template \(GoQuote.quote(name)) not defined") }
            guard depth < limits.maxTemplateDepth else {
                throw fail("exceeded maximum template depth (\(limits.maxTemplateDepth))")
            }
            let newDot = try pipe.map { p throws(TemplateError) in try evalPipeline(dot, p) } ?? .missing
            let saved = (vars, tree, dotIsInterface)
            vars = [("$", newDot)]
            tree = callee
            dotIsInterface = false
            depth += 1
            defer {
                depth -= 1
                (vars, tree, dotIsInterface) = saved
            }
            _ = try walk(newDot, callee.root)
        case .breakNode:
            return .breakLoop
        case .continueNode:
            return .continueLoop
        }
        return .normal
    }

    private mutating func walkRange(_ dot: TemplateValue, _ control: ControlNode, described: String) throws(TemplateError) {
        at(control.pos, described)
        let mark = vars.count
        defer { vars.removeSubrange(min(mark, vars.count)...) }
        let value = try evalPipeline(dot, control.pipe)
        let bodyMark = vars.count
        let pipe = control.pipe
        // Returns false when the body asked to break.
        func iterate(_ this: inout TemplateExecutor, index: TemplateValue, element: TemplateValue) throws(TemplateError) -> Bool {
            if !pipe.decl.isEmpty {
                if pipe.isAssign {
                    try this.setVar(pipe.decl[0], pipe.decl.count > 1 ? index : element)
                    if pipe.decl.count > 1 { try this.setVar(pipe.decl[1], element) }
                } else {
                    this.vars[this.vars.count - 1].value = element
                    if pipe.decl.count > 1 { this.vars[this.vars.count - 2].value = index }
                }
            }
            defer { this.vars.removeSubrange(min(bodyMark, this.vars.count)...) }
            return try this.walk(element, control.list) != .breakLoop
        }
        var ran = false
        let savedDotIsInterface = dotIsInterface
        defer { dotIsInterface = savedDotIsInterface }
        switch value {
        case .list: dotIsInterface = true
        case .map(let map): dotIsInterface = map.elementType == .any
        default: dotIsInterface = false
        }
        switch value {
        case .list(let items):
            for (i, item) in items.enumerated() {
                ran = true
                guard try iterate(&self, index: .int(i), element: item) else { break }
            }
        case .samples(let samples):
            for (i, sample) in samples.enumerated() {
                ran = true
                guard try iterate(&self, index: .int(i), element: .sample(sample)) else { break }
            }
        case .map(let map):
            for key in map.sortedKeys {
                ran = true
                guard try iterate(&self, index: .string(key), element: map.entries[key] ?? .missing) else { break }
            }
        case .int(let n):
            if pipe.decl.count > 1 { throw fail("can't use \(n) to iterate over more than one variable") }
            var i = 0
            while i < n {
                ran = true
                try step()
                guard try iterate(&self, index: .int(i), element: .int(i)) else { break }
                i += 1
            }
        case .missing:
            break
        default:
            throw fail("range can't iterate over \(value.goFormatted())")
        }
        dotIsInterface = savedDotIsInterface
        if !ran, let elseList = control.elseList {
            _ = try walk(dot, elseList)
        }
    }

    // MARK: variables

    private func variable(_ name: String) throws(TemplateError) -> TemplateValue {
        for entry in vars.reversed() where entry.name == name { return entry.value }
        throw fail("undefined variable: \(name)")
    }

    private mutating func setVar(_ name: String, _ value: TemplateValue) throws(TemplateError) {
        for i in vars.indices.reversed() where vars[i].name == name {
            vars[i].value = value
            return
        }
        throw fail("undefined variable: \(name)")
    }

    // MARK: pipelines and commands

    mutating func evalPipeline(_ dot: TemplateValue, _ pipe: PipeNode) throws(TemplateError) -> TemplateValue {
        at(pipe.pos, pipe.described)
        var value: TemplateValue? = nil
        for command in pipe.commands {
            value = try evalCommand(dot, command, final: value)
        }
        let result = value ?? .missing
        for name in pipe.decl {
            if pipe.isAssign { try setVar(name, result) } else { vars.append((name, result)) }
        }
        return result
    }

    private mutating func evalCommand(_ dot: TemplateValue, _ command: CommandNode, final: TemplateValue?) throws(TemplateError) -> TemplateValue {
        try step()
        let first = command.args[0]
        switch first {
        case .field(let pos, let names):
            at(pos, first.described)
            return try evalFieldChain(
                dot, receiver: dot, names: names, args: Array(command.args.dropFirst()), final: final, command: command,
                receiverIsInterface: dotIsInterface)
        case .chain(let pos, let node, let fields):
            // Go leaves the error position on the last node evaluated inside the receiver.
            _ = pos
            let receiver = try evalChainReceiver(dot, node)
            return try evalFieldChain(dot, receiver: receiver, names: fields, args: Array(command.args.dropFirst()), final: final, command: command)
        case .identifier(let pos, let name):
            at(pos, name)
            return try evalFunction(dot, name: name, args: Array(command.args.dropFirst()), final: final, command: command)
        case .pipe(let pipe):
            try notAFunction(command, final: final)
            return try evalPipeline(dot, pipe)
        case .variable(let pos, let names):
            at(pos, first.described)
            let value = try variable(names[0])
            if names.count == 1 {
                try notAFunction(command, final: final)
                return value
            }
            return try evalFieldChain(
                dot, receiver: value, names: Array(names.dropFirst()), args: Array(command.args.dropFirst()), final: final, command: command)
        default:
            break
        }
        at(first.pos, first.described)
        try notAFunction(command, final: final)
        switch first {
        case .bool(_, let value): return .bool(value)
        case .dot: return dot
        case .nilValue: throw fail("nil is not a command")
        case .number(_, let constant): return try idealConstant(constant)
        case .string(_, _, let text): return .string(text)
        default: throw fail("can't evaluate command \(GoQuote.quote(first.described))")
        }
    }

    private func notAFunction(_ command: CommandNode, final: TemplateValue?) throws(TemplateError) {
        if command.args.count > 1 || final != nil {
            throw fail("can't give argument to non-function \(command.args[0].described)")
        }
    }

    private mutating func evalChainReceiver(_ dot: TemplateValue, _ node: ArgNode) throws(TemplateError) -> TemplateValue {
        if case .nilValue = node { throw fail("indirection through explicit nil in \(node.described)") }
        return try evalArg(dot, node, as: nil)
    }

    func idealConstant(_ constant: NumberConstant) throws(TemplateError) -> TemplateValue {
        if constant.idealIsFloat, let float = constant.float { return .float(float) }
        if let int = constant.int { return .int(Int(int)) }
        if constant.isUnsignedOnly { throw fail("\(constant.text) overflows int") }
        if let float = constant.float { return .float(float) }
        throw fail("illegal number syntax: \(constant.text)")
    }

    // MARK: fields

    /// Evaluates `.a.b.c` on `receiver`; the last name receives the command's remaining
    /// arguments and the piped-in `final` value (they are a method's arguments).
    private mutating func evalFieldChain(
        _ dot: TemplateValue, receiver: TemplateValue, names: [String], args: [ArgNode] = [], final: TemplateValue? = nil,
        command: CommandNode? = nil, receiverIsInterface: Bool = false
    ) throws(TemplateError) -> TemplateValue {
        var value = receiver
        var staticType: String? = receiverIsInterface ? "interface {}" : nil
        for (i, name) in names.enumerated() {
            let last = i == names.count - 1
            if staticType != nil, value == .missing {
                // A key that is present with a nil interface value (unlike an absent key).
                throw fail("nil pointer evaluating interface {}.\(name)")
            }
            let next = try evalField(
                dot, name, receiver: value, staticType: staticType, args: last ? args : [], final: last ? final : nil, command: command)
            // A value read from a map[string]interface{} has static type interface{}, which is
            // what Go names when the next field cannot be found.
            // Under missingkey=zero an absent key also reads as a typed nil interface.
            if case .map(let map) = value, map.elementType == .any, map.entries[name] != nil || set.missingKey == .zero {
                staticType = "interface {}"
            } else if case .record(let record) = value, record.interfaceFields.contains(name) {
                staticType = "interface {}"
            } else {
                staticType = nil
            }
            value = next
        }
        return value
    }

    private mutating func evalField(
        _ dot: TemplateValue, _ name: String, receiver: TemplateValue, staticType: String?, args: [ArgNode], final: TemplateValue?,
        command: CommandNode?
    ) throws(TemplateError) -> TemplateValue {
        // Go looks for a method before a field or map key.
        if let method = TemplateMethods.method(named: name, on: receiver) {
            let node = command ?? CommandNode(pos: nodePos, args: [])
            return try callFunction(dot, name: name, function: method, args: args, final: final, command: node)
        }
        let hasArgs = !args.isEmpty || final != nil
        switch receiver {
        case .missing:
            if set.missingKey == .error { throw fail("nil data; no entry for key \(GoQuote.quote(name))") }
            return .missing
        case .map(let map):
            if hasArgs { throw fail("\(name) is not a method but has arguments") }
            if let value = map.entries[name] { return value }
            switch set.missingKey {
            case .invalid: return .missing
            case .zero: return map.elementType.zero
            case .error: throw fail("map has no entry for key \(GoQuote.quote(name))")
            }
        case .record(let record):
            if let value = record[field: name] {
                if hasArgs { throw fail("\(name) has arguments but cannot be invoked as function") }
                return value
            }
        case .sample(let sample):
            if name == "Labels" || name == "Value" {
                if hasArgs { throw fail("\(name) has arguments but cannot be invoked as function") }
                return name == "Labels" ? sample.labelMap : .float(sample.value)
            }
        default:
            break
        }
        throw fail("can't evaluate field \(name) in type \(staticType ?? receiver.goTypeName)")
    }

    // MARK: arguments

    /// Evaluates an argument for a parameter of type `parameter` (`nil`: a builtin taking any
    /// value, missing values included), converting constants as Go does.
    mutating func evalArg(_ dot: TemplateValue, _ node: ArgNode, as parameter: TemplateFunction.Parameter?) throws(TemplateError) -> TemplateValue {
        at(node.pos, node.described)
        switch node {
        case .dot:
            return try validate(dot, parameter)
        case .nilValue:
            switch parameter {
            case nil, .any, .sample, .samples: return .missing
            case .some(let p): throw fail("cannot assign nil to \(p.goTypeName)")
            }
        case .field(let pos, let names):
            at(pos, node.described)
            return try validate(evalFieldChain(dot, receiver: dot, names: names, receiverIsInterface: dotIsInterface), parameter)
        case .variable(let pos, let names):
            at(pos, node.described)
            let value = try variable(names[0])
            if names.count == 1 { return try validate(value, parameter) }
            return try validate(evalFieldChain(dot, receiver: value, names: Array(names.dropFirst())), parameter)
        case .pipe(let pipe):
            return try validate(evalPipeline(dot, pipe), parameter)
        case .identifier(let pos, let name):
            at(pos, name)
            let command = CommandNode(pos: pos, args: [node])
            return try validate(evalFunction(dot, name: name, args: [], final: nil, command: command), parameter)
        case .chain(_, let inner, let fields):
            let receiver = try evalChainReceiver(dot, inner)
            return try validate(evalFieldChain(dot, receiver: receiver, names: fields), parameter)
        case .bool(_, let value):
            switch parameter {
            case nil, .any, .bool: return .bool(value)
            case .some(let p): throw fail("expected \(Self.expectedWord(p)); found \(node.described)")
            }
        case .string(_, _, let text):
            switch parameter {
            case nil, .any, .string: return .string(text)
            case .some(let p): throw fail("expected \(Self.expectedWord(p)); found \(node.described)")
            }
        case .number(_, let constant):
            switch parameter {
            case nil, .any: return try idealConstant(constant)
            case .float:
                if let float = constant.float { return .float(float) }
            case .int:
                if let int = constant.int, !constant.idealIsFloat || Double(int) == constant.float { return .int(Int(int)) }
            default: break
            }
            throw fail("expected \(Self.expectedWord(parameter ?? .any)); found \(node.described)")
        }
    }

    private static func expectedWord(_ p: TemplateFunction.Parameter) -> String {
        switch p {
        case .float: "float"
        case .int: "integer"
        case .bool: "bool"
        case .string: "string"
        default: p.goTypeName
        }
    }

    /// Go's `validateType`: a value must be assignable to the parameter type.
    private func validate(_ value: TemplateValue, _ parameter: TemplateFunction.Parameter?) throws(TemplateError) -> TemplateValue {
        guard let parameter, parameter != .any else { return value }
        let matches: Bool
        switch (parameter, value) {
        case (.string, .string), (.float, .float), (.int, .int), (.bool, .bool), (.sample, .sample), (.samples, .samples):
            matches = true
        case (.sample, .missing), (.samples, .missing):
            matches = true
        case (_, .missing):
            throw fail("invalid value; expected \(parameter.goTypeName)")
        default:
            matches = false
        }
        guard matches else { throw fail("wrong type for value; expected \(parameter.goTypeName); got \(value.goTypeName)") }
        return value
    }

    // MARK: functions

    private mutating func evalFunction(
        _ dot: TemplateValue, name: String, args: [ArgNode], final: TemplateValue?, command: CommandNode
    ) throws(TemplateError) -> TemplateValue {
        if let function = set.functions[name] {
            return try callFunction(dot, name: name, function: function, args: args, final: final, command: command)
        }
        guard let builtin = TemplateBuiltins.Builtin(rawValue: name) else {
            throw fail("\(GoQuote.quote(name)) is not a defined function")
        }
        return try callBuiltin(dot, builtin, args: args, final: final, command: command)
    }

    private func checkArity(_ name: String, fixed: Int, variadic: Bool, given: Int) throws(TemplateError) {
        if variadic {
            if given < fixed { throw fail("wrong number of args for \(name): want at least \(fixed) got \(given)") }
        } else if given != fixed {
            throw fail("wrong number of args for \(name): want \(fixed) got \(given)")
        }
    }

    private mutating func callFunction(
        _ dot: TemplateValue, name: String, function: TemplateFunction, args: [ArgNode], final: TemplateValue?, command: CommandNode
    ) throws(TemplateError) -> TemplateValue {
        let given = args.count + (final == nil ? 0 : 1)
        try checkArity(name, fixed: function.parameters.count, variadic: function.variadic != nil, given: given)
        func parameter(_ i: Int) -> TemplateFunction.Parameter {
            i < function.parameters.count ? function.parameters[i] : (function.variadic ?? .any)
        }
        var values: [TemplateValue] = []
        for (i, arg) in args.enumerated() { values.append(try evalArg(dot, arg, as: parameter(i))) }
        if let final { values.append(try validate(final, parameter(args.count))) }
        switch function.body {
        case .plain(let body):
            do {
                return try body(values)
            } catch {
                at(command.pos, command.described)
                throw fail("error calling \(name): \(error.message)")
            }
        case .executeTemplate:
            guard case .string(let target) = values[0] else { preconditionFailure("BUG: tmpl takes a string") }
            guard let callee = set.trees[target] else {
                at(command.pos, command.described)
                throw fail("error calling \(name): template: no template \(GoQuote.quote(target)) associated with template \(GoQuote.quote(set.name))")
            }
            guard depth < limits.maxTemplateDepth else {
                throw fail("exceeded maximum template depth (\(limits.maxTemplateDepth))")
            }
            let saved = (vars, tree, output)
            vars = [("$", values[1])]
            tree = callee
            output = []
            depth += 1
            defer { depth -= 1 }
            do {
                _ = try walk(values[1], callee.root)
            } catch {
                (vars, tree, output) = saved
                throw error
            }
            let rendered = String(decoding: output, as: UTF8.self)
            (vars, tree, output) = saved
            return .html(rendered)
        }
    }

    private mutating func callBuiltin(
        _ dot: TemplateValue, _ builtin: TemplateBuiltins.Builtin, args: [ArgNode], final: TemplateValue?, command: CommandNode
    ) throws(TemplateError) -> TemplateValue {
        let given = args.count + (final == nil ? 0 : 1)
        let (fixed, variadic) = builtin.arity
        try checkArity(builtin.rawValue, fixed: fixed, variadic: variadic, given: given)
        // `and` and `or` stop at the first argument that decides the result.
        if builtin == .and || builtin == .or {
            var value: TemplateValue = .missing
            for arg in args {
                value = try evalArg(dot, arg, as: nil)
                if value.isTrue == (builtin == .or) { return value }
            }
            return final ?? value
        }
        var values: [TemplateValue] = []
        for (i, arg) in args.enumerated() {
            values.append(try evalArg(dot, arg, as: builtin == .printf && i == 0 ? .string : nil))
        }
        if let final { values.append(builtin == .printf && args.isEmpty ? try validate(final, .string) : final) }
        do {
            return try TemplateBuiltins.call(builtin, values, calleeName: args.first?.described ?? "")
        } catch {
            at(command.pos, command.described)
            throw fail("error calling \(builtin.rawValue): \(error.message)")
        }
    }
}
