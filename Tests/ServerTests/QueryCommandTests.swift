import Foundation
import Model
import PharosTestSupport
import Testing

/// `pharos query` against Debian's `promtool query` as the reference: both query the same
/// real `pharos server` with the same arguments and must print the same bytes and exit with
/// the same code (vectors, matrices, scalars, errors, `-o json`, series and label values).
@Suite(.enabled(if: PharosInstance.binary != nil && TestBinaries.onPath("promtool") != nil, "needs pharos and promtool"))
struct QueryCommandTests {
    static let base: Int64 = 1_700_000_000_000

    /// Series whose label texts sort differently from their names (`a`, `a1`, `a_b`), label
    /// counts that differ (matrix order), and values Go prints in full (`1e21`, `1e-10`).
    static func samples() -> [(Labels, [(Int64, Double)])] {
        let times = (0..<40).map { base + Int64($0) * 15_000 }
        return [
            (Labels(["__name__": "m", "a": "1"]), times.map { ($0, 0.1) }),
            (Labels(["__name__": "m", "a1": "x"]), times.map { ($0, 1e21) }),
            (Labels(["__name__": "m", "a": "2", "a_b": "y\"q\\"]), times.map { ($0, -2.5e-10) }),
            (Labels(["__name__": "m"]), times.enumerated().map { ($0.element, Double($0.offset)) }),
            (Labels(["__name__": "c", "job": "api", "code": "200"]), times.enumerated().map { ($0.element, Double($0.offset * $0.offset)) }),
            (Labels(["__name__": "c", "job": "web<&>", "code": "500"]), times.map { ($0, 7) }),
        ]
    }

    @Test func samePrintoutsAndExitCodesAsPromtool() async throws {
        let pharosBinary = try #require(PharosInstance.binary), promtool = try #require(TestBinaries.onPath("promtool"))
        let server = try await PharosInstance(samples: Self.samples())
        defer { Task { await server.stop() } }
        try await server.waitUntilReady()
        let url = server.baseURL
        let t = "\(Double(Self.base + 300_000) / 1000)", start = "\(Double(Self.base) / 1000)"
        let end = "\(Double(Self.base + 240_000) / 1000)"
        let cases: [[String]] = [
            ["instant", "--time=\(t)", url, "m"],
            ["instant", "--time=\(t)", url, "m * 1e21"],
            ["instant", "--time=\(t)", url, "0 - m / 1e10"],
            ["instant", "--time=\(t)", url, "sum(m)"],
            ["instant", "--time=\(t)", url, "m{a=\"nope\"}"],
            ["instant", "--time=\(t)", url, "1e-10"],
            ["instant", "--time=\(t)", url, "time()"],
            ["instant", "--time=\(t)", url, "vector(1) / 0"],
            ["instant", "--time=\(t)", url, "m[1m]"],
            ["instant", "--time=\(t)", url, "c"],
            ["instant", "--time=2023-11-14T22:18:20Z", url, "c"],
            ["instant", "--time=\(t)", url, "up{"],
            ["instant", "--time=\(t)", url, "rate(m)"],
            ["instant", "--time=soon", url, "m"],
            ["instant", "-o", "json", "--time=\(t)", url, "m"],
            ["instant", "-o", "json", "--time=\(t)", url, "1.5"],
            ["instant", "--format=json", "--time=\(t)", url, "c[30s]"],
            ["range", "--start=\(start)", "--end=\(end)", "--step=60s", url, "m"],
            ["range", "--start=\(start)", "--end=\(end)", url, "c"],
            ["range", "--start=\(start)", "--end=\(end)", "--step=1m30s", url, "rate(c[2m])"],
            ["range", "-o", "json", "--start=\(start)", "--end=\(end)", "--step=1m", url, "m"],
            ["range", "--start=\(end)", "--end=\(start)", url, "m"],
            ["range", "--start=\(start)", "--end=\(end)", "--step=0.5s", url, "sum(c)"],
            ["series", "--match=m", "--start=\(start)", "--end=\(end)", url],
            ["series", "--match=c", url],
            ["labels", url, "code"],
            ["series", "--match=m{a!=\"\"}", "--match=c", "--start=\(start)", "--end=\(end)", url],
            ["series", "-o", "json", "--match=c", "--start=\(start)", "--end=\(end)", url],
            ["labels", "--start=\(start)", "--end=\(end)", url, "a"],
            ["labels", "--match=c", "--start=\(start)", "--end=\(end)", url, "job"],
            ["labels", "-o", "json", "--start=\(start)", "--end=\(end)", url, "__name__"],
        ]
        for (index, arguments) in cases.enumerated() {
            func run(_ binary: String, _ name: String) async throws -> (Int32?, String) {
                let process = try Daemon(binary, ["query"] + arguments, output: .file("\(server.directory)/\(name)-\(index).out"))
                let status = await process.waitForExit(timeout: .seconds(60))
                return (status, process.log)
            }
            let (ourStatus, ours) = try await run(pharosBinary, "pharos")
            let (theirStatus, theirs) = try await run(promtool, "promtool")
            #expect(ourStatus == theirStatus, "exit code of \(arguments)")
            #expect(ours == theirs, "output of \(arguments)")
        }
    }

    /// Malformed flags and broken servers: a clear message on standard error and exit code 1,
    /// never a crash.
    @Test func malformedInputFailsCleanly() async throws {
        let pharosBinary = try #require(PharosInstance.binary)
        let server = try await PharosInstance(samples: Self.samples())
        defer { Task { await server.stop() } }
        try await server.waitUntilReady()
        let closed = "http://127.0.0.1:\(try Daemon.freePort())"
        let cases: [([String], String)] = [
            (["range", "--step=5x", server.baseURL, "m"], "invalid duration"),
            (["range", "--step=1.5.s", server.baseURL, "m"], "invalid duration"),
            (["range", "--step=s", server.baseURL, "m"], "invalid duration"),
            (["range", "--step=-", server.baseURL, "m"], "invalid duration"),
            (["range", "--start=yesterday", server.baseURL, "m"], "error parsing start time"),
            (["series", "--match=m", "--end=1e400", server.baseURL], "error parsing end time"),
            (["instant", closed, "m"], "query error: Post"),
            (["instant", server.baseURL + "/no/such/prefix", "m"], "query error: bad_response: 404"),
            (["labels", "--match=a{", server.baseURL, "a"], "query error: bad_data: "),
        ]
        for (index, (arguments, message)) in cases.enumerated() {
            let process = try Daemon(pharosBinary, ["query"] + arguments, output: .file("\(server.directory)/bad-\(index).out"))
            let status = await process.waitForExit(timeout: .seconds(60))
            #expect(status == 1, "exit code of \(arguments): \(process.log)")
            #expect(process.log.contains(message), "\(arguments): \(process.log)")
        }
    }
}
