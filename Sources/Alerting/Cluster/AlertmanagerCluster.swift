package import AsyncHTTPClient
package import Config
internal import Foundation
package import HTTPClientTLS
package import Logging
internal import Model
internal import NIOCore
internal import NIOHTTP1
internal import NIOSSL
internal import Synchronization

/// High availability between Pharos Alertmanagers: the peers given with `--cluster.peer`, which
/// of them answer, this one's position among the live members, and the exchange of silences and
/// notification log entries with them over HTTP, or HTTPS with `--cluster.tls-config` (`/cluster/v1/…` on
/// `--cluster.listen-address`) instead of upstream's memberlist gossip. Merges are upstream's:
/// last write wins on `updatedAt` (silences) and on the notification time (log). There is no
/// consensus: as upstream, peer `i` waits `i × peerTimeout` before notifying and reads the
/// shared notification log first (see docs/alertmanager.md).
package final class AlertmanagerCluster: Sendable {
    /// Settings from the `--cluster.*` flags.
    package struct Options: Sendable {
        /// This peer's name and address for the others (`--cluster.advertise-address`, else the
        /// listen address); members are ordered by name.
        package var name: String
        /// `--cluster.peer`: the other peers' `host:port` (this peer's own address is skipped).
        package var peers: [String]
        /// `--cluster.label`: peers with another label are refused.
        package var label = ""
        /// `--cluster.peer-timeout`: how long each position waits more before notifying.
        package var peerTimeout = Duration.seconds(15)
        /// `--cluster.probe-interval`, `--cluster.probe-timeout`: how often and how long each peer is asked whether it is up.
        package var probeInterval = Duration.seconds(1)
        package var probeTimeout = Duration.milliseconds(500)
        /// `--cluster.pushpull-interval`: how often the whole state is exchanged with each live peer.
        package var pushPullInterval = Duration.seconds(60)
        /// `--cluster.tcp-timeout`: the longest state transfer.
        package var tcpTimeout = Duration.seconds(10)
        /// `--cluster.settle-timeout`: the longest wait for the first exchange before notifying.
        package var settleTimeout = Duration.seconds(60)
        /// `--cluster.tls-config`'s `tls_client_config`: peers are asked over HTTPS with it;
        /// nil for plain HTTP.
        package var tls: TLSConfig?

        package init(name: String, peers: [String]) {
            self.name = name
            self.peers = peers
        }
    }

    /// A member as `/api/v2/status` lists it.
    package struct Member: Sendable, Equatable {
        package var name: String
        package var address: String
    }

    /// The header carrying `--cluster.label` on every request between peers.
    package static let labelHeader = "X-Pharos-Cluster-Label"
    /// A peer is taken for gone after this many probes in a row went unanswered (upstream's
    /// memberlist suspects a node before declaring it dead, too).
    static let failedProbesBeforeDead = 3

    private struct Peer: Sendable {
        var address: String
        /// The name it reported; nil until it answered once.
        var name: String?
        var alive = false
        var failedProbes = 0
    }

    package let options: Options
    private let peers: Mutex<[Peer]>
    private let settled = Mutex(false)
    private let httpClient: HTTPClient
    /// The TLS of requests to peers, from `options.tls`.
    private let clientTLS: TLSConfiguration?
    private let logger: Logger

    /// - Throws: `ClientTLSError` when `options.tls` names a CA, certificate or key that does not load.
    package init(options: Options, httpClient: HTTPClient, logger: Logger) throws(ClientTLSError) {
        self.options = options
        self.httpClient = httpClient
        self.logger = logger
        clientTLS = try options.tls?.clientConfiguration()
        let others = options.peers.filter { $0 != options.name }
        peers = Mutex(Array(Set(others)).sorted().map { Peer(address: $0) })
    }

    /// This peer and the live ones, by name (upstream orders members by name, too).
    package var members: [Member] {
        let live = peers.withLock { $0.filter(\.alive).compactMap { peer in peer.name.map { Member(name: $0, address: peer.address) } } }
        return (live + [Member(name: options.name, address: options.name)]).sorted { $0.name < $1.name }
    }

    /// This peer's index among `members`: how many `peerTimeout`s it waits before notifying.
    package var position: Int { members.firstIndex { $0.name == options.name } ?? 0 }

    /// How long a notification waits here before the notification log is read (upstream's `WaitStage`).
    package var notifyWait: Duration { options.peerTimeout * position }

    /// "settling" until the first exchange with the peers is done, then "ready".
    package var status: String { settled.withLock { $0 } ? "ready" : "settling" }

    /// Probes the peers every probe interval until cancelled; a peer that answers for the first
    /// time or again exchanges the whole state with this one (a join), each live peer does so
    /// every push-pull interval too. The first round ends the settling.
    /// - Parameters:
    ///   - state: the whole state here, encoded.
    ///   - merge: takes a peer's state.
    package func run(state: @escaping @Sendable () -> [UInt8], merge: @escaping @Sendable ([UInt8]) throws(AlertingError) -> Void) async {
        var lastPushPull = ContinuousClock.now
        while !Task.isCancelled {
            let pushPull = ContinuousClock.now - lastPushPull >= options.pushPullInterval
            if pushPull { lastPushPull = .now }
            let addresses = peers.withLock { $0.map(\.address) }
            await withDiscardingTaskGroup { group in
                for address in addresses {
                    group.addTask { await self.probe(address, pushPull: pushPull, state: state, merge: merge) }
                }
            }
            settled.withLock { $0 = true }
            try? await Task.sleep(for: options.probeInterval)
        }
    }

    /// Waits until the first round of probes and exchanges is over, at most the settle timeout
    /// (upstream's `GossipSettleStage`).
    package func settle() async {
        let deadline = ContinuousClock.now + options.settleTimeout
        while !settled.withLock({ $0 }) && ContinuousClock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Sends what changed (encoded `PeerState`) to every live peer, without waiting; a peer that
    /// misses it gets it with the next join or push-pull.
    package func broadcast(_ bytes: [UInt8]) {
        let live = peers.withLock { $0.filter(\.alive).map(\.address) }
        for address in live {
            Task { _ = await self.request(address, "/cluster/v1/state", body: bytes, timeout: options.tcpTimeout) }
        }
    }

    private func probe(_ address: String, pushPull: Bool, state: @Sendable () -> [UInt8],
                       merge: @Sendable ([UInt8]) throws(AlertingError) -> Void) async {
        let answer = await request(address, "/cluster/v1/ping", body: nil, timeout: options.probeTimeout)
        let name = answer.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0)) }?["name"]
        let joined = peers.withLock { peers -> Bool in
            guard let index = peers.firstIndex(where: { $0.address == address }) else { return false }
            guard let name, name != options.name else {
                peers[index].failedProbes += 1
                if peers[index].alive && peers[index].failedProbes >= Self.failedProbesBeforeDead { peers[index].alive = false }
                return false
            }
            let joined = !peers[index].alive
            peers[index].name = name
            peers[index].alive = true
            peers[index].failedProbes = 0
            return joined
        }
        if name == nil && answer != nil { logger.warning("Cluster peer answered without a name", metadata: ["peer": "\(address)"]) }
        guard joined || (pushPull && name != nil && name != options.name) else { return }
        if joined { logger.info("Cluster peer joined", metadata: ["peer": "\(address)", "name": "\(name ?? "")"]) }
        if let theirs = await request(address, "/cluster/v1/state", body: nil, timeout: options.tcpTimeout) {
            do { try merge(theirs) } catch {
                logger.warning("Cluster peer state refused", metadata: ["peer": "\(address)", "err": "\(error)"])
            }
        }
        _ = await request(address, "/cluster/v1/state", body: state(), timeout: options.tcpTimeout)
    }

    /// GET (no body) or POST to a peer; the body of a 200 answer, nil otherwise.
    private func request(_ address: String, _ path: String, body: [UInt8]?, timeout: Duration) async -> [UInt8]? {
        var request = HTTPClientRequest(url: "\(clientTLS == nil ? "http" : "https")://\(address)\(path)")
        request.tlsConfiguration = clientTLS
        request.headers.add(name: Self.labelHeader, value: options.label)
        if let body {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await httpClient.execute(request, timeout: .milliseconds(timeout.wholeMilliseconds))
            let bytes = try await response.body.collect(upTo: 256 << 20)
            guard response.status == .ok else {
                logger.debug("Cluster peer refused a request", metadata: ["peer": "\(address)", "path": "\(path)",
                                                                          "status": "\(response.status.code)"])
                return nil
            }
            return Array(buffer: bytes)
        } catch {
            logger.debug("Cluster peer unreachable", metadata: ["peer": "\(address)", "path": "\(path)", "err": "\(error)"])
            return nil
        }
    }
}
