import CAres
import Foundation
import Glibc
import Model

/// One DNS record of the types DNS-SD asks for, as c-ares parsed it.
enum DNSRecord: Equatable, Sendable {
    case srv(target: String, port: UInt16)
    case a(String)
    case aaaa(String)
    case mx(String)
    case ns(String)
}

/// The record types of `dns_sd_configs` `type`, with their wire numbers.
enum DNSQueryType: Int32, Sendable {
    case a = 1
    case ns = 2
    case mx = 15
    case aaaa = 28
    case srv = 33

    init?(configName: String) {
        switch configName.uppercased() {
        case "SRV": self = .srv
        case "A": self = .a
        case "AAAA": self = .aaaa
        case "MX": self = .mx
        case "NS": self = .ns
        default: return nil
        }
    }
}

/// Looks names up through c-ares (Debian's `libc-ares`).
///
/// Each lookup gets its own channel and runs c-ares's event loop on a dedicated thread, so no
/// cooperative-pool thread blocks in `poll(2)`; the channel's timeout and tries bound it.
/// Outcomes follow Prometheus's `lookupWithSearchPath` (`discovery/dns/dns.go`): an answer (maybe
/// empty) or NXDOMAIN are results; anything else is an error and the name keeps its last targets.
struct DNSResolver: Sendable {
    /// `host:port` servers to ask instead of `/etc/resolv.conf`'s (tests point this at loopback).
    var servers: [String]?
    /// Per-try timeout.
    var timeout: Duration = .seconds(2)
    /// Tries per server.
    var tries = 2

    private static let libraryInitialised: Bool = ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS

    /// The records of `type` for `name` (through the search path, as `ares_search`); empty when
    /// the name does not exist or has no such records.
    func lookup(_ name: String, type: DNSQueryType) async throws(DiscoveryError) -> [DNSRecord] {
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[DNSRecord], DiscoveryError>, Never>) in
            let thread = Thread { continuation.resume(returning: self.lookupBlocking(name, type: type)) }
            thread.name = "pharos-dns-sd"
            thread.start()
        }
        return try outcome.get()
    }

    /// What the c-ares callback reports.
    private final class Answer {
        var done = false
        var status: Int32 = 0
        var bytes: [UInt8] = []
    }

    private func lookupBlocking(_ name: String, type: DNSQueryType) -> Result<[DNSRecord], DiscoveryError> {
        guard Self.libraryInitialised else { return .failure(.setupFailed("ares_library_init failed")) }
        var options = ares_options()
        options.timeout = Int32(clamping: timeout.wholeMilliseconds)
        options.tries = Int32(clamping: tries)
        var mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES
        if servers != nil {
            // resolv.conf's search domains belong to resolv.conf's servers: with explicit servers
            // the names are asked as given.
            options.ndomains = 0
            mask |= ARES_OPT_DOMAINS
        }
        var channel: ares_channel?
        let initStatus = ares_init_options(&channel, &options, mask)
        guard initStatus == ARES_SUCCESS, let channel else {
            return .failure(.setupFailed("ares_init_options: \(String(cString: ares_strerror(initStatus)))"))
        }
        defer { ares_destroy(channel) }
        if let servers {
            let status = ares_set_servers_ports_csv(channel, servers.joined(separator: ","))
            guard status == ARES_SUCCESS else {
                return .failure(.setupFailed("ares_set_servers_ports_csv: \(String(cString: ares_strerror(status)))"))
            }
        }
        let answer = Answer()
        let context = Unmanaged.passRetained(answer)
        ares_search(channel, name, 1, type.rawValue, { arg, status, _, buffer, length in
            guard let arg else { return }
            let answer = Unmanaged<Answer>.fromOpaque(arg).takeRetainedValue()
            answer.done = true
            answer.status = status
            if let buffer, length > 0 { answer.bytes = Array(UnsafeBufferPointer(start: buffer, count: Int(length))) }
        }, context.toOpaque())
        Self.runEventLoop(channel) { answer.done }
        switch answer.status {
        case ARES_SUCCESS: break
        case ARES_ENOTFOUND, ARES_ENODATA: return .success([])
        default:
            return .failure(.dnsLookupFailed(name: name, reason: String(cString: ares_strerror(answer.status))))
        }
        do {
            return .success(try DNSAnswerParser.records(answer.bytes, type: type))
        } catch {
            return .failure(.dnsLookupFailed(name: name, reason: error.description))
        }
    }

    /// Drives c-ares until `isDone`: c-ares calls back with a result, even on timeout, once its
    /// tries are spent (or at `ares_destroy`, which the caller does after).
    private static func runEventLoop(_ channel: ares_channel, isDone: () -> Bool) {
        let maxSockets = Int(ARES_GETSOCK_MAXNUM)
        var sockets = [ares_socket_t](repeating: ARES_SOCKET_BAD, count: maxSockets)
        while !isDone() {
            let bits = Int(ares_getsock(channel, &sockets, Int32(maxSockets)))
            var fds: [pollfd] = []
            for index in 0..<maxSockets {
                let readable = bits & (1 << index) != 0
                let writable = bits & (1 << (index + maxSockets)) != 0
                guard readable || writable else { continue }
                let events = (readable ? Int16(POLLIN) : 0) | (writable ? Int16(POLLOUT) : 0)
                fds.append(pollfd(fd: sockets[index], events: events, revents: 0))
            }
            var maxWait = timeval(tv_sec: 1, tv_usec: 0)
            var wait = timeval()
            let next = ares_timeout(channel, &maxWait, &wait)
            let waitMs = next.map { Int32($0.pointee.tv_sec * 1000 + $0.pointee.tv_usec / 1000) } ?? 1000
            let ready = poll(&fds, nfds_t(fds.count), max(waitMs, 1))
            if ready <= 0 {
                // Timeouts (and an empty socket set) are c-ares's to handle.
                ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD)
                continue
            }
            for fd in fds where fd.revents != 0 {
                let readFD = fd.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 ? fd.fd : ARES_SOCKET_BAD
                let writeFD = fd.revents & Int16(POLLOUT) != 0 ? fd.fd : ARES_SOCKET_BAD
                ares_process_fd(channel, readFD, writeFD)
            }
        }
    }
}
