internal import Config
internal import Foundation

/// An `sns_configs` entry (upstream's `notify/sns`): SNS `Publish` through the query API at
/// `api_url` (default `https://sns.<region>.amazonaws.com`), signed with SigV4 using the
/// `sigv4` keys or `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`; to a topic (with FIFO
/// deduplication and group IDs), a target ARN or a phone number.
struct SNSIntegration: ConfiguredIntegration {
    let name = "sns"
    let index: Int
    let config: IntegrationConfig
    let templates: NotificationTemplates
    let http: NotificationHTTP
    let signer: SigV4
    /// The wall clock (Unix milliseconds) the signature is dated with.
    let now: @Sendable () -> Int64


    /// Why an `sns_configs` entry cannot be sent with, checked at start.
    static func signer(_ config: IntegrationConfig, environment: [String: String]) -> Result<SigV4, NotifyFailure> {
        let sigv4 = config.records("sigv4").first ?? [:]
        if !(sigv4["role_arn"] ?? "").isEmpty || !(sigv4["profile"] ?? "").isEmpty {
            return .failure(NotifyFailure(reason: "sns: sigv4 role_arn and profile are not supported (give access_key and secret_key)", retry: false))
        }
        let access = sigv4["access_key"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["AWS_ACCESS_KEY_ID"] ?? ""
        let secret = sigv4["secret_key"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["AWS_SECRET_ACCESS_KEY"] ?? ""
        let region = sigv4["region"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? ""
        if access.isEmpty || secret.isEmpty {
            return .failure(NotifyFailure(reason: "sns: no AWS credentials in sigv4 or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", retry: false))
        }
        if region.isEmpty {
            return .failure(NotifyFailure(reason: "region not configured in sns.sigv4.region or in default credentials chain", retry: false))
        }
        return .success(SigV4(accessKey: access, secretKey: secret, region: region, service: "sns"))
    }

    func notify(_ notification: Notification) async -> NotifyOutcome {
        var tmpl = TemplateExpander(templates, notification)
        var parameters: [(String, String)] = [("Action", "Publish"), ("Version", "2010-03-31")]
        var sizeLimit = 256 * 1024
        let topic = config.string("topic_arn")
        if !topic.isEmpty {
            let arn = tmpl(topic)
            parameters.append(("TopicArn", arn))
            if arn.hasSuffix(".fifo") {
                let hash = NotifyKey.hash(notification.groupKey)
                parameters.append(("MessageDeduplicationId", hash))
                parameters.append(("MessageGroupId", hash))
            }
        }
        if !config.string("phone_number").isEmpty {
            parameters.append(("PhoneNumber", tmpl(config.string("phone_number"))))
            sizeLimit = 1600
        }
        if !config.string("target_arn").isEmpty { parameters.append(("TargetArn", tmpl(config.string("target_arn")))) }
        var attributes: [String: String] = [:]
        for (key, value) in config.stringMap("attributes") { attributes[tmpl(key)] = tmpl(value) }
        var message = tmpl(config.string("message"))
        if message.utf8.count > sizeLimit {
            // Cut at the byte limit, as upstream does (which may split a character).
            message = String(decoding: message.utf8.prefix(sizeLimit), as: UTF8.self)
            attributes["truncated"] = "true"
        }
        parameters.append(("Message", message))
        if attributes.isEmpty {
            parameters.append(("MessageAttributes", ""))
        } else {
            for (number, key) in attributes.keys.sorted().enumerated() {
                let prefix = "MessageAttributes.entry.\(number + 1)."
                parameters.append((prefix + "Name", key))
                parameters.append((prefix + "Value.DataType", "String"))
                parameters.append((prefix + "Value.StringValue", attributes[key] ?? ""))
            }
        }
        if !config.string("subject").isEmpty { parameters.append(("Subject", tmpl(config.string("subject")))) }
        if let error = tmpl.error { return .failed("\(error)", retry: false) }

        var url = config.string("api_url")
        if url.isEmpty { url = "https://sns.\(signer.region).amazonaws.com" }
        let parts = Self.split(url)
        let body = Array(FormEncoding.encode(parameters).utf8)
        let contentType = "application/x-www-form-urlencoded; charset=utf-8"
        let amzDate = SigV4.amzDate(ms: now())
        let signed = [("Content-Length", String(body.count)), ("Content-Type", contentType), ("Host", parts.host), ("X-Amz-Date", amzDate)]
        let authorization = signer.authorization(method: "POST", path: parts.path, headers: signed, body: body, amzDate: amzDate)
        return await http.post(parts.base + parts.path, body: body, contentType: contentType,
                               headers: [("Host", parts.host), ("X-Amz-Date", amzDate), ("Authorization", authorization)],
                               deadline: notification.deadline)
    }

    /// The scheme and authority, the host header (without a default port) and the path, ending in "/".
    static func split(_ url: String) -> (base: String, host: String, path: String) {
        guard let schemeEnd = url.range(of: "://") else { return (url, "", "/") }
        let rest = url[schemeEnd.upperBound...]
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var host = String(rest[..<slash])
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        if (scheme == "https" && host.hasSuffix(":443")) || (scheme == "http" && host.hasSuffix(":80")) {
            host = host.lastIndex(of: ":").map { String(host[..<$0]) } ?? host
        }
        // The AWS SDK puts the operation at "/" under the endpoint's path.
        var path = String(rest[slash...])
        if !path.hasSuffix("/") { path += "/" }
        return (String(url[..<slash]), host, path)
    }
}
