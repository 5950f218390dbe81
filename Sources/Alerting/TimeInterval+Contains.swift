internal import Foundation

extension NamedTimeInterval {
    /// Whether any of the intervals contains the instant `ms` (Unix milliseconds).
    package func contains(ms: Int64) -> Bool {
        intervals.contains { $0.contains(ms: ms) }
    }
}

extension TimeInterval {
    /// Whether the instant `ms` lies in the interval, read in its `location` (upstream's
    /// `TimeInterval.ContainsTime`): each field set must contain the time's minute of the day,
    /// day of the month (negative days counted from the month's end), weekday, month and year.
    package func contains(ms: Int64) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let hour = parts.hour,
            let minute = parts.minute, let weekday = parts.weekday
        else { return false }
        if !times.isEmpty {
            let minuteOfDay = hour * 60 + minute
            guard times.contains(where: { minuteOfDay >= $0.begin && minuteOfDay < $0.end }) else { return false }
        }
        if !daysOfMonth.isEmpty {
            let daysInMonth = calendar.range(of: .day, in: .month, for: date)?.count ?? 31
            let found = daysOfMonth.contains { range in
                var begin = range.begin < 0 ? daysInMonth + range.begin + 1 : range.begin
                var end = range.end < 0 ? daysInMonth + range.end + 1 : range.end
                if begin > daysInMonth { return false }
                begin = min(max(begin, -daysInMonth), daysInMonth)
                end = min(max(end, -daysInMonth), daysInMonth)
                return day >= begin && day <= end
            }
            guard found else { return false }
        }
        if !months.isEmpty && !months.contains(where: { month >= $0.begin && month <= $0.end }) { return false }
        // Foundation counts weekdays from 1 (Sunday); Go and the config from 0.
        if !weekdays.isEmpty && !weekdays.contains(where: { weekday - 1 >= $0.begin && weekday - 1 <= $0.end }) { return false }
        if !years.isEmpty && !years.contains(where: { year >= $0.begin && year <= $0.end }) { return false }
        return true
    }

    /// `location` as a time zone: UTC when unset, empty or `UTC`; the process's for `Local`.
    private var zone: TimeZone {
        switch location {
        case nil, "", "UTC": TimeZone(identifier: "UTC") ?? .current
        case "Local": .current
        case let name?: TimeZone(identifier: name) ?? TimeZone(identifier: "UTC") ?? .current
        }
    }
}
