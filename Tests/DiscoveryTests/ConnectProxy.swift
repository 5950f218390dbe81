import Foundation
import Glibc
import Synchronization

/// A minimal HTTP `CONNECT` proxy on 127.0.0.1 (ephemeral port), for the `proxy_url` tests:
/// it records each request head, asks `route` where the requested `host:port` really is, answers
/// `200 Connection established` and copies bytes both ways (blocking sockets, one thread per
/// direction) until either side closes. `stop()` closes the listener.
final class ConnectProxy: Sendable {
    let port: Int
    private let listener: Int32
    private let recorded = Recorder()

    private final class Recorder: Sendable {
        let heads = Mutex<[String]>([])
    }

    /// The request heads received, in order.
    var heads: [String] { recorded.heads.withLock { $0 } }

    init(route: @escaping @Sendable (_ authority: String) -> Int?) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 16) == 0 else { throw CocoaError(.fileWriteUnknown) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let recorded = recorded
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                Thread.detachNewThread { Self.serve(client, route: route, recorded: recorded) }
            }
        }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func serve(_ client: Int32, route: @Sendable (String) -> Int?, recorded: Recorder) {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)), head.count < 8192, read(client, &byte, 1) == 1 {
            head.append(byte)
        }
        let text = String(decoding: head, as: UTF8.self)
        recorded.heads.withLock { $0.append(text) }
        let requestLine = text.split(separator: "\r\n").first?.split(separator: " ") ?? []
        guard requestLine.count >= 2, requestLine[0] == "CONNECT", let targetPort = route(String(requestLine[1])) else {
            _ = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".withCString { write(client, $0, strlen($0)) }
            close(client)
            return
        }
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(targetPort).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            _ = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".withCString { write(client, $0, strlen($0)) }
            close(client)
            close(upstream)
            return
        }
        _ = "HTTP/1.1 200 Connection established\r\n\r\n".withCString { write(client, $0, strlen($0)) }
        let otherDirection = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            pipe(from: upstream, to: client)
            otherDirection.signal()
        }
        pipe(from: client, to: upstream)
        otherDirection.wait()
        close(client)
        close(upstream)
    }

    /// Copies until `source` ends, then shuts both sockets down (the other direction then ends too).
    private static func pipe(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = read(source, &buffer, buffer.count)
            guard count > 0, write(destination, buffer, count) == count else { break }
        }
        shutdown(source, Int32(SHUT_RDWR))
        shutdown(destination, Int32(SHUT_RDWR))
    }
}
