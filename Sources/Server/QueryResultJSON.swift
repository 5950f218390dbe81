import Model
package import PromQL

extension JSONWriter {
    /// Appends a query result's `data` member: `{"resultType":…,"result":…}` as the
    /// Prometheus API writes it.
    package mutating func queryData(_ value: QueryValue) {
        switch value {
        case .scalar(let t, let v):
            raw(#"{"resultType":"scalar","result":"#)
            point(t, v)
        case .string(let t, let v):
            raw(#"{"resultType":"string","result":["#)
            timestamp(t)
            byte(",")
            string(v)
            byte("]")
        case .vector(let samples):
            raw(#"{"resultType":"vector","result":["#)
            for (i, sample) in samples.enumerated() {
                if i > 0 { byte(",") }
                raw(#"{"metric":"#)
                labels(sample.labels)
                raw(#","value":"#)
                point(sample.t, sample.v)
                byte("}")
            }
            byte("]")
        case .matrix(let series):
            raw(#"{"resultType":"matrix","result":["#)
            for (i, one) in series.enumerated() {
                if i > 0 { byte(",") }
                raw(#"{"metric":"#)
                labels(one.labels)
                raw(#","values":["#)
                for (j, p) in one.points.enumerated() {
                    if j > 0 { byte(",") }
                    point(p.t, p.v)
                }
                raw("]}")
            }
            byte("]")
        }
        byte("}")
    }

    /// `[<seconds>,"<value>"]`.
    private mutating func point(_ t: Int64, _ v: Double) {
        byte("[")
        timestamp(t)
        byte(",")
        sampleValue(v)
        byte("]")
    }
}
