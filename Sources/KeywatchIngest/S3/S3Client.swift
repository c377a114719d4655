import Crypto
import Foundation
import KeywatchCurl

/// The few S3 calls keywatch makes — read an object, list a prefix in key order, and (for
/// tests and tools) write one — signed with SigV4 by libcurl.
///
/// Addressed path-style (`<endpoint>/<bucket>/<key>`) when an endpoint is given (moto, MinIO),
/// else virtual-hosted (`https://<bucket>.s3.<region>.amazonaws.com/<key>`), as AWS wants.
public struct S3Client: Sendable {
    public var region: String
    /// An S3-compatible endpoint (`http://127.0.0.1:5000`); nil for AWS.
    public var endpoint: String?
    public var credentials: AWSCredentials
    /// The whole of one call, in seconds.
    public var timeout: Double = 60
    /// The largest object read: a log file is a few MB; anything larger is refused, not held.
    public var maximumObjectBytes = 512 << 20

    public init(region: String, endpoint: String? = nil, credentials: AWSCredentials) {
        self.region = region
        self.endpoint = endpoint
        self.credentials = credentials
    }

    /// An object's bytes and its ETag.
    public func object(_ reference: S3ObjectReference) throws(S3Error) -> (bytes: [UInt8], eTag: String?) {
        let response = try send("GET", bucket: reference.bucket, path: Self.encodedKey(reference.key), query: "",
                                keep: maximumObjectBytes + 1)
        guard !response.bodyCut, response.body.count <= maximumObjectBytes else {
            throw S3Error("\(reference) is larger than \(maximumObjectBytes >> 20) MiB")
        }
        return (response.body, response.headers["etag"].map(Self.unquoted))
    }

    /// One page of a listing in key order: keys after `startAfter` under `prefix`.
    /// - Parameter maximumKeys: the most objects a page holds (S3's default and most: 1000).
    public func list(bucket: String, prefix: String, startAfter: String?, continuation: String?,
                     maximumKeys: Int? = nil) throws(S3Error) -> S3ListPage {
        var query = ["list-type=2", "prefix=" + Self.encoded(prefix)]
        if let maximumKeys { query.append("max-keys=\(maximumKeys)") }
        if let startAfter { query.append("start-after=" + Self.encoded(startAfter)) }
        if let continuation { query.append("continuation-token=" + Self.encoded(continuation)) }
        // SigV4 wants the query's parameters in order.
        let response = try send("GET", bucket: bucket, path: "", query: query.sorted().joined(separator: "&"), keep: 16 << 20)
        return try S3ListPage(xml: response.body)
    }

    /// Writes an object (for tests and tools; keywatch itself only reads).
    public func put(_ bytes: [UInt8], bucket: String, key: String) throws(S3Error) {
        _ = try send("PUT", bucket: bucket, path: Self.encodedKey(key), query: "", body: bytes, keep: 4096)
    }

    /// Makes a bucket (for tests).
    public func createBucket(_ bucket: String) throws(S3Error) {
        _ = try send("PUT", bucket: bucket, path: "", query: "", keep: 4096)
    }

    private func send(_ method: String, bucket: String, path: String, query: String, body: [UInt8] = [],
                      keep: Int) throws(S3Error) -> CurlResponse {
        let base = endpoint.map { "\($0.hasSuffix("/") ? String($0.dropLast()) : $0)/\(bucket)" }
            ?? "https://\(bucket).s3.\(region).amazonaws.com"
        let url = base + "/" + path + (query.isEmpty ? "" : "?" + query)
        // S3 wants the payload's digest signed with the request.
        var headers = ["x-amz-content-sha256: " + SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()]
        if let token = credentials.sessionToken { headers.append("x-amz-security-token: \(token)") }
        // Said outright: libcurl would call a body form data, which servers may parse as such.
        if !body.isEmpty { headers.append("Content-Type: application/octet-stream") }
        let request = CurlRequest(url: url, protocols: .web, method: method, timeout: timeout, headers: headers, body: body,
                                  username: credentials.accessKeyID, password: credentials.secretAccessKey,
                                  awsSigV4: "aws:amz:\(region):s3", keptBodyBytes: keep)
        let response: CurlResponse
        do {
            response = try Curl.perform(request)
        } catch {
            throw S3Error("\(method) \(url): \(error.detail)")
        }
        guard (200..<300).contains(response.status) else {
            let code = S3ListPage.firstValue(of: "Code", in: response.body) ?? ""
            throw S3Error("\(method) s3://\(bucket)/\(path): HTTP \(response.status)\(code.isEmpty ? "" : " \(code)")", status: response.status)
        }
        return response
    }

    /// A key in a URL path: every byte but unreserved characters and `/` percent-encoded, as SigV4 for S3 wants.
    static func encodedKey(_ key: String) -> String { encode(key, keeping: "/") }

    /// A query value: every byte but unreserved characters percent-encoded.
    static func encoded(_ value: String) -> String { encode(value, keeping: "") }

    private static func encode(_ text: String, keeping extra: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            let unreserved = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || "-_.~".utf8.contains(byte) || extra.utf8.contains(byte)
            encoded += unreserved ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }
        return encoded
    }

    static func unquoted(_ eTag: String) -> String {
        eTag.count >= 2 && eTag.hasPrefix("\"") && eTag.hasSuffix("\"") ? String(eTag.dropFirst().dropLast()) : eTag
    }
}

/// Why an S3 call failed.
public struct S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    /// The HTTP status, when the service answered.
    public var status: Int?
    public init(_ description: String, status: Int? = nil) {
        self.description = description
        self.status = status
    }
}
