/// A rule unit-test file as `promtool test rules` reads it (`cmd/promtool/unittest.go`'s
/// `unitTestFile`): the rule files under test, the evaluation interval, and test groups of input
/// series with the alerts and expression results expected from them.
package struct RuleTestFile: Sendable, Equatable {
    /// `rule_files`: paths or globs, relative to the test file's directory.
    package var ruleFiles: [String] = []
    /// `evaluation_interval`: the step at which rules are evaluated; 0 means the default 1m.
    package var evaluationInterval = Duration.zero
    /// `group_eval_order`: group names evaluated in this order at each step (unnamed groups first,
    /// in file order).
    package var groupEvalOrder: [String] = []
    /// `tests`.
    package var tests: [TestGroup] = []

    /// An empty file.
    package init() {}

    /// One `tests[]` entry: series data and what the rules should make of it.
    package struct TestGroup: Sendable, Equatable {
        /// `name`, printed with alert failures.
        package var name = ""
        /// `interval`: the spacing of the input samples; 0 means `evaluation_interval`
        /// (Prometheus 3; 2.42 loads every sample at time 0).
        package var interval = Duration.zero
        /// `input_series`.
        package var inputSeries: [InputSeries] = []
        /// `alert_rule_test`.
        package var alertTests: [AlertTest] = []
        /// `promql_expr_test`.
        package var exprTests: [ExprTest] = []
        /// `external_labels`: `$externalLabels` in templates.
        package var externalLabels: [String: String] = [:]
        /// `external_url`: `$externalURL` in templates.
        package var externalURL = ""

        /// An empty group.
        package init() {}
    }

    /// `input_series[]`: a series and its values in expanding notation (`1+2x3 _ stale`).
    package struct InputSeries: Sendable, Equatable {
        /// `series`: `metric{label="value"}`.
        package var series = ""
        /// `values`.
        package var values = ""
    }

    /// `alert_rule_test[]`: the firing alerts of one alert name at one time.
    package struct AlertTest: Sendable, Equatable {
        /// `eval_time`: since time 0.
        package var evalTime = Duration.zero
        /// `alertname`.
        package var alertName = ""
        /// `exp_alerts`: every firing alert of that name, or none.
        package var expectedAlerts: [ExpectedAlert] = []
    }

    /// `exp_alerts[]`: an alert's labels (without `alertname`) and annotations.
    package struct ExpectedAlert: Sendable, Equatable {
        /// `exp_labels`.
        package var labels: [String: String] = [:]
        /// `exp_annotations`.
        package var annotations: [String: String] = [:]
    }

    /// `promql_expr_test[]`: an instant query and its expected result.
    package struct ExprTest: Sendable, Equatable {
        /// `expr`.
        package var expr = ""
        /// `eval_time`: since time 0.
        package var evalTime = Duration.zero
        /// `exp_samples`.
        package var expectedSamples: [ExpectedSample] = []
    }

    /// `exp_samples[]`: a series in `metric{label="value"}` notation and its value.
    package struct ExpectedSample: Sendable, Equatable {
        /// `labels`.
        package var labels = ""
        /// `value`.
        package var value = 0.0
    }
}
