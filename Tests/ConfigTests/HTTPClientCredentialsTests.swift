import Foundation
import Testing

@testable import Config

/// `HTTPClientConfig.authorizationHeader()` and `customHeaders()`: what every client of an
/// `<http_config>` sends, as Prometheus's round trippers do, with files read at every call.
@Suite struct HTTPClientCredentialsTests {
    static func http(_ yaml: String) throws -> HTTPClientConfig {
        let indented = yaml.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        let config = try PrometheusConfig.parse("scrape_configs:\n  - job_name: j\n\(indented)\n")
        return try #require(config.scrapeConfigs.first).http
    }

    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "/pharos-credentials-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func inlineCredentials() throws {
        #expect(try Self.http("basic_auth: {username: u, password: p}").authorizationHeader() == "Basic dTpw")
        #expect(try Self.http("basic_auth: {username: u}").authorizationHeader() == "Basic dTo=")
        #expect(try Self.http("bearer_token: abc").authorizationHeader() == "Bearer abc")
        #expect(try Self.http("authorization: {credentials: abc}").authorizationHeader() == "Bearer abc")
        #expect(try Self.http("authorization: {type: Token, credentials: abc}").authorizationHeader() == "Token abc")
        // Empty credentials send no header, as upstream's authorization round tripper.
        #expect(try Self.http("authorization: {type: Token}").authorizationHeader() == nil)
        #expect(try Self.http("honor_labels: true").authorizationHeader() == nil)
        var built = HTTPClientConfig()
        built.bearerToken = Secret("code")
        #expect(try built.authorizationHeader() == "Bearer code", "configs built in code, not validated")
    }

    @Test func filesAreReadAtEveryCallAndTrimmed() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(" s3cret \n".utf8).write(to: URL(fileURLWithPath: dir + "/password"))
        try Data("user\n".utf8).write(to: URL(fileURLWithPath: dir + "/user"))
        try Data("tok\n".utf8).write(to: URL(fileURLWithPath: dir + "/token"))
        try Data("v1\n".utf8).write(to: URL(fileURLWithPath: dir + "/header"))
        let basic = try Self.http("basic_auth: {username_file: \(dir)/user, password_file: \(dir)/password}")
        #expect(basic.readsCredentialFiles)
        #expect(try basic.authorizationHeader() == "Basic " + Data("user:s3cret".utf8).base64EncodedString())
        let bearer = try Self.http("bearer_token_file: \(dir)/token")
        #expect(try bearer.authorizationHeader() == "Bearer tok")
        try Data("rotated".utf8).write(to: URL(fileURLWithPath: dir + "/token"))
        #expect(try bearer.authorizationHeader() == "Bearer rotated")

        let headers = try Self.http("http_headers: {X-B: {values: [b1], secrets: [b2]}, X-A: {files: [\(dir)/header], values: [a1]}}")
        #expect(headers.readsCredentialFiles)
        #expect(try headers.customHeaders().map { "\($0.name)=\($0.value)" } == ["X-A=a1", "X-A=v1", "X-B=b1", "X-B=b2"])
        #expect(try !Self.http("http_headers: {X-B: {values: [b1]}}").readsCredentialFiles)

        try FileManager.default.removeItem(atPath: dir + "/token")
        #expect(throws: CredentialsFileError.self) { try bearer.authorizationHeader() }
        do {
            _ = try bearer.authorizationHeader()
        } catch {
            #expect(error.path == dir + "/token" && error.description.hasPrefix("unable to read \(dir)/token"))
        }
    }
}
