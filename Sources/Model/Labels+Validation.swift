extension Labels {
    /// Checks a label set from outside (a scrape, a push, a remote write) before it is accepted,
    /// as Prometheus's `labels.IsValid`: every name valid under `scheme`, the `__name__` value a
    /// valid metric name, every value valid UTF-8, and no name twice (names strictly ascending).
    ///
    /// Sets built through `LabelsBuilder` are sorted and duplicate-free by construction; sets a
    /// decoder assembled from raw bytes (`init(encoded:)`) need not be, which is what this is for.
    ///
    /// - Throws: `ModelError.invalidLabelName`, `.invalidMetricName`, `.invalidLabelValue` or
    ///   `.duplicateLabelName`, `.labelsOutOfOrder` for the first offending label.
    package func validate(scheme: NameValidationScheme) throws(ModelError) {
        var failure: ModelError?
        var previousName: Range<Int>?
        forEachRange { nameRange, valueRange in
            let name = _bytes[nameRange]
            let value = _bytes[valueRange]
            if let previous = previousName, !_bytes[previous].lexicographicallyPrecedes(name) {
                failure = _bytes[previous].elementsEqual(name)
                    ? .duplicateLabelName(String(decoding: name, as: UTF8.self))
                    : .labelsOutOfOrder(
                        name: String(decoding: name, as: UTF8.self), after: String(decoding: _bytes[previous], as: UTF8.self))
                return false
            }
            previousName = nameRange
            if !Self.isValidName(name, scheme: scheme, allowColon: false) {
                failure = .invalidLabelName(String(decoding: name, as: UTF8.self), scheme: scheme)
                return false
            }
            if !Self.isValidUTF8(value) {
                failure = .invalidLabelValue(name: String(decoding: name, as: UTF8.self))
                return false
            }
            if equals(nameRange, Labels.metricNameLabel), !Self.isValidName(value, scheme: scheme, allowColon: true) {
                failure = .invalidMetricName(String(decoding: value, as: UTF8.self), scheme: scheme)
                return false
            }
            return true
        }
        if let failure { throw failure }
    }

    private static func isValidName(_ bytes: ArraySlice<UInt8>, scheme: NameValidationScheme, allowColon: Bool) -> Bool {
        switch scheme {
        case .utf8: !bytes.isEmpty && isValidUTF8(bytes)
        case .legacy: NameValidationScheme.isLegacyName(bytes, allowColon: allowColon)
        }
    }

    /// Strict UTF-8 (no overlong forms, surrogates or values past U+10FFFF), as Go's `utf8.Valid`.
    static func isValidUTF8(_ bytes: some Sequence<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
