import Config
import Foundation
import Model
import Testing

@testable import Discovery

@Suite(.enabled(if: Dnsmasq.isAvailable, "needs dnsmasq (scripts/install-deps)"))
struct DNSProviderTests {
    func config(_ names: [String], type: String = "SRV", port: Int = 0) -> DNSSDConfig {
        var config = DNSSDConfig()
        config.names = names
        config.type = type
        config.port = port
        return config
    }

    @Test func srvTargetsFollowTheServerAcrossRefreshes() async throws {
        let name = "_web._tcp.pharos.test"
        var server: Dnsmasq? = try await Dnsmasq(records: [
            "--srv-host=\(name),web1.pharos.test,8080,0,10", "--srv-host=\(name),web2.pharos.test,9090,0,10",
        ])
        let port = try #require(server?.port)
        let clock = ManualClock()
        let metrics = DiscoveryMetrics()
        let provider = DNSProvider(
            config: config([name]), clock: clock, metrics: metrics, servers: ["127.0.0.1:\(port)"], job: "dns-job")
        let (stream, continuation) = AsyncStream.makeStream(of: [DiscoveredTargetGroup].self)
        let reader = UpdateReader(stream)
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { try await provider.run(updates: continuation) }
            let view = try await reader.waitUntil { $0.groups[name] != nil }
            let targets = try #require(view.groups[name]?.targets)
            #expect(
                Set(targets) == [
                    Labels([
                        "__address__": "web1.pharos.test:8080", "__meta_dns_name": name,
                        "__meta_dns_srv_record_target": "web1.pharos.test.", "__meta_dns_srv_record_port": "8080",
                    ]),
                    Labels([
                        "__address__": "web2.pharos.test:9090", "__meta_dns_name": name,
                        "__meta_dns_srv_record_target": "web2.pharos.test.", "__meta_dns_srv_record_port": "9090",
                    ]),
                ])

            // New answers are picked up at the next refresh_interval (30 s by default).
            server?.stop()
            server = try await Dnsmasq(port: port, records: ["--srv-host=\(name),web3.pharos.test,7070"])
            await clock.waitForSleepers(1)
            clock.advance(by: .seconds(30))
            try await reader.waitUntil { $0.addresses == ["web3.pharos.test:7070"] }

            // No server: the lookup fails, is counted, and the name keeps its targets.
            server?.stop()
            server = nil
            let failuresBefore = metrics.dnsLookupFailuresTotal
            await clock.waitForSleepers(1)
            clock.advance(by: .seconds(30))
            await clock.waitForSleepers(1)  // the refresh finished and the next one is waiting
            #expect(metrics.dnsLookupFailuresTotal == failuresBefore + 1)
            let refreshes = try #require(metrics.refreshes(mechanism: "dns", config: "dns-job"))
            #expect(refreshes.failures == 1 && refreshes.count == 3, "\(refreshes)")
            // A failed lookup gives no group at all (not an empty one), so nothing is sent.
            let failed = await provider.refresh()
            #expect(failed.groups.isEmpty && failed.failed)

            // NXDOMAIN is an answer: the name has no targets any more.
            server = try await Dnsmasq(port: port, records: [])
            clock.advance(by: .seconds(30))
            let emptied = try await reader.waitUntil { $0.groups[name] == nil }
            #expect(emptied.addresses.isEmpty)
            tasks.cancelAll()
        }
        server?.stop()
    }

    @Test func addressMXAndNSRecordsUseTheConfiguredPort() async throws {
        let server = try await Dnsmasq(records: [
            "--host-record=hosts.pharos.test,10.0.0.1,fd00::1", "--host-record=hosts.pharos.test,10.0.0.2",
            "--mx-host=pharos.test,mail.pharos.test,10",
            "--dns-rr=pharos.test,2,\(Dnsmasq.wireName("ns1.pharos.test"))",
        ])
        defer { server.stop() }
        let clock = ManualClock()
        func lookup(_ name: String, _ type: String) async -> [Labels] {
            let provider = DNSProvider(
                config: config([name], type: type, port: 9100), clock: clock, metrics: DiscoveryMetrics(),
                servers: [server.server])
            return await provider.refresh().groups.first?.targets ?? []
        }
        #expect(
            Set(await lookup("hosts.pharos.test", "A")) == [
                Labels(["__address__": "10.0.0.1:9100", "__meta_dns_name": "hosts.pharos.test"]),
                Labels(["__address__": "10.0.0.2:9100", "__meta_dns_name": "hosts.pharos.test"]),
            ])
        #expect(
            await lookup("hosts.pharos.test", "AAAA") == [
                Labels(["__address__": "[fd00::1]:9100", "__meta_dns_name": "hosts.pharos.test"])
            ])
        #expect(
            await lookup("pharos.test", "MX") == [
                Labels([
                    "__address__": "mail.pharos.test:9100", "__meta_dns_name": "pharos.test",
                    "__meta_dns_mx_record_target": "mail.pharos.test.",
                ])
            ])
        #expect(
            await lookup("pharos.test", "NS") == [
                Labels([
                    "__address__": "ns1.pharos.test:9100", "__meta_dns_name": "pharos.test",
                    "__meta_dns_ns_record_target": "ns1.pharos.test.",
                ])
            ])
        #expect(await lookup("missing.pharos.test", "A") == [], "NXDOMAIN: a group without targets")
    }
}
