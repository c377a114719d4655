import Foundation
import Testing
import KeywatchTestSupport
@testable import KeywatchIngest

/// The S3 calls against a real S3 endpoint (moto's server), signed with SigV4 by libcurl.
@Suite("S3 client", .serialized)
struct S3ClientTests {
    let server: MotoServer
    let client: S3Client

    init() throws {
        server = try MotoServer()
        client = S3Client(region: "us-east-1", endpoint: server.endpoint,
                          credentials: AWSCredentials(accessKeyID: "AKIAKEYWATCHTEST", secretAccessKey: "test-secret", sessionToken: "token"))
    }

    @Test("objects written are read back with their ETag, whatever characters their keys hold")
    func readBack() throws {
        try client.createBucket("org-cloudtrail")
        let keys = ["AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/a.json.gz", "odd keys/a b+c=d&e%f'g\"h.json", "ünï/çødé.json"]
        for (index, key) in keys.enumerated() {
            try client.put(Array("{\"Records\":[\(index)]}".utf8), bucket: "org-cloudtrail", key: key)
        }
        for (index, key) in keys.enumerated() {
            let object = try client.object(S3ObjectReference(bucket: "org-cloudtrail", key: key))
            #expect(object.bytes == Array("{\"Records\":[\(index)]}".utf8), "\(key)")
            #expect(object.eTag?.count == 32, "an MD5 ETag without its quotes: \(object.eTag ?? "none")")
        }
        do {
            _ = try client.object(S3ObjectReference(bucket: "org-cloudtrail", key: "missing"))
            Issue.record("a missing object was read")
        } catch {
            #expect(error.status == 404 && error.description.contains("NoSuchKey"), "\(error)")
        }
    }

    @Test("a listing is in key order, under its prefix, after its start, page by page")
    func listing() throws {
        try client.createBucket("org-listing")
        let prefix = "AWSLogs/111122223333/CloudTrail/"
        let keys = (0..<7).map { "\(prefix)us-east-1/2026/11/\(String(format: "%02d", 20 + $0))/f&<\($0)>.json.gz" }
        for key in keys.shuffled() { try client.put(Array("x".utf8), bucket: "org-listing", key: key) }
        try client.put(Array("x".utf8), bucket: "org-listing", key: "elsewhere/z.json")
        var listed: [S3ObjectReference] = []
        var continuation: String?
        repeat {
            let page = try client.list(bucket: "org-listing", prefix: prefix, startAfter: keys[1], continuation: continuation, maximumKeys: 2)
            listed += page.objects
            continuation = page.continuation
        } while continuation != nil
        #expect(listed.map(\.key) == Array(keys.dropFirst(2)), "after the start, in order, entities decoded")
        #expect(listed.allSatisfy { $0.bucket == "org-listing" && $0.size == 1 && $0.eTag != nil })
    }

    @Test("the XML of a listing: entities, empty elements, names that begin with another's")
    func listingXML() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b-1</Name><Prefix/><KeyCount>1</KeyCount>\
            <IsTruncated>false</IsTruncated><Contents><Key>a&amp;b&#x20;&#233;</Key><ETag>&quot;abc&quot;</ETag><Size>5</Size></Contents>\
            <ContentsX><Key>no</Key></ContentsX></ListBucketResult>
            """
        let page = try S3ListPage(xml: Array(xml.utf8))
        #expect(page.objects == [S3ObjectReference(bucket: "b-1", key: "a&b é", eTag: "abc", size: 5)])
        #expect(page.continuation == nil)
        #expect(throws: S3Error.self) { try S3ListPage(xml: Array("<Error><Code>AccessDenied</Code></Error>".utf8)) }
    }
}
