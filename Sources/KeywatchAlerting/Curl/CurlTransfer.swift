import CCurl
import Foundation

/// One request through libcurl, the only HTTP and SMTP client keywatch has: a webhook POST or
/// an SMTP submission.
///
/// Every transfer has a connect timeout and a total timeout (libcurl's default is to wait
/// forever), verifies TLS peers and host names, follows no redirects, and speaks only the
/// protocols it was made for — a webhook URL cannot turn into `file://` or `gopher://`.
struct CurlRequest {
    enum Protocols: String {
        case web = "http,https"
        case mail = "smtp,smtps"
    }

    var url: String
    var protocols: Protocols
    /// The whole transfer, in seconds; connecting gets at most half of it.
    var timeout: Double
    /// PEM certificates to trust instead of the system's.
    var caFile: String?
    /// HTTP request headers (`Name: value`), for a POST of ``body``.
    var headers: [String] = []
    /// The POST body, or the message uploaded over SMTP.
    var body: [UInt8] = []
    var username: String?
    var password: String?
    /// SMTP envelope sender and recipients (bare addresses).
    var mailFrom: String?
    var recipients: [String] = []
    /// SMTP: refuse to go on without TLS (STARTTLS on `smtp://`).
    var requireTLS = false
}

/// What came back from a transfer that completed.
struct CurlResponse {
    /// The HTTP status, or the last SMTP reply code.
    var status: Int
    /// Response header lines, lower-cased names.
    var headers: [String: String]
    /// The first bytes of the body (kept for error messages).
    var bodyPrefix: [UInt8]
    var seconds: Double
}

enum Curl {
    /// libcurl's global state, set up once before any transfer (it is not thread-safe itself).
    private static let initialized: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Runs `request`; `isCancelled` is polled during the transfer and aborts it when true.
    static func perform(_ request: CurlRequest, isCancelled: @escaping @Sendable () -> Bool = { false })
        throws(DeliveryError) -> CurlResponse
    {
        guard initialized == CURLE_OK else {
            throw DeliveryError(.configuration, "libcurl could not initialize: \(String(cString: curl_easy_strerror(initialized)))")
        }
        guard let handle = curl_easy_init() else { throw DeliveryError(.configuration, "libcurl could not create a transfer") }
        defer { curl_easy_cleanup(handle) }
        let context = TransferContext(body: request.body, isCancelled: isCancelled)
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        var lists: [UnsafeMutablePointer<curl_slist>?] = []
        defer { lists.forEach { curl_slist_free_all($0) } }

        let setup = Setup(handle: handle)
        setup.string(CURLOPT_URL, request.url)
        setup.string(CURLOPT_PROTOCOLS_STR, request.protocols.rawValue)
        setup.long(CURLOPT_NOSIGNAL, 1)  // timeouts without SIGALRM: transfers run on several threads
        setup.long(CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000))
        setup.long(CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(request.timeout * 500)))
        setup.long(CURLOPT_SSL_VERIFYPEER, 1)
        setup.long(CURLOPT_SSL_VERIFYHOST, 2)
        setup.long(CURLOPT_FOLLOWLOCATION, 0)
        if let caFile = request.caFile { setup.string(CURLOPT_CAINFO, caFile) }
        if let username = request.username { setup.string(CURLOPT_USERNAME, username) }
        if let password = request.password { setup.string(CURLOPT_PASSWORD, password) }
        setup.pointer(CURLOPT_ERRORBUFFER, errorBuffer)
        let opaque = Unmanaged.passUnretained(context).toOpaque()
        setup.function(CURLOPT_WRITEFUNCTION, TransferContext.receiveBody)
        setup.pointer(CURLOPT_WRITEDATA, opaque)
        setup.function(CURLOPT_HEADERFUNCTION, TransferContext.receiveHeader)
        setup.pointer(CURLOPT_HEADERDATA, opaque)
        setup.long(CURLOPT_NOPROGRESS, 0)
        if setup.failure == nil { setup.check(keywatch_curl_set_progress_function(handle, TransferContext.progress)) }
        setup.pointer(CURLOPT_XFERINFODATA, opaque)

        switch request.protocols {
        case .web:
            lists.append(request.headers.reduce(nil) { curl_slist_append($0, $1) })
            setup.list(CURLOPT_HTTPHEADER, lists.last!)
            setup.long(CURLOPT_POST, 1)
            setup.offset(CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            setup.function(CURLOPT_READFUNCTION, TransferContext.sendBody)
            setup.pointer(CURLOPT_READDATA, opaque)
        case .mail:
            if let from = request.mailFrom { setup.string(CURLOPT_MAIL_FROM, "<\(from)>") }
            lists.append(request.recipients.reduce(nil) { curl_slist_append($0, "<\($1)>") })
            setup.list(CURLOPT_MAIL_RCPT, lists.last!)
            setup.long(CURLOPT_USE_SSL, Int(request.requireTLS ? CURLUSESSL_ALL.rawValue : CURLUSESSL_TRY.rawValue))
            setup.long(CURLOPT_UPLOAD, 1)
            setup.offset(CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body.count))
            setup.function(CURLOPT_READFUNCTION, TransferContext.sendBody)
            setup.pointer(CURLOPT_READDATA, opaque)
        }
        if let failure = setup.failure {
            throw DeliveryError(.configuration, "libcurl refused an option: \(String(cString: curl_easy_strerror(failure)))")
        }

        let code = curl_easy_perform(handle)
        var status = 0
        _ = keywatch_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var seconds = 0.0
        _ = keywatch_curl_get_double(handle, CURLINFO_TOTAL_TIME, &seconds)
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            throw DeliveryError(curl: code, detail: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail,
                                replyCode: status, cancelled: context.wasCancelled)
        }
        return CurlResponse(status: status, headers: context.headers, bodyPrefix: context.received, seconds: seconds)
    }
}

/// Sets options, remembering the first one libcurl refused.
private final class Setup {
    let handle: UnsafeMutableRawPointer
    var failure: CURLcode?

    init(handle: UnsafeMutableRawPointer) { self.handle = handle }

    func check(_ code: CURLcode) {
        if code != CURLE_OK, failure == nil { failure = code }
    }

    func long(_ option: CURLoption, _ value: Int) { check(keywatch_curl_set_long(handle, option, value)) }
    func offset(_ option: CURLoption, _ value: curl_off_t) { check(keywatch_curl_set_offset(handle, option, value)) }
    func string(_ option: CURLoption, _ value: String) { check(keywatch_curl_set_string(handle, option, value)) }
    func pointer(_ option: CURLoption, _ value: UnsafeMutableRawPointer?) { check(keywatch_curl_set_pointer(handle, option, value)) }
    func pointer(_ option: CURLoption, _ value: UnsafeMutablePointer<CChar>) { pointer(option, UnsafeMutableRawPointer(value)) }
    func list(_ option: CURLoption, _ value: UnsafeMutablePointer<curl_slist>?) { check(keywatch_curl_set_list(handle, option, value)) }
    func function(_ option: CURLoption, _ value: @escaping @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int) {
        check(keywatch_curl_set_data_function(handle, option, value))
    }
}

/// What libcurl's callbacks read from and write to during one transfer.
private final class TransferContext {
    /// Bytes of a response body kept: enough for an error message.
    static let keptBodyBytes = 512

    let body: [UInt8]
    var sent = 0
    var received: [UInt8] = []
    var headers: [String: String] = [:]
    let isCancelled: @Sendable () -> Bool
    var wasCancelled = false

    init(body: [UInt8], isCancelled: @escaping @Sendable () -> Bool) {
        self.body = body
        self.isCancelled = isCancelled
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> TransferContext {
        Unmanaged<TransferContext>.fromOpaque(pointer!).takeUnretainedValue()
    }

    static let sendBody: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { buffer, size, count, user in
        let context = TransferContext.from(user)
        let length = min(size * count, context.body.count - context.sent)
        guard length > 0, let buffer else { return 0 }
        context.body.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + context.sent, byteCount: length)
        }
        context.sent += length
        return length
    }

    static let receiveBody: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, user in
        let context = TransferContext.from(user)
        let length = size * count
        let room = keptBodyBytes - context.received.count
        if room > 0, let data {
            context.received.append(contentsOf: UnsafeRawBufferPointer(start: data, count: min(room, length)))
        }
        return length
    }

    static let receiveHeader: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, user in
        let context = TransferContext.from(user)
        let length = size * count
        guard let data else { return length }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        if line.hasPrefix("HTTP/") { context.headers.removeAll() }  // a new response (after 100 Continue)
        if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            context.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return length
    }

    static let progress: curl_xferinfo_callback = { user, _, _, _, _ in
        let context = TransferContext.from(user)
        if context.isCancelled() {
            context.wasCancelled = true
            return 1
        }
        return 0
    }
}
