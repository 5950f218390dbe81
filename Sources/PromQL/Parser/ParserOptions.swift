/// Which experimental PromQL syntax the parser accepts, named as Prometheus's `--enable-feature=` flags.
package struct ParserOptions: Sendable, Equatable {
    /// `promql-experimental-functions`: experimental functions and the `limitk`/`limit_ratio` aggregators.
    package var experimentalFunctions = false
    /// Duration expressions (`[5m * 2]`, `offset step()`). Permanently on in Prometheus 3.14
    /// (`promql-duration-expr` is a no-op there); off only when a caller asks.
    package var durationExpressions = true
    /// `promql-extended-range-selectors`: `anchored` and `smoothed`.
    package var extendedRangeSelectors = false
    /// `promql-binop-fill-modifiers`: `fill(v)`, `fill_left(v)`, `fill_right(v)`.
    package var binopFillModifiers = false
    /// How deeply expressions may nest (parentheses, calls, operator chains, subqueries).
    /// Prometheus has no such limit; Pharos has one because its parser, type checker and printer
    /// recurse, and a hostile query must not exhaust a thread's stack.
    package var maxNestingDepth = 1000

    /// Options with every experimental feature off except duration expressions.
    package init() {}

    /// Options from `--enable-feature` names; unknown names are ignored (they belong to other stages).
    package init(features: some Sequence<String>) {
        for feature in features {
            switch feature {
            case "promql-experimental-functions": experimentalFunctions = true
            case "promql-duration-expr": durationExpressions = true
            case "promql-extended-range-selectors": extendedRangeSelectors = true
            case "promql-binop-fill-modifiers": binopFillModifiers = true
            default: break
            }
        }
    }

    /// Everything on, as upstream's promqltest engine runs.
    package static let all: ParserOptions = {
        var options = ParserOptions()
        options.experimentalFunctions = true
        options.extendedRangeSelectors = true
        options.binopFillModifiers = true
        return options
    }()
}
