package import Alerting
import Foundation
package import Hummingbird

extension AlertmanagerAPI {
    /// `GET /api/v2/alerts/history?fingerprint=<16 hex digits>` (Pharos's addition): the alert's
    /// events, oldest first, as `[{"type":"firing","at":"…"},{"type":"notified","at":"…",
    /// "receiver":"r","integration":"webhook[0]","status":"firing"},{"type":"silenced","at":"…",
    /// "by":["<silence ID>"]},…]`; `[]` for an alert it knows nothing of.
    package func history(_ request: Request) -> Response {
        let values = RequestParameters(query: request.uri.query ?? "").all("fingerprint")
        guard values.count == 1, let text = values.first, !text.isEmpty, text.count <= 16,
              let fingerprint = Fingerprint(hex: text), text.allSatisfy(\.isHexDigit)
        else {
            var json = JSONWriter()
            json.string("query parameter fingerprint (16 hexadecimal digits, as the alert shows it) is required once")
            return Response(status: .badRequest, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: json.bytes)))
        }
        var json = JSONWriter()
        json.array(alertmanager.history(of: fingerprint)) { json, event in
            json.raw(#"{"type":"#)
            json.string(event.kind.rawValue)
            json.raw(#","at":"#)
            json.string(Self.time(event.atMs))
            if event.kind == .notified {
                json.raw(#","receiver":"#)
                json.string(event.receiver)
                json.raw(#","integration":"#)
                json.string(event.integration)
                json.raw(#","status":"#)
                json.string(event.status)
            } else if !event.by.isEmpty || [.silenced, .inhibited].contains(event.kind) {
                json.raw(#","by":"#)
                json.strings(event.by)
            }
            json.byte("}")
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }
}
