import CCrypt
import Foundation
package import Hummingbird
import Synchronization

/// Answers 401 to requests without valid `Authorization: Basic` credentials for one of
/// the web config's `basic_auth_users` (bcrypt hashes, checked with libxcrypt's `crypt_r`).
///
/// Verified credentials are cached by their hash so a dashboard's steady polling does not
/// pay bcrypt's deliberate cost on every request.
package struct BasicAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    private let users: [String: String]
    private let verified = VerifiedCredentials()

    /// A middleware admitting `users` (name to bcrypt hash).
    package init(users: [String: String]) {
        self.users = users
    }

    package func handle(_ request: Request, context: Context,
                        next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], authorized(header) else {
            return Response(status: .unauthorized,
                            headers: [.wwwAuthenticate: "Basic", .contentType: "text/plain; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
        }
        return try await next(request, context)
    }

    private func authorized(_ header: String) -> Bool {
        guard header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: header.dropFirst(6).trimmingCharacters(in: .whitespaces)).map(Array.init),
              let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
        else { return false }
        let user = String(decoding: decoded[..<colon], as: UTF8.self)
        let password = String(decoding: decoded[(colon + 1)...], as: UTF8.self)
        guard let hash = users[user] else { return false }
        let key = user + "\u{0}" + password
        if verified.keys.withLock({ $0.contains(key) }) { return true }
        guard Self.bcryptMatches(password: password, hash: hash) else { return false }
        verified.keys.withLock { _ = $0.insert(key) }
        return true
    }

    /// Whether `password` hashes to `hash` under the salt and cost `hash` carries.
    static func bcryptMatches(password: String, hash: String) -> Bool {
        var data = crypt_data()
        guard let result = crypt_r(password, hash, &data) else { return false }
        let computed = String(cString: result)
        // Constant-time comparison.
        let a = Array(computed.utf8), b = Array(hash.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

/// `user NUL password` keys that matched their bcrypt hash.
private final class VerifiedCredentials: Sendable {
    let keys = Mutex<Set<String>>([])
}
