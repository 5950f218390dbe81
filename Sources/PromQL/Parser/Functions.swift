/// A PromQL function's signature, as in upstream's `promql/parser/functions.go`.
package struct PromQLFunction: Sendable, Equatable, Hashable {
    /// The name as called.
    package let name: String
    /// Argument types; with `variadic != 0` the last one repeats.
    package let argumentTypes: [ValueType]
    /// 0: exactly `argumentTypes.count` arguments. `n > 0`: the last argument is optional and
    /// may repeat up to `n` times. `-1`: it repeats without limit.
    package let variadic: Int
    /// The result type.
    package let returnType: ValueType
    /// Whether `--enable-feature=promql-experimental-functions` is needed.
    package let experimental: Bool

    /// Looks a function up by name.
    package static func named(_ name: String) -> PromQLFunction? { table[name] }

    /// Every function Prometheus 3.14 knows.
    package static var all: [PromQLFunction] { Array(table.values) }

    private static func f(_ name: String, _ args: [ValueType], variadic: Int, returns: ValueType,
                          experimental: Bool = false) -> PromQLFunction {
        PromQLFunction(name: name, argumentTypes: args, variadic: variadic, returnType: returns,
                       experimental: experimental)
    }

    private static let table: [String: PromQLFunction] = Dictionary(uniqueKeysWithValues: [
        f("abs", [.vector], variadic: 0, returns: .vector),
        f("absent", [.vector], variadic: 0, returns: .vector),
        f("absent_over_time", [.matrix], variadic: 0, returns: .vector),
        f("acos", [.vector], variadic: 0, returns: .vector),
        f("acosh", [.vector], variadic: 0, returns: .vector),
        f("asin", [.vector], variadic: 0, returns: .vector),
        f("asinh", [.vector], variadic: 0, returns: .vector),
        f("atan", [.vector], variadic: 0, returns: .vector),
        f("atanh", [.vector], variadic: 0, returns: .vector),
        f("avg_over_time", [.matrix], variadic: 0, returns: .vector),
        f("ceil", [.vector], variadic: 0, returns: .vector),
        f("changes", [.matrix], variadic: 0, returns: .vector),
        f("clamp", [.vector, .scalar, .scalar], variadic: 0, returns: .vector),
        f("clamp_max", [.vector, .scalar], variadic: 0, returns: .vector),
        f("clamp_min", [.vector, .scalar], variadic: 0, returns: .vector),
        f("cos", [.vector], variadic: 0, returns: .vector),
        f("cosh", [.vector], variadic: 0, returns: .vector),
        f("count_over_time", [.matrix], variadic: 0, returns: .vector),
        f("days_in_month", [.vector], variadic: 1, returns: .vector),
        f("day_of_month", [.vector], variadic: 1, returns: .vector),
        f("day_of_week", [.vector], variadic: 1, returns: .vector),
        f("day_of_year", [.vector], variadic: 1, returns: .vector),
        f("deg", [.vector], variadic: 0, returns: .vector),
        f("end", [], variadic: 0, returns: .scalar, experimental: true),
        f("delta", [.matrix], variadic: 0, returns: .vector),
        f("deriv", [.matrix], variadic: 0, returns: .vector),
        f("exp", [.vector], variadic: 0, returns: .vector),
        f("first_over_time", [.matrix], variadic: 0, returns: .vector),
        f("floor", [.vector], variadic: 0, returns: .vector),
        f("histogram_avg", [.vector], variadic: 0, returns: .vector),
        f("histogram_count", [.vector], variadic: 0, returns: .vector),
        f("histogram_sum", [.vector], variadic: 0, returns: .vector),
        f("histogram_stddev", [.vector], variadic: 0, returns: .vector),
        f("histogram_stdvar", [.vector], variadic: 0, returns: .vector),
        f("histogram_fraction", [.scalar, .scalar, .vector], variadic: 0, returns: .vector),
        f("histogram_quantile", [.scalar, .vector], variadic: 0, returns: .vector),
        f("histogram_quantiles", [.vector, .string, .scalar, .scalar], variadic: 9, returns: .vector, experimental: true),
        f("double_exponential_smoothing", [.matrix, .scalar, .scalar], variadic: 0, returns: .vector, experimental: true),
        f("hour", [.vector], variadic: 1, returns: .vector),
        f("idelta", [.matrix], variadic: 0, returns: .vector),
        f("increase", [.matrix], variadic: 0, returns: .vector),
        f("info", [.vector, .vector], variadic: 1, returns: .vector, experimental: true),
        f("irate", [.matrix], variadic: 0, returns: .vector),
        f("label_replace", [.vector, .string, .string, .string, .string], variadic: 0, returns: .vector),
        f("label_join", [.vector, .string, .string, .string], variadic: -1, returns: .vector),
        f("max_of", [.scalar, .scalar], variadic: 0, returns: .scalar, experimental: true),
        f("last_over_time", [.matrix], variadic: 0, returns: .vector),
        f("min_of", [.scalar, .scalar], variadic: 0, returns: .scalar, experimental: true),
        f("ln", [.vector], variadic: 0, returns: .vector),
        f("log10", [.vector], variadic: 0, returns: .vector),
        f("log2", [.vector], variadic: 0, returns: .vector),
        f("mad_over_time", [.matrix], variadic: 0, returns: .vector, experimental: true),
        f("max_over_time", [.matrix], variadic: 0, returns: .vector),
        f("min_over_time", [.matrix], variadic: 0, returns: .vector),
        f("ts_of_first_over_time", [.matrix], variadic: 0, returns: .vector, experimental: true),
        f("ts_of_max_over_time", [.matrix], variadic: 0, returns: .vector, experimental: true),
        f("ts_of_min_over_time", [.matrix], variadic: 0, returns: .vector, experimental: true),
        f("ts_of_last_over_time", [.matrix], variadic: 0, returns: .vector, experimental: true),
        f("minute", [.vector], variadic: 1, returns: .vector),
        f("month", [.vector], variadic: 1, returns: .vector),
        f("pi", [], variadic: 0, returns: .scalar),
        f("predict_linear", [.matrix, .scalar], variadic: 0, returns: .vector),
        f("present_over_time", [.matrix], variadic: 0, returns: .vector),
        f("quantile_over_time", [.scalar, .matrix], variadic: 0, returns: .vector),
        f("rad", [.vector], variadic: 0, returns: .vector),
        f("range", [], variadic: 0, returns: .scalar, experimental: true),
        f("rate", [.matrix], variadic: 0, returns: .vector),
        f("resets", [.matrix], variadic: 0, returns: .vector),
        f("round", [.vector, .scalar], variadic: 1, returns: .vector),
        f("scalar", [.vector], variadic: 0, returns: .scalar),
        f("sgn", [.vector], variadic: 0, returns: .vector),
        f("sin", [.vector], variadic: 0, returns: .vector),
        f("sinh", [.vector], variadic: 0, returns: .vector),
        f("sort", [.vector], variadic: 0, returns: .vector),
        f("sort_desc", [.vector], variadic: 0, returns: .vector),
        f("sort_by_label", [.vector, .string], variadic: -1, returns: .vector, experimental: true),
        f("sort_by_label_desc", [.vector, .string], variadic: -1, returns: .vector, experimental: true),
        f("sqrt", [.vector], variadic: 0, returns: .vector),
        f("start", [], variadic: 0, returns: .scalar, experimental: true),
        f("start_timestamp", [.vector], variadic: 0, returns: .vector, experimental: true),
        f("step", [], variadic: 0, returns: .scalar, experimental: true),
        f("stddev_over_time", [.matrix], variadic: 0, returns: .vector),
        f("stdvar_over_time", [.matrix], variadic: 0, returns: .vector),
        f("sum_over_time", [.matrix], variadic: 0, returns: .vector),
        f("tan", [.vector], variadic: 0, returns: .vector),
        f("tanh", [.vector], variadic: 0, returns: .vector),
        f("time", [], variadic: 0, returns: .scalar),
        f("timestamp", [.vector], variadic: 0, returns: .vector),
        f("vector", [.scalar], variadic: 0, returns: .vector),
        f("year", [.vector], variadic: 1, returns: .vector),
    ].map { ($0.name, $0) })
}
