import Foundation
import Testing

/// `/api/v1/rules?group_limit=N&group_next_token=T`: pages of rule groups on a running server,
/// with upstream's token (SHA-256 of `file;group`) and errors.
@Suite(.enabled(if: PharosInstance.binary != nil, "needs a built pharos"))
struct RulesAPIPaginationTests {
    @Test func pagesThroughTheGroups() async throws {
        let groups = ["a", "b", "c"].map { "  - name: \($0)\n    rules:\n      - record: \($0):up\n        expr: vector(1)\n" }.joined()
        let pharos = try await PharosInstance(
            config: "global:\n  evaluation_interval: 1h\nrule_files: [rules.yml]\n", files: ["rules.yml": "groups:\n" + groups])
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let file = pharos.directory + "/rules.yml"
        // The token, computed independently of Pharos by coreutils' sha256sum.
        func token(_ group: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            input.fileHandleForWriting.write(Data("\(file);\(group)".utf8))
            try input.fileHandleForWriting.close()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return String(text.prefix(64))
        }
        func names(_ data: Any) -> [String] {
            ((data as? [String: Any])?["groups"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        }

        let next = try token("c")
        let first = try await pharos.data("/api/v1/rules?group_limit=2") as? [String: Any]
        #expect(names(first as Any) == ["a", "b"])
        #expect(first?["groupNextToken"] as? String == next)
        let second = try await pharos.data("/api/v1/rules?group_limit=2&group_next_token=\(next)") as? [String: Any]
        #expect(names(second as Any) == ["c"])
        #expect(second?["groupNextToken"] == nil)
        let all = try await pharos.data("/api/v1/rules?group_limit=3") as? [String: Any]
        #expect(names(all as Any) == ["a", "b", "c"] && all?["groupNextToken"] == nil)
        // Filters apply before the page is cut.
        #expect(names(try await pharos.data("/api/v1/rules?group_limit=1&rule_group[]=b")) == ["b"])

        for (query, message) in [
            ("group_next_token=x", #"invalid parameter \"group_next_token\": group_limit needs to be present in order to paginate over the groups"#),
            ("group_limit=0", #"invalid parameter \"group_limit\": group_limit needs to be greater than 0"#),
            ("group_limit=many", #"invalid parameter \"group_limit\": group_limit needs to be a valid number: strconv.ParseInt: parsing \"many\": invalid syntax"#),
            ("group_limit=1&group_next_token=nope", #"invalid parameter \"group_next_token\": invalid group_next_token 'nope'. were rule groups changed?"#),
        ] {
            let reply = try await pharos.get("/api/v1/rules?\(query)")
            #expect(reply.status == 400, "\(query)")
            #expect(reply.body.contains(#""errorType":"bad_data""#) && reply.body.contains(message), "\(query): \(reply.body)")
        }
    }
}
