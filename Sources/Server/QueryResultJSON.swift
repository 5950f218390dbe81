import Model
package import PromQL

extension JSONWriter {
    /// Appends a query result's `data` member: `{"resultType":…,"result":…}` as the
    /// Prometheus API writes it.
    package mutating func queryData(_ value: QueryValue, stats: QueryStats? = nil) {
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
            raw(#"{"resultType":"vector","result":"#)
            array(samples) { json, sample in
                json.raw(#"{"metric":"#)
                json.labels(sample.labels)
                json.raw(#","value":"#)
                json.point(sample.t, sample.v)
                json.byte("}")
            }
        case .matrix(let series):
            raw(#"{"resultType":"matrix","result":"#)
            array(series) { json, one in
                json.raw(#"{"metric":"#)
                json.labels(one.labels)
                json.raw(#","values":"#)
                json.array(one.points) { $0.point($1.t, $1.v) }
                json.byte("}")
            }
        }
        if let stats {
            byte(",")
            queryStats(stats)
        }
        byte("}")
    }

    /// `[<seconds>,"<value>"]`.
    fileprivate mutating func point(_ t: Int64, _ v: Double) {
        byte("[")
        timestamp(t)
        byte(",")
        sampleValue(v)
        byte("]")
    }
}
