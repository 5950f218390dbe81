/// Methods templates may call on values, as Go finds them by reflection: `time.Time` and
/// `time.Duration` methods users call in alert and notification templates, and a record's own.
enum TemplateMethods {
    static func method(named name: String, on receiver: TemplateValue) -> TemplateFunction? {
        switch receiver {
        case .record(let record): return record.methods[name]
        case .time(let time): return timeMethod(name, time)
        case .duration(let nanos): return durationMethod(name, nanos)
        case .map(let map) where map.isKV: return AlertmanagerTemplateMethods.kvMethod(name, map)
        case .list(let items): return AlertmanagerTemplateMethods.listMethod(name, items)
        default: return nil
        }
    }

    private static func timeMethod(_ name: String, _ t: TemplateTime) -> TemplateFunction? {
        let civil = GoTimeLayout.Civil(t)
        switch name {
        case "Format":
            return TemplateFunction([.string]) { args in
                guard case .string(let layout) = args[0] else { return .string("") }
                return .string(GoTimeLayout.format(t, layout: layout))
            }
        case "String": return TemplateFunction([]) { _ in .string(GoTimeFormat.string(t)) }
        case "Unix": return TemplateFunction([]) { _ in .int(Int(t.seconds)) }
        case "UnixMilli": return TemplateFunction([]) { _ in .int(Int(t.seconds) * 1000 + Int(t.nanoseconds) / 1_000_000) }
        case "UnixNano":
            return TemplateFunction([]) { _ in
                let (product, overflow) = Int(t.seconds).multipliedReportingOverflow(by: 1_000_000_000)
                return .int(overflow ? 0 : product &+ Int(t.nanoseconds))
            }
        case "UTC", "Local": return TemplateFunction([]) { _ in .time(t) }
        case "IsZero": return TemplateFunction([]) { _ in .bool(t.seconds == -62_135_596_800 && t.nanoseconds == 0) }
        case "Year": return TemplateFunction([]) { _ in .int(Int(civil.year)) }
        case "YearDay": return TemplateFunction([]) { _ in .int(civil.yearDay) }
        case "Day": return TemplateFunction([]) { _ in .int(Int(civil.day)) }
        case "Hour": return TemplateFunction([]) { _ in .int(civil.hour) }
        case "Minute": return TemplateFunction([]) { _ in .int(civil.minute) }
        case "Second": return TemplateFunction([]) { _ in .int(civil.second) }
        case "Nanosecond": return TemplateFunction([]) { _ in .int(Int(t.nanoseconds)) }
        default: return nil
        }
    }

    private static func durationMethod(_ name: String, _ d: Int64) -> TemplateFunction? {
        switch name {
        case "String": TemplateFunction([]) { _ in .string(GoTimeFormat.durationString(d)) }
        case "Seconds": TemplateFunction([]) { _ in .float(Double(d / 1_000_000_000) + Double(d % 1_000_000_000) / 1e9) }
        case "Minutes": TemplateFunction([]) { _ in .float(Double(d / 60_000_000_000) + Double(d % 60_000_000_000) / 6e10) }
        case "Hours": TemplateFunction([]) { _ in .float(Double(d / 3_600_000_000_000) + Double(d % 3_600_000_000_000) / 3.6e12) }
        case "Milliseconds": TemplateFunction([]) { _ in .int(Int(d / 1_000_000)) }
        case "Microseconds": TemplateFunction([]) { _ in .int(Int(d / 1_000)) }
        case "Nanoseconds": TemplateFunction([]) { _ in .int(Int(d)) }
        default: nil
        }
    }
}
