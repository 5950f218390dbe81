internal import Config
internal import Foundation
internal import Yams

/// A named `time_intervals` (or deprecated `mute_time_intervals`) entry of `alertmanager.yml`.
package struct NamedTimeInterval: Sendable, Equatable {
    /// `name`, referenced by routes' `mute_time_intervals` and `active_time_intervals`.
    package var name: String
    /// `time_intervals`: the interval is active when any of them is.
    package var intervals: [TimeInterval]

    static func decode(_ node: Node, deprecated: Bool) throws(ConfigError) -> NamedTimeInterval {
        var map = try YAMLMapping(node, type: "config.plain")
        let name = try map.string("name")
        let intervals = try map.list("time_intervals", TimeInterval.decode)
        try map.finish()
        guard !name.isEmpty else { throw map.invalid(deprecated ? "missing name in mute time interval" : "missing name in time interval") }
        return NamedTimeInterval(name: name, intervals: intervals)
    }
}

/// One interval (Alertmanager's `timeinterval.TimeInterval`): each field left empty matches all.
package struct TimeInterval: Sendable, Equatable {
    /// `times`: minutes of the day, start inclusive, end exclusive (`end_time: "24:00"` is 1440).
    package var times: [InclusiveRange] = []
    /// `weekdays`: 0 = Sunday ... 6 = Saturday.
    package var weekdays: [InclusiveRange] = []
    /// `days_of_month`: 1...31, or negative counted from the end of the month (-1 = last day);
    /// `5:-1` (the 5th to the last day) has a begin above its end.
    package var daysOfMonth: [InclusiveRange] = []
    /// `months`: 1 = January ... 12.
    package var months: [InclusiveRange] = []
    /// `years`.
    package var years: [InclusiveRange] = []
    /// `location`: a time zone name from the tz database; `nil` is UTC.
    package var location: String?

    static let weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    static let monthNames = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    ]

    static func decode(_ node: Node) throws(ConfigError) -> TimeInterval {
        var map = try YAMLMapping(node, type: "timeinterval.TimeInterval")
        var interval = TimeInterval()
        interval.times = try map.list("times", decodeTimeRange)
        interval.weekdays = try map.list("weekdays") { (item: Node) throws(ConfigError) in
            let range = try parseRange(item) { text throws(ConfigError) in
                guard let day = weekdayNames.firstIndex(of: text) else {
                    throw .invalid("\(text) is not a valid weekday", line: StrictYAML.line(item))
                }
                return day
            }
            guard range.begin <= range.end else { throw .invalid("start day cannot be before end day", line: StrictYAML.line(item)) }
            return InclusiveRange(begin: range.begin, end: range.end)
        }
        interval.daysOfMonth = try map.list("days_of_month", decodeDayOfMonthRange)
        interval.months = try map.list("months") { (item: Node) throws(ConfigError) in
            let range = try parseRange(item) { text throws(ConfigError) in
                if let index = monthNames.firstIndex(of: text) { return index + 1 }
                // Numbers are taken as they are, without a range check, as Alertmanager does.
                guard let number = Int(text) else {
                    throw .invalid("\(text) is not a valid month", line: StrictYAML.line(item))
                }
                return number
            }
            guard range.begin <= range.end else {
                throw .invalid("end month \(range.end) is before start month \(range.begin)", line: StrictYAML.line(item))
            }
            return InclusiveRange(begin: range.begin, end: range.end)
        }
        interval.years = try map.list("years") { (item: Node) throws(ConfigError) in
            let range = try parseRange(item) { text throws(ConfigError) in
                guard let year = Int(text) else { throw .invalid("\(text) is not a valid year", line: StrictYAML.line(item)) }
                return year
            }
            guard range.begin <= range.end else {
                throw .invalid("end year \(range.end) is before start year \(range.begin)", line: StrictYAML.line(item))
            }
            return InclusiveRange(begin: range.begin, end: range.end)
        }
        if let node = map.take("location"), !StrictYAML.isNull(node) {
            let name = try StrictYAML.string(node)
            guard TimeZoneNames.isValid(name) else { throw .invalid("unknown time zone \(name)", line: StrictYAML.line(node)) }
            interval.location = name
        }
        try map.finish()
        return interval
    }

    /// `start_time`/`end_time` as `HH:MM` (hours 00-23, or exactly `24:00` for the end of the day).
    static func decodeTimeRange(_ node: Node) throws(ConfigError) -> InclusiveRange {
        var map = try YAMLMapping(node, type: "timeinterval.yamlTimeRange")
        let start = try map.string("start_time")
        let end = try map.string("end_time")
        try map.finish()
        guard !start.isEmpty, !end.isEmpty else { throw map.invalid("both start and end times must be provided") }
        let startMinute = try minuteOfDay(start, line: map.line)
        let endMinute = try minuteOfDay(end, line: map.line)
        guard startMinute < endMinute else { throw map.invalid("start time cannot be equal or greater than end time") }
        return InclusiveRange(begin: startMinute, end: endMinute)
    }

    static func minuteOfDay(_ text: String, line: Int) throws(ConfigError) -> Int {
        if text == "24:00" { return 24 * 60 }
        let bytes = Array(text.utf8)
        func digit(_ byte: UInt8) -> Int? { (48...57).contains(byte) ? Int(byte - 48) : nil }
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"), let h1 = digit(bytes[0]), let h2 = digit(bytes[1]),
            let m1 = digit(bytes[3]), let m2 = digit(bytes[4]), h1 * 10 + h2 < 24, m1 < 6
        else { throw .invalid("couldn't parse timestamp \(text), invalid format", line: line) }
        return (h1 * 10 + h2) * 60 + m1 * 10 + m2
    }

    static func decodeDayOfMonthRange(_ node: Node) throws(ConfigError) -> InclusiveRange {
        let line = StrictYAML.line(node)
        let range = try parseRange(node) { text throws(ConfigError) in
            guard let day = Int(text) else { throw .invalid("\(text) is not a valid day of the month", line: line) }
            return day
        }
        for day in [range.begin, range.end] where day == 0 || day < -31 || day > 31 {
            throw .invalid("\(day) is not a valid day of the month: out of range", line: line)
        }
        // A negative start with a positive end would mean different days in months of different
        // lengths; a range that is empty even in the shortest (28-day) month can never match.
        if range.begin < 0 && range.end > 0 {
            throw .invalid("end day must be negative if start day is negative", line: line)
        }
        let begin = range.begin < 0 ? 28 + range.begin : range.begin
        let end = range.end < 0 ? 28 + range.end : range.end
        guard begin <= end else { throw .invalid("end day \(range.end) is always before start day \(range.begin)", line: line) }
        return InclusiveRange(begin: range.begin, end: range.end)
    }

    /// `a` or `a:b`, lower-cased, each side read by `member`.
    static func parseRange(
        _ node: Node, member: (String) throws(ConfigError) -> Int
    ) throws(ConfigError) -> (begin: Int, end: Int) {
        let text = try StrictYAML.string(node).lowercased()
        guard text.contains(":") else {
            let value = try member(text)
            return (value, value)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .invalid("couldn't parse range \(text), invalid format", line: StrictYAML.line(node)) }
        return (try member(String(parts[0])), try member(String(parts[1])))
    }
}

/// A range of a time interval field as written: `begin` and `end` are both included, except for
/// `times`, whose end minute is excluded. No order is implied (`days_of_month: ['5:-1']`).
package struct InclusiveRange: Sendable, Equatable {
    package var begin: Int
    package var end: Int

    package init(begin: Int, end: Int) {
        self.begin = begin
        self.end = end
    }
}

/// Time zone names as Go's `time.LoadLocation` takes them: "", `UTC`, `Local`, or a file of the
/// tz database under /usr/share/zoneinfo.
enum TimeZoneNames {
    static func isValid(_ name: String) -> Bool {
        if name.isEmpty || name == "UTC" || name == "Local" { return true }
        guard !name.hasPrefix("/"), !name.hasPrefix("\\"), !name.split(separator: "/").contains("..") else { return false }
        for directory in ["/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/", "/usr/lib/locale/TZ/"] {
            guard let handle = FileHandle(forReadingAtPath: directory + name) else { continue }
            defer { try? handle.close() }
            // A zone file starts with the magic "TZif"; directories and other files are not zones.
            if let magic = try? handle.read(upToCount: 4), magic == Data("TZif".utf8) { return true }
        }
        return false
    }
}
