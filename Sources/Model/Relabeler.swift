/// A list of relabel steps (`relabel_configs`, `metric_relabel_configs`, ...) compiled once
/// and applied in order, as Prometheus's `relabel.Process`.
package struct Relabeler: Sendable {
    /// The compiled steps, in configuration order.
    package let steps: [RelabelStep]

    /// Validates and compiles `configs`.
    ///
    /// - Throws: the first step's `ModelError`, as `RelabelStep.init` describes.
    package init(_ configs: [RelabelConfig], scheme: NameValidationScheme = .utf8) throws(ModelError) {
        var steps: [RelabelStep] = []
        steps.reserveCapacity(configs.count)
        for config in configs { steps.append(try RelabelStep(config, scheme: scheme)) }
        self.steps = steps
    }

    /// Whether there is nothing to do.
    package var isEmpty: Bool { steps.isEmpty }

    /// Applies every step to `labels`.
    ///
    /// - Returns: the relabeled set, or `nil` when a step drops it. An unchanged set is
    ///   returned as is (same storage, hash not recomputed).
    package func process(_ labels: Labels) -> Labels? {
        if steps.isEmpty { return labels }
        var builder = LabelsBuilder(labels)
        return process(&builder) ? builder.labels() : nil
    }

    /// Applies every step to `builder`, stopping at the first that drops.
    ///
    /// - Returns: `false` when a step drops the target or series.
    package func process(_ builder: inout LabelsBuilder) -> Bool {
        for step in steps where !step.apply(to: &builder) { return false }
        return true
    }
}
