/// Go's `time.Time.Format` for UTC times: the reference-time layout elements (`2006-01-02
/// 15:04:05.000 MST`, `Jan _2`, `Monday`, `-07:00`, `Z07:00`, `.999`), matched in the order of
/// Go's `nextStdChunk`.
enum GoTimeLayout {
    struct Civil {
        var year: Int64, month: Int64, day: Int64
        var hour: Int, minute: Int, second: Int
        var weekday: Int      // 0 = Sunday
        var yearDay: Int      // 1-based

        init(_ t: TemplateTime) {
            let days = t.seconds >= 0 ? t.seconds / 86_400 : -((-t.seconds + 86_399) / 86_400)
            let secondOfDay = Int(t.seconds - days * 86_400)
            (year, month, day) = GoTimeFormat.civilFromDays(days)
            hour = secondOfDay / 3600
            minute = secondOfDay / 60 % 60
            second = secondOfDay % 60
            weekday = Int(((days % 7) + 11) % 7)   // 1970-01-01 was a Thursday (4)
            let cumulative = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            yearDay = cumulative[Int(month) - 1] + Int(day) + (leap && month > 2 ? 1 : 0)
        }
    }

    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    static func format(_ t: TemplateTime, layout: String) -> String {
        let c = Civil(t)
        let l = Array(layout.utf8)
        var out: [UInt8] = []
        var i = 0
        func has(_ s: String, at k: Int) -> Bool {
            let p = Array(s.utf8)
            return k + p.count <= l.count && Array(l[k..<(k + p.count)]) == p
        }
        func startsWithLower(_ k: Int) -> Bool { k < l.count && l[k] >= UInt8(ascii: "a") && l[k] <= UInt8(ascii: "z") }
        func isDigit(_ k: Int) -> Bool { k < l.count && l[k] >= UInt8(ascii: "0") && l[k] <= UInt8(ascii: "9") }
        func pad(_ v: Int64, _ width: Int, _ fill: Character = "0") -> String {
            let digits = String(v.magnitude)
            let padded = String(repeating: fill, count: max(0, width - digits.count)) + digits
            return v < 0 ? "-" + padded : padded
        }
        let hour12 = c.hour % 12 == 0 ? 12 : c.hour % 12
        while i < l.count {
            let ch = l[i]
            var emitted: String?
            var width = 0
            switch ch {
            case UInt8(ascii: "J"):
                if has("January", at: i) { emitted = months[Int(c.month) - 1]; width = 7 }
                else if has("Jan", at: i), !startsWithLower(i + 3) { emitted = String(months[Int(c.month) - 1].prefix(3)); width = 3 }
            case UInt8(ascii: "M"):
                if has("Monday", at: i) { emitted = weekdays[c.weekday]; width = 6 }
                else if has("Mon", at: i), !startsWithLower(i + 3) { emitted = String(weekdays[c.weekday].prefix(3)); width = 3 }
                else if has("MST", at: i) { emitted = "UTC"; width = 3 }
            case UInt8(ascii: "0"):
                if i + 1 < l.count, l[i + 1] >= UInt8(ascii: "1"), l[i + 1] <= UInt8(ascii: "6") {
                    width = 2
                    switch l[i + 1] {
                    case UInt8(ascii: "1"): emitted = pad(c.month, 2)
                    case UInt8(ascii: "2"): emitted = pad(c.day, 2)
                    case UInt8(ascii: "3"): emitted = pad(Int64(hour12), 2)
                    case UInt8(ascii: "4"): emitted = pad(Int64(c.minute), 2)
                    case UInt8(ascii: "5"): emitted = pad(Int64(c.second), 2)
                    default: emitted = pad(((c.year % 100) + 100) % 100, 2)
                    }
                } else if has("002", at: i) { emitted = pad(Int64(c.yearDay), 3); width = 3 }
            case UInt8(ascii: "1"):
                if has("15", at: i) { emitted = pad(Int64(c.hour), 2); width = 2 } else { emitted = String(c.month); width = 1 }
            case UInt8(ascii: "2"):
                if has("2006", at: i) { emitted = pad(c.year, 4); width = 4 } else { emitted = String(c.day); width = 1 }
            case UInt8(ascii: "_"):
                if has("_2006", at: i) { emitted = "_" + pad(c.year, 4); width = 5 }
                else if has("_2", at: i) { emitted = pad(c.day, 2, " "); width = 2 }
                else if has("__2", at: i) { emitted = pad(Int64(c.yearDay), 3, " "); width = 3 }
            case UInt8(ascii: "3"): emitted = String(hour12); width = 1
            case UInt8(ascii: "4"): emitted = String(c.minute); width = 1
            case UInt8(ascii: "5"): emitted = String(c.second); width = 1
            case UInt8(ascii: "P"): if has("PM", at: i) { emitted = c.hour >= 12 ? "PM" : "AM"; width = 2 }
            case UInt8(ascii: "p"): if has("pm", at: i) { emitted = c.hour >= 12 ? "pm" : "am"; width = 2 }
            case UInt8(ascii: "-"):
                for (pattern, text) in [("-070000", "+000000"), ("-07:00:00", "+00:00:00"), ("-0700", "+0000"), ("-07:00", "+00:00"), ("-07", "+00")]
                where has(pattern, at: i) {
                    emitted = text
                    width = pattern.utf8.count
                    break
                }
            case UInt8(ascii: "Z"):
                for pattern in ["Z070000", "Z07:00:00", "Z0700", "Z07:00", "Z07"] where has(pattern, at: i) {
                    emitted = "Z"
                    width = pattern.utf8.count
                    break
                }
            case UInt8(ascii: "."), UInt8(ascii: ","):
                if i + 1 < l.count, l[i + 1] == UInt8(ascii: "0") || l[i + 1] == UInt8(ascii: "9") {
                    let digit = l[i + 1]
                    var j = i + 1
                    while j < l.count, l[j] == digit { j += 1 }
                    if !isDigit(j) {
                        let n = j - (i + 1)
                        let nanos = String(repeating: "0", count: 9 - String(t.nanoseconds).count) + String(t.nanoseconds)
                        var fraction = String(nanos.prefix(n))
                        if digit == UInt8(ascii: "9") {
                            while fraction.hasSuffix("0") { fraction.removeLast() }
                        }
                        emitted = fraction.isEmpty ? "" : String(UnicodeScalar(ch)) + fraction
                        width = j - i
                    }
                }
            default: break
            }
            if let emitted {
                out.append(contentsOf: emitted.utf8)
                i += width
            } else {
                out.append(ch)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
