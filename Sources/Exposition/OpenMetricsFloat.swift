internal import Model

extension Double {
    /// The value as Prometheus writes `le` and `quantile` label values
    /// (`labels.FormatOpenMetricsFloat`): Go's shortest `%g` (see `FloatFormatting`) with `.0`
    /// added to integers, so `1` is `"1.0"`, `0` (either sign) `"0.0"`, `0.25` `"0.25"`, `1e6`
    /// `"1e+06"`, and `+Inf`, `-Inf`, `NaN`.
    var openMetricsLabelValue: String {
        if self == 0 { return "0.0" }
        var out: [UInt8] = []
        FloatFormatting.append(self, to: &out)
        if isFinite, !out.contains(UInt8(ascii: ".")), !out.contains(UInt8(ascii: "e")) {
            out.append(contentsOf: ".0".utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
