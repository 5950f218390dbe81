internal import Config
internal import Foundation

/// A `webhook_configs` entry: POSTs `WebhookMessage` to its URL (upstream's `notify/webhook`).
struct WebhookIntegration: ConfiguredIntegration {
    let name = "webhook"
    let index: Int
    let config: WebhookConfig
    let http: NotificationHTTP

    func notify(_ notification: Notification) async -> NotifyOutcome {
        let url: String
        do { url = try SecretValue.read(config.url.value, file: config.urlFile) } catch { return error.outcome }
        return await http.post(url, body: WebhookMessage.json(notification, maxAlerts: config.maxAlerts),
                               deadline: notification.deadline, timeout: config.timeout)
    }
}
