import AsyncHTTPClient
import Config
import Model
import Query
import Testing

/// The per-selector rules of a `remote_read` entry, as upstream's `storage/remote/read.go`.
@Suite struct RemoteReadEndpointTests {
    static func endpoint(_ yaml: String, external: String = "{region: eu, dc: a}") throws -> RemoteReadEndpoint {
        let config = try PrometheusConfig.parse("global: {external_labels: \(external)}\nremote_read:\n  - \(yaml)\n", environment: [:])
        return try RemoteReadEndpoint(config.remoteRead[0], name: "x", externalLabels: config.global.externalLabels, httpClient: HTTPClient.shared)
    }

    @Test func defaultsAreUpstreams() throws {
        let config = try PrometheusConfig.parse("remote_read:\n  - {url: \"http://a/read\"}\n", environment: [:]).remoteRead[0]
        #expect(config.readRecent == false && config.filterExternalLabels == true)
        #expect(config.remoteTimeout == .seconds(60) && config.chunkedReadLimit == 50_000_000)
    }

    @Test func readRecentFalseAsksOnlyBeforeLocalStorage() throws {
        let endpoint = try Self.endpoint("{url: \"http://a/read\"}")
        #expect(endpoint.range(mint: 0, maxt: 100, localStartMs: 50) ?? (-1, -1) == (0, 50))
        #expect(endpoint.range(mint: 0, maxt: 40, localStartMs: 50) ?? (-1, -1) == (0, 40))
        #expect(endpoint.range(mint: 50, maxt: 100, localStartMs: 50) ?? (-1, -1) == (50, 50))
        #expect(endpoint.range(mint: 51, maxt: 100, localStartMs: 50) == nil)
        let recent = try Self.endpoint("{url: \"http://a/read\", read_recent: true}")
        #expect(recent.range(mint: 51, maxt: 100, localStartMs: 50) ?? (-1, -1) == (51, 100))
    }

    @Test func requiredMatchersMustAllBeEqualityMatchers() throws {
        let endpoint = try Self.endpoint("{url: \"http://a/read\", required_matchers: {job: r, env: prod}}")
        #expect(!endpoint.accepts([try Matcher(.equal, "job", "r")]))
        #expect(!endpoint.accepts([try Matcher(.equal, "job", "r"), try Matcher(.regexMatch, "env", "prod")]))
        #expect(endpoint.accepts([try Matcher(.equal, "__name__", "up"), try Matcher(.equal, "env", "prod"), try Matcher(.equal, "job", "r")]))
        #expect(try Self.endpoint("{url: \"http://a/read\"}").accepts([]))
    }

    @Test func externalLabelsBecomeMatchersUnlessNamed() throws {
        let endpoint = try Self.endpoint("{url: \"http://a/read\"}")
        let (matchers, added) = endpoint.addingExternalLabels([try Matcher(.equal, "__name__", "up"), try Matcher(.notEqual, "dc", "b")])
        #expect(matchers.map { "\($0.name)\($0.type.rawValue)\($0.value)" } == ["__name__=up", "dc!=b", "region=eu"])
        #expect(added == ["region"])
        let unfiltered = try Self.endpoint("{url: \"http://a/read\", filter_external_labels: false}")
        #expect(unfiltered.addingExternalLabels([]).matchers.isEmpty)
    }

    @Test func refusesUnsupportedClientSettings() throws {
        #expect(throws: RemoteReadClientError.self) {
            try Self.endpoint("{url: \"http://a/read\", proxy_url: \"http://p:3128\"}")
        }
    }
}
