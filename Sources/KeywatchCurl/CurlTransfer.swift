import CCurl
import Foundation

/// One request through libcurl, the only HTTP and SMTP client keywatch has: a webhook POST, an
/// SMTP submission, a signed request to a cloud's API.
///
/// Every transfer has a connect timeout and a total timeout (libcurl's default is to wait
/// forever), verifies TLS peers and host names, follows no redirects, and speaks only the
/// protocols it was made for — a webhook URL cannot turn into `file://` or `gopher://`.
public struct CurlRequest: Sendable {
    public enum Protocols: String, Sendable {
        case web = "http,https"
        case mail = "smtp,smtps"
    }

    public var url: String
    public var protocols: Protocols
    /// The HTTP method; nil is POST when there is a ``body``, else GET.
    public var method: String?
    /// The whole transfer, in seconds; connecting gets at most half of it.
    public var timeout: Double
    /// PEM certificates to trust instead of the system's.
    public var caFile: String?
    /// HTTP request headers (`Name: value`).
    public var headers: [String] = []
    /// The POST body, or the message uploaded over SMTP.
    public var body: [UInt8] = []
    public var username: String?
    public var password: String?
    /// SMTP envelope sender and recipients (bare addresses).
    public var mailFrom: String?
    public var recipients: [String] = []
    /// SMTP: refuse to go on without TLS (STARTTLS on `smtp://`).
    public var requireTLS = false
    /// Sign the request with AWS Signature Version 4 — `aws:amz:<region>:<service>`, libcurl's
    /// `CURLOPT_AWS_SIGV4` — with ``username`` as the access key id and ``password`` as the
    /// secret (a session token goes in the `X-Amz-Security-Token` header).
    public var awsSigV4: String?
    /// Response body bytes kept: a few hundred for an error message, or all a reader needs.
    public var keptBodyBytes = 512

    public init(url: String, protocols: Protocols, method: String? = nil, timeout: Double, caFile: String? = nil,
                headers: [String] = [], body: [UInt8] = [], username: String? = nil, password: String? = nil,
                mailFrom: String? = nil, recipients: [String] = [], requireTLS: Bool = false, awsSigV4: String? = nil,
                keptBodyBytes: Int = 512) {
        self.url = url
        self.protocols = protocols
        self.method = method
        self.timeout = timeout
        self.caFile = caFile
        self.headers = headers
        self.body = body
        self.username = username
        self.password = password
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.requireTLS = requireTLS
        self.awsSigV4 = awsSigV4
        self.keptBodyBytes = keptBodyBytes
    }
}

/// What came back from a transfer that completed.
public struct CurlResponse: Sendable {
    /// The HTTP status, or the last SMTP reply code.
    public var status: Int
    /// Response header lines, lower-cased names.
    public var headers: [String: String]
    /// The body's first ``CurlRequest/keptBodyBytes``.
    public var body: [UInt8]
    /// Whether the body was longer than what was kept.
    public var bodyCut: Bool
    public var seconds: Double
}

/// A transfer that did not complete: libcurl's code, its message, the last reply code, and
/// whether it was stopped on purpose. Its users say what it means for them (``code``'s
/// meaning differs between delivering an alert and reading a log).
public struct CurlFailure: Error, Sendable, CustomStringConvertible {
    public var code: CURLcode
    public var detail: String
    /// The last HTTP status or SMTP reply, 0 when none came.
    public var replyCode: Int
    /// Stopped because the caller's `isCancelled` said so.
    public var cancelled: Bool
    /// The transfer never started: libcurl could not be set up for it (not initialized, an
    /// option refused) — a fault of the request or the machine, not of the far end.
    public var beforeTransfer = false

    public var description: String { detail }
}

public enum Curl {
    /// libcurl's global state, set up once before any transfer (it is not thread-safe itself).
    private static let initialized: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Runs `request`; `isCancelled` is polled during the transfer and aborts it when true.
    public static func perform(_ request: CurlRequest, isCancelled: @escaping @Sendable () -> Bool = { false })
        throws(CurlFailure) -> CurlResponse
    {
        guard initialized == CURLE_OK else {
            throw CurlFailure(code: initialized, detail: "libcurl could not initialize: \(String(cString: curl_easy_strerror(initialized)))",
                              replyCode: 0, cancelled: false, beforeTransfer: true)
        }
        guard let handle = curl_easy_init() else {
            throw CurlFailure(code: CURLE_FAILED_INIT, detail: "libcurl could not create a transfer", replyCode: 0, cancelled: false,
                              beforeTransfer: true)
        }
        defer { curl_easy_cleanup(handle) }
        let context = TransferContext(body: request.body, keptBodyBytes: request.keptBodyBytes, isCancelled: isCancelled)
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
            let method = request.method ?? (request.body.isEmpty ? "GET" : "POST")
            if method != "GET" {
                setup.long(CURLOPT_POST, 1)
                setup.offset(CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
                if request.awsSigV4 != nil {
                    // SigV4 signs the payload, which libcurl can only hash when it holds it whole.
                    if request.body.isEmpty {
                        setup.string(CURLOPT_COPYPOSTFIELDS, "")
                    } else {
                        request.body.withUnsafeBytes { setup.pointer(CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress!)) }
                    }
                } else {
                    setup.function(CURLOPT_READFUNCTION, TransferContext.sendBody)
                    setup.pointer(CURLOPT_READDATA, opaque)
                }
                if method != "POST" { setup.string(CURLOPT_CUSTOMREQUEST, method) }
            }
            if let signing = request.awsSigV4 { setup.string(CURLOPT_AWS_SIGV4, signing) }
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
            throw CurlFailure(code: failure, detail: "libcurl refused an option: \(String(cString: curl_easy_strerror(failure)))",
                              replyCode: 0, cancelled: false, beforeTransfer: true)
        }

        let code = curl_easy_perform(handle)
        var status = 0
        _ = keywatch_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var seconds = 0.0
        _ = keywatch_curl_get_double(handle, CURLINFO_TOTAL_TIME, &seconds)
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            throw CurlFailure(code: code, detail: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail,
                              replyCode: status, cancelled: context.wasCancelled)
        }
        return CurlResponse(status: status, headers: context.headers, body: context.received, bodyCut: context.cut, seconds: seconds)
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
    let body: [UInt8]
    /// Bytes of a response body kept.
    let keptBodyBytes: Int
    var sent = 0
    var received: [UInt8] = []
    /// Whether more came than was kept.
    var cut = false
    var headers: [String: String] = [:]
    let isCancelled: @Sendable () -> Bool
    var wasCancelled = false

    init(body: [UInt8], keptBodyBytes: Int, isCancelled: @escaping @Sendable () -> Bool) {
        self.body = body
        self.keptBodyBytes = keptBodyBytes
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
        let room = context.keptBodyBytes - context.received.count
        if room > 0, let data {
            context.received.append(contentsOf: UnsafeRawBufferPointer(start: data, count: min(room, length)))
        }
        if length > room { context.cut = true }
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
