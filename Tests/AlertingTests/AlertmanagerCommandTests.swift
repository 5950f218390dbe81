import Foundation
import Testing

/// `pharos check alertmanager-config` and `pharos alertmanager routes test`, run as processes.
@Suite(.enabled(if: Support.pharos != nil, "needs the pharos binary from swift build"))
struct AlertmanagerCommandTests {
    @Test func checkReportsWhatItFound() throws {
        let path = try Support.writeTemporary(AlertmanagerCases.routingTree)
        let result = try Support.run(#require(Support.pharos), ["check", "alertmanager-config", path])
        #expect(result.status == 0)
        #expect(result.output == """
            Checking '\(path)'  SUCCESS
            Found:
             - global config
             - route
             - 2 inhibit rules
             - 12 receivers
             - 1 templates
              SUCCESS


            """)
    }

    @Test func checkFailsWithTheReasonAndExitCode1() throws {
        let good = try Support.writeTemporary(AlertmanagerCases.minimal)
        let bad = try Support.writeTemporary("route: {receiver: a, routes: [{receiver: b}]}\nreceivers: [{name: a}]\n")
        let result = try Support.run(#require(Support.pharos), ["check", "alertmanager-config", bad, good])
        #expect(result.status == 1)
        #expect(result.output.hasPrefix("Checking '\(bad)'  FAILED: line 1: undefined receiver \"b\" used in route\n\nChecking '\(good)'  SUCCESS\n"))
        #expect(result.error.contains("failed to validate 1 file(s)"))
    }

    @Test func routesTestPrintsReceivers() throws {
        let path = try Support.writeTemporary(AlertmanagerCases.routingTree)
        let pharos = try #require(Support.pharos)
        let result = try Support.run(pharos, ["alertmanager", "routes", "test", "--config.file=\(path)", "severity=page", "team=database"])
        #expect(result.status == 0)
        #expect(result.output == "oncall-pager,db-pager\n")

        let verified = try Support.run(pharos, [
            "alertmanager", "routes", "test", "--config.file", path, "--verify.receivers=oncall-pager", "severity=page", "team=database",
        ])
        #expect(verified.status == 1)
        #expect(verified.output.hasSuffix("WARNING: Expected receivers did not match resolved receivers.\n"))

        let refused = try Support.run(pharos, ["alertmanager", "routes", "test", "--config.file=\(path)", "team=~db"])
        #expect(refused.status == 1)
        #expect(refused.error.contains("labels must be specified as key=value pairs"))
    }
}
