import Testing

@testable import Template

/// `printf` and value printing follow Go's `fmt` (expected strings as Go prints them).
@Suite struct GoFormatTests {
    static let sprintfCases: [(String, [TemplateValue], String)] = [
        ("%5.2f|%-5d|%05d|%x|%X|%#x", [TemplateValue.float(3.14159), .int(42), .int(42), .int(255), .string("hi"), .int(255)],
         " 3.14|42   |00042|ff|6869|0xff"),
        ("%q %t %v %s", [.string("a\"b\n"), .bool(true), .float(1.5), .string("s")], "\"a\\\"b\\n\" true 1.5 s"),
        ("%s|%d", [.int(3), .string("x")], "%!s(int=3)|%!d(string=x)"),
        ("%d %d", [.int(1)], "1 %!d(MISSING)"),
        ("%d", [.int(1), .int(2), .string("z")], "1%!(EXTRA int=2, string=z)"),
        ("%.3g|%g|%e|%G", [.float(1234.5678), .float(1e-7), .float(1234.5678), .float(1e-7)], "1.23e+03|1e-07|1.234568e+03|1E-07"),
        ("%.4g|%.4g|%.4g|%.4g", [.float(1), .float(123456), .float(0.00012345), .float(0.5)], "1|1.235e+05|0.0001234|0.5"),
        ("%+d|% d|%6.2f%%", [.int(5), .int(5), .float(99.5)], "+5| 5| 99.50%"),
        ("%s|%v|%d", [.list([.string("a"), .string("b")]), .map(TemplateMap(["a": .int(1)])), .list([.int(1), .int(2)])],
         "[a b]|map[a:1]|[1 2]"),
        ("%10s|%-10s|%.2s|%5.1s|", [.string("abc"), .string("abc"), .string("abcdef"), .string("xyz")], "       abc|abc       |ab|    x|"),
        ("%c|%U|%o|%b|%q", [.int(65), .int(0x1F600), .int(8), .int(5), .int(120)], "A|U+1F600|10|101|'x'"),
        ("%T %T %T %T", [.float(1.5), .string("x"), .stringMap([:]), .missing], "float64 string map[string]string <nil>"),
        ("%f|%5.1f|%v|%f", [.float(.infinity), .float(.nan), .float(-.infinity), .float(-0.0)], "+Inf|  NaN|-Inf|-0.000000"),
        ("%v|%s|%d", [.missing, .missing, .missing], "<nil>|%!s(<nil>)|%!d(<nil>)"),
        ("%x|%08.3f|%-8.3f|", [.int(-255), .float(-3.14159), .float(3.14159)], "-ff|-003.142|3.142   |"),
        ("%s|%v|%d", [.duration(90_000_000_000), .duration(1_000), .duration(2)], "1m30s|1µs|2"),
        ("%*d|%-*d|%.*f", [.int(4), .int(7), .int(3), .int(7), .int(1), .float(2.25)], "   7|7  |2.2"),
        ("100%% %", [], "100% %!(NOVERB)"),
        ("%z", [.int(1)], "%!z(int=1)"),
        ("%x % x", [.string("\u{1}é"), .string("ab")], "01c3a9 61 62"),
        ("%q", [.string("\u{7F}\u{1F600}\u{2028}")], "\"\\x7f\u{1F600}\\u2028\""),
        ("%+q", [.string("é")], "\"\\u00e9\""),
        ("%v %v", [.bool(false), .html("<b>")], "false <b>"),
    ]

    @Test(arguments: sprintfCases)
    func sprintf(format: String, args: [TemplateValue], expected: String) {
        #expect(GoSprintf.format(format, args) == expected)
    }

    @Test(arguments: [
        (0.0, "0"), (-0.0, "-0"), (1e21, "1e+21"), (123456789.0, "1.23456789e+08"), (Double.leastNonzeroMagnitude, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (0.000123, "0.000123"), (2.5, "2.5"), (100.0, "100"),
        (1e6, "1e+06"), (999999.0, "999999"), (0.1 + 0.2, "0.30000000000000004"), (1.0 / 3.0, "0.3333333333333333"),
        (-1234.5, "-1234.5"), (1e-5, "1e-05"), (12345678901234567890.0, "1.2345678901234567e+19"),
    ])
    func shortestFloat(value: Double, expected: String) {
        #expect(GoFloatFormat.shortest(value) == expected)
    }

    @Test(arguments: [
        (Int64(0), "0s"), (1, "1ns"), (999, "999ns"), (1_500, "1.5µs"), (1_000_000, "1ms"), (1_234_567, "1.234567ms"),
        (1_000_000_000, "1s"), (61_500_000_000, "1m1.5s"), (3_600_000_000_000, "1h0m0s"), (-90_000_000_000, "-1m30s"),
        (Int64.min, "-2562047h47m16.854775808s"),
    ])
    func durationString(nanos: Int64, expected: String) {
        #expect(GoTimeFormat.durationString(nanos) == expected)
    }

    @Test(arguments: [
        (TemplateTime(seconds: 0, nanoseconds: 0), "1970-01-01 00:00:00 +0000 UTC"),
        (TemplateTime(seconds: 1_435_065_584, nanoseconds: 128_000_000), "2015-06-23 13:19:44.128 +0000 UTC"),
        (TemplateTime(seconds: -1, nanoseconds: 0), "1969-12-31 23:59:59 +0000 UTC"),
        (TemplateTime(seconds: 951_782_400, nanoseconds: 1), "2000-02-29 00:00:00.000000001 +0000 UTC"),
        (TemplateTime(seconds: -62_135_596_800, nanoseconds: 0), "0001-01-01 00:00:00 +0000 UTC"),
        (TemplateTime(seconds: 0, nanoseconds: -1), "1969-12-31 23:59:59.999999999 +0000 UTC"),
    ])
    func timeString(time: TemplateTime, expected: String) {
        #expect(GoTimeFormat.string(time) == expected)
    }
}

/// Methods on time and duration values, and `time.Format` layouts.
@Suite struct TemplateMethodTests {
    static let t = TemplateTime(seconds: 1_435_065_584, nanoseconds: 128_000_000)   // Tue 2015-06-23 13:19:44.128 UTC

    @Test(arguments: [
        ("2006-01-02 15:04:05", "2015-06-23 13:19:44"),
        ("Mon Jan _2 15:04:05 MST 2006", "Tue Jun 23 13:19:44 UTC 2015"),
        ("Monday, January 2, 2006 3:04:05 PM", "Tuesday, June 23, 2015 1:19:44 PM"),
        ("2006-01-02T15:04:05.000Z07:00", "2015-06-23T13:19:44.128Z"),
        ("15:04:05.999999 -0700 -07:00 -07", "13:19:44.128 +0000 +00:00 +00"),
        ("06 002 __2 .000000 ,9 pm", "15 174 174 .128000 ,1 pm"),
        ("Janet Month 1/2", "Janet Month 6/23"),
    ])
    func format(layout: String, expected: String) {
        #expect(GoTimeLayout.format(Self.t, layout: layout) == expected)
    }

    @Test func methodsInTemplates() throws {
        #expect(try render("{{ .Format \"2006\" }} {{ .Unix }} {{ .UnixMilli }} {{ .Year }} {{ .YearDay }} {{ .UTC.Hour }}", .time(Self.t))
            == "2015 1435065584 1435065584128 2015 174 13")
        #expect(try render("{{ .Seconds }} {{ .Minutes }} {{ .Milliseconds }} {{ .String }}", .duration(90_500_000_000))
            == "90.5 1.5083333333333333 90500 1m30.5s")
        #expect(try AlertTemplate.expand("{{ (1435065584.128 | toTime).Format \"2006\" }}", name: "t", data: .missing,
                                         context: PrometheusTemplateContext()) == "2015")
        #expect(failure("{{ .Format }}", .time(Self.t))
            == "template: t:1:3: executing \"t\" at <.Format>: wrong number of args for Format: want 1 got 0")
        let record = TemplateValue.record(TemplateRecord(
            typeName: "template.Data", fields: [("N", .int(2))],
            methods: ["Twice": TemplateFunction([.int]) { args in
                guard case .int(let n) = args[0] else { return .missing }
                return .int(n * 2)
            }]))
        #expect(try render("{{ .Twice .N }} {{ .N | .Twice }}", record) == "4 4")
    }
}
