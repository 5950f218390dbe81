import CAres
import Glibc

/// Turns a DNS answer into records with c-ares's parsers, which bound every read by the answer's
/// length: a malformed answer from the network is an error, never a crash.
enum DNSAnswerParser {
    /// Parsing failed; carries c-ares's reason.
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    static func records(_ answer: [UInt8], type: DNSQueryType) throws(ParseError) -> [DNSRecord] {
        let result: Result<[DNSRecord], ParseError> = answer.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return .success([]) }
            let length = Int32(clamping: buffer.count)
            switch type {
            case .srv: return parseSRV(base, length)
            case .mx: return parseMX(base, length)
            case .ns: return parseNS(base, length)
            case .a: return parseA(base, length)
            case .aaaa: return parseAAAA(base, length)
            }
        }
        return try result.get()
    }

    private static func failure(_ status: Int32) -> Result<[DNSRecord], ParseError> {
        status == ARES_ENODATA ? .success([]) : .failure(ParseError(description: String(cString: ares_strerror(status))))
    }

    private static func parseSRV(_ base: UnsafePointer<UInt8>, _ length: Int32) -> Result<[DNSRecord], ParseError> {
        var reply: UnsafeMutablePointer<ares_srv_reply>?
        let status = ares_parse_srv_reply(base, length, &reply)
        guard status == ARES_SUCCESS else { return failure(status) }
        defer { ares_free_data(reply) }
        var records: [DNSRecord] = []
        var node = reply
        while let current = node {
            if let host = current.pointee.host { records.append(.srv(target: String(cString: host), port: current.pointee.port)) }
            node = current.pointee.next
        }
        return .success(records)
    }

    private static func parseMX(_ base: UnsafePointer<UInt8>, _ length: Int32) -> Result<[DNSRecord], ParseError> {
        var reply: UnsafeMutablePointer<ares_mx_reply>?
        let status = ares_parse_mx_reply(base, length, &reply)
        guard status == ARES_SUCCESS else { return failure(status) }
        defer { ares_free_data(reply) }
        var records: [DNSRecord] = []
        var node = reply
        while let current = node {
            if let host = current.pointee.host { records.append(.mx(String(cString: host))) }
            node = current.pointee.next
        }
        return .success(records)
    }

    private static func parseNS(_ base: UnsafePointer<UInt8>, _ length: Int32) -> Result<[DNSRecord], ParseError> {
        var host: UnsafeMutablePointer<hostent>?
        let status = ares_parse_ns_reply(base, length, &host)
        guard status == ARES_SUCCESS, let host else { return failure(status) }
        defer { ares_free_hostent(host) }
        // c-ares lists the name servers as the hostent's aliases.
        var records: [DNSRecord] = []
        if var alias = host.pointee.h_aliases {
            while let name = alias.pointee {
                records.append(.ns(String(cString: name)))
                alias += 1
            }
        }
        return .success(records)
    }

    /// Enough for any UDP or TCP answer (a 64 KiB message holds < 4096 A records).
    private static let maxAddresses = 4096

    private static func parseA(_ base: UnsafePointer<UInt8>, _ length: Int32) -> Result<[DNSRecord], ParseError> {
        var addresses = [ares_addrttl](repeating: ares_addrttl(), count: maxAddresses)
        var count = Int32(maxAddresses)
        let status = ares_parse_a_reply(base, length, nil, &addresses, &count)
        guard status == ARES_SUCCESS else { return failure(status) }
        return .success(addresses.prefix(Int(max(0, count))).map { entry in
            var address = entry.ipaddr
            return .a(presentation(family: AF_INET, &address, capacity: Int(INET_ADDRSTRLEN)))
        })
    }

    private static func parseAAAA(_ base: UnsafePointer<UInt8>, _ length: Int32) -> Result<[DNSRecord], ParseError> {
        var addresses = [ares_addr6ttl](repeating: ares_addr6ttl(), count: maxAddresses)
        var count = Int32(maxAddresses)
        let status = ares_parse_aaaa_reply(base, length, nil, &addresses, &count)
        guard status == ARES_SUCCESS else { return failure(status) }
        return .success(addresses.prefix(Int(max(0, count))).map { entry in
            var address = entry.ip6addr
            return .aaaa(presentation(family: AF_INET6, &address, capacity: Int(INET6_ADDRSTRLEN)))
        })
    }

    /// `inet_ntop`: the same text Go's `net.IP.String` gives for A and AAAA answers.
    private static func presentation<T>(family: Int32, _ address: inout T, capacity: Int) -> String {
        var text = [CChar](repeating: 0, count: capacity)
        _ = withUnsafePointer(to: &address) { inet_ntop(family, $0, &text, socklen_t(capacity)) }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
