import Alerting
import Foundation
import Testing

/// The same files through Debian's amtool (Alertmanager 0.25) and through Pharos: both call each
/// file valid or invalid, and both route each label set to the same receivers.
@Suite(.enabled(if: Support.amtool != nil, "needs amtool (apt-get install prometheus-alertmanager)"))
struct AmtoolDifferentialTests {
    static func amtoolAccepts(_ yaml: String) throws -> Bool {
        let path = try Support.writeTemporary(yaml)
        return try Support.run(#require(Support.amtool), ["check-config", path]).status == 0
    }

    @Test(arguments: AlertmanagerCases.valid.map(\.name))
    func validForBoth(name: String) throws {
        let yaml = try #require(AlertmanagerCases.valid.first { $0.name == name }?.yaml)
        #expect(try Self.amtoolAccepts(yaml), "amtool refused \(name)")
        #expect(throws: Never.self) { try AlertmanagerConfig.parse(yaml) }
    }

    @Test(arguments: AlertmanagerCases.invalid.map(\.name))
    func invalidForBoth(name: String) throws {
        let yaml = try #require(AlertmanagerCases.invalid.first { $0.name == name }?.yaml)
        #expect(try !Self.amtoolAccepts(yaml), "amtool accepted \(name)")
        #expect(throws: (any Error).self) { try AlertmanagerConfig.parse(yaml) }
    }

    @Test(arguments: AlertmanagerCases.labelSets)
    func routesLikeAmtool(labels: [String]) throws {
        let path = try Support.writeTemporary(AlertmanagerCases.routingTree)
        let amtool = try Support.run(#require(Support.amtool), ["config", "routes", "test", "--config.file=\(path)"] + labels)
        #expect(amtool.status == 0, "amtool: \(amtool.error)")
        let config = try AlertmanagerConfig.parse(AlertmanagerCases.routingTree)
        let receivers = config.routingTree.receivers(for: try RouteTest.labels(from: labels))
        #expect(RouteTest.output(receivers) + "\n" == amtool.output)
    }

    /// Matcher strings in the classic syntax (the only one amtool 0.25 has): amtool and Pharos's
    /// classic parser take and refuse the same ones.
    @Test(arguments: [
        "a=b", "a = b", "a=\"b\"", "a=\"b", "a=b\"", "a=\"b\\\"c\"", "a==b", "a=~\"(\"", "a=~(a|b)", "a!~x.*", "a!=\"\"",
        "1a=b", "a-b=c", "{a=b}", "{a=b", "a=b,c=d", "a=\"b,c\"", "a=\"b\",c!=\"d\"", "a", "=b", "a<b", "a=b c", "a='b'",
        ":a=b", "a:b=c", "a=\\", "a=\"\\\\\"",
    ])
    func matchersLikeAmtool(matcher: String) throws {
        let escaped = matcher.replacingOccurrences(of: "'", with: "''")
        let yaml = "route:\n  receiver: a\n  routes: [{receiver: a, matchers: ['\(escaped)']}]\nreceivers: [{name: a}]\n"
        let pharosAccepts = (try? MatcherSyntax.parseClassic(matcher)) != nil
        #expect(try Self.amtoolAccepts(yaml) == pharosAccepts, "\(matcher)")
    }

    /// The `pharos` command prints what amtool prints, byte for byte, for valid files.
    @Test(.enabled(if: Support.pharos != nil, "needs the pharos binary from swift build"))
    func checkOutputMatchesAmtool() throws {
        let directory = try Support.scratchDirectory()
        let path = directory + "/alertmanager.yml"
        try Data(AlertmanagerCases.routingTree.utf8).write(to: URL(fileURLWithPath: path))
        let amtool = try Support.run(#require(Support.amtool), ["check-config", path])
        let pharos = try Support.run(#require(Support.pharos), ["check", "alertmanager-config", path])
        #expect(pharos.status == amtool.status)
        #expect(pharos.output == amtool.output)
    }

    /// Template files are parsed as amtool parses them: good ones (redefining a default) pass,
    /// broken ones fail with the same message, byte for byte.
    @Test(.enabled(if: Support.pharos != nil, "needs the pharos binary from swift build"), arguments: [
        #"{{ define "slack.default.title" }}{{ .Status | toUpper }}{{ end }}"#,
        "{{ define \"x\" }}{{ .Foo\n",
        #"{{ define "x" }}{{ end }}{{ end }}"#,
        #"{{ define "y" }}{{ nosuchfunc . }}{{ end }}"#,
    ])
    func templateFilesLikeAmtool(template: String) throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(template.utf8).write(to: URL(fileURLWithPath: directory + "/a.tmpl"))
        let path = directory + "/alertmanager.yml"
        try Data("route: {receiver: a}\nreceivers: [{name: a}]\ntemplates: ['*.tmpl']\n".utf8).write(to: URL(fileURLWithPath: path))
        let amtool = try Support.run(#require(Support.amtool), ["check-config", path])
        let pharos = try Support.run(#require(Support.pharos), ["check", "alertmanager-config", path])
        #expect(pharos.status == amtool.status)
        #expect(pharos.output == amtool.output)
    }
}
