#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Go's `strings` case mapping and `net` host/port helpers, as Prometheus's template functions
/// (`title`, `toUpper`, `toLower`, `stripPort`, `stripDomain`) call them.
enum GoStrings {
    /// `strings.ToUpper`: Unicode simple case mapping, one scalar to one scalar (so `ß` stays).
    static func upper(_ s: String) -> String {
        map(s) { simple($0.properties.uppercaseMapping, $0) }
    }

    /// `strings.ToLower`: simple case mapping (`İ` becomes `i`, not two scalars).
    static func lower(_ s: String) -> String {
        map(s) { $0 == "\u{130}" ? "i" : simple($0.properties.lowercaseMapping, $0) }
    }

    /// `strings.Title`: the first letter of each word in title case; words are separated by
    /// anything but ASCII letters, digits, `_`, and non-ASCII letters, digits and non-spaces.
    static func title(_ s: String) -> String {
        var previous: Unicode.Scalar = " "
        return map(s) { scalar in
            defer { previous = scalar }
            return isSeparator(previous) ? simple(scalar.properties.titlecaseMapping, scalar) : scalar
        }
    }

    private static func isSeparator(_ r: Unicode.Scalar) -> Bool {
        if r.isASCII {
            let v = r.value
            return !((0x30...0x39).contains(v) || (0x61...0x7A).contains(v) || (0x41...0x5A).contains(v) || v == 0x5F)
        }
        if r.properties.isAlphabetic || r.properties.numericType == .decimal { return false }
        return r.properties.isWhitespace
    }

    private static func simple(_ mapping: String, _ original: Unicode.Scalar) -> Unicode.Scalar {
        let scalars = mapping.unicodeScalars
        return scalars.count == 1 ? scalars[scalars.startIndex] : original
    }

    private static func map(_ s: String, _ transform: (Unicode.Scalar) -> Unicode.Scalar) -> String {
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars { out.append(transform(scalar)) }
        return String(out)
    }

    /// `net.SplitHostPort`; `nil` where Go returns an error.
    static func splitHostPort(_ hostPort: String) -> (host: String, port: String)? {
        let bytes = Array(hostPort.utf8)
        guard let lastColon = bytes.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        var host: [UInt8]
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            // `]` must be followed by the port's colon.
            guard close + 1 == lastColon else { return nil }
            host = Array(bytes[1..<close])
        } else {
            host = Array(bytes[..<lastColon])
            if host.contains(UInt8(ascii: ":")) { return nil }
        }
        if host.contains(UInt8(ascii: "[")) || host.contains(UInt8(ascii: "]")) { return nil }
        let port = Array(bytes[(lastColon + 1)...])
        if port.contains(UInt8(ascii: "[")) || port.contains(UInt8(ascii: "]")) { return nil }
        return (String(decoding: host, as: UTF8.self), String(decoding: port, as: UTF8.self))
    }

    /// `net.JoinHostPort`.
    static func joinHostPort(_ host: String, _ port: String) -> String {
        host.contains(":") ? "[" + host + "]:" + port : host + ":" + port
    }

    /// Whether `net.ParseIP` accepts `host` (dotted IPv4 or IPv6).
    static func isIP(_ host: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, host, &buffer) == 1 { return true }
        return inet_pton(AF_INET6, host, &buffer) == 1
    }
}
