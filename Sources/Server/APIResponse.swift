package import Hummingbird

/// Builds responses in the Prometheus API envelope:
/// `{"status":"success","data":…,"warnings":[…],"infos":[…]}` or
/// `{"status":"error","errorType":…,"error":…}`.
package enum APIResponse {
    /// A success whose `data` member `writeData` appends.
    package static func success(warnings: [String] = [], infos: [String] = [],
                                _ writeData: (inout JSONWriter) -> Void) -> Response {
        var json = JSONWriter()
        json.raw(#"{"status":"success","data":"#)
        writeData(&json)
        if !warnings.isEmpty {
            json.raw(#","warnings":"#)
            json.strings(warnings)
        }
        if !infos.isEmpty {
            json.raw(#","infos":"#)
            json.strings(infos)
        }
        json.byte("}")
        return jsonResponse(json, status: .ok)
    }

    /// An error envelope with the status matching its kind.
    package static func failure(_ error: APIError) -> Response {
        var json = JSONWriter(capacity: 128)
        json.raw(#"{"status":"error","errorType":"#)
        json.string(error.kind.rawValue)
        json.raw(#","error":"#)
        json.string(error.message)
        json.byte("}")
        return jsonResponse(json, status: error.status)
    }

    private static func jsonResponse(_ json: JSONWriter, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }
}
