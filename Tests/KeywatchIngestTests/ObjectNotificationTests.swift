import Foundation
import Testing
@testable import KeywatchIngest

/// The messages AWS puts on a queue about new CloudTrail files, in each shape it sends them, and
/// messages that are none of these.
@Suite("S3 object notifications")
struct ObjectNotificationTests {
    static let key = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/111122223333_CloudTrail_us-east-1_20261120T0905Z_Mu0KsOhtH1ar15ZZ.json.gz"

    func parse(_ text: String) throws(NotificationError) -> ObjectNotification {
        try ObjectNotification.parse(Array(text.utf8))
    }

    static func s3Event(key: String, name: String = "ObjectCreated:Put", bucket: String = "org-cloudtrail") -> String {
        #"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-11-20T09:05:12.345Z","eventName":"\#(name)","userIdentity":{"principalId":"AWS:AROA:regionalDeliverySession"},"requestParameters":{"sourceIPAddress":"10.0.0.1"},"responseElements":{"x-amz-request-id":"X","x-amz-id-2":"Y"},"s3":{"s3SchemaVersion":"1.0","configurationId":"keywatch","bucket":{"name":"\#(bucket)","ownerIdentity":{"principalId":"A"},"arn":"arn:aws:s3:::\#(bucket)"},"object":{"key":"\#(key)","size":2048,"eTag":"0a1b2c3d4e5f60718293a4b5c6d7e8f9","sequencer":"0061A2B3C4D5E6F708"}}}]}"#
    }

    static func sns(_ message: String) throws -> String {
        let envelope: [String: Any] = [
            "Type": "Notification", "MessageId": "5c1c0e5e-6f1f-4c8e-9a2b-3d4e5f607182",
            "TopicArn": "arn:aws:sns:us-east-1:111122223333:cloudtrail", "Subject": "Amazon S3 Notification",
            "Message": message, "Timestamp": "2026-11-20T09:05:13.000Z", "SignatureVersion": "1",
            "Signature": "c2ln", "SigningCertURL": "https://sns.us-east-1.amazonaws.com/cert.pem",
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: envelope), as: UTF8.self)
    }

    @Test("an S3 event notification: bucket, the key URL-decoded, ETag and size")
    func s3EventNotification() throws {
        let encoded = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/a+file%3Dwith%2Bsigns.json.gz"
        #expect(try parse(Self.s3Event(key: encoded)) == .objects([S3ObjectReference(
            bucket: "org-cloudtrail", key: "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/a file=with+signs.json.gz",
            eTag: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", size: 2048)]))
    }

    @Test("the same wrapped by SNS; CloudTrail's own SNS notification of its files, keys as they are")
    func snsShapes() throws {
        #expect(try parse(Self.sns(Self.s3Event(key: Self.key))) == .objects([S3ObjectReference(
            bucket: "org-cloudtrail", key: Self.key, eTag: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", size: 2048)]))
        let cloudTrail = #"{"s3Bucket":"org-cloudtrail","s3ObjectKey":["\#(Self.key)","AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/20/b+c.json.gz"]}"#
        #expect(try parse(Self.sns(cloudTrail)) == .objects([
            S3ObjectReference(bucket: "org-cloudtrail", key: Self.key),
            S3ObjectReference(bucket: "org-cloudtrail", key: "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/20/b+c.json.gz"),
        ]), "CloudTrail's keys are not URL-encoded: a + is a +")
        #expect(try parse(cloudTrail) == parse(Self.sns(cloudTrail)), "raw message delivery: no envelope")
    }

    @Test("EventBridge Object Created, keys as they are")
    func eventBridge() throws {
        let event = #"{"version":"0","id":"17793124-05d4-b198-2fde-7ededc63b103","detail-type":"Object Created","source":"aws.s3","account":"111122223333","time":"2026-11-20T09:05:12Z","region":"us-east-1","resources":["arn:aws:s3:::org-cloudtrail"],"detail":{"version":"0","bucket":{"name":"org-cloudtrail"},"object":{"key":"\#(Self.key)","size":2048,"etag":"\"0a1b\"","sequencer":"00617F08299329D189"},"request-id":"N4N7GDK58NMKJ12R","requester":"cloudtrail.amazonaws.com","reason":"PutObject"}}"#
        #expect(try parse(event) == .objects([S3ObjectReference(bucket: "org-cloudtrail", key: Self.key, eTag: "0a1b", size: 2048)]))
        #expect(try parse(event.replacingOccurrences(of: "Object Created", with: "Object Deleted")) == .skipped("EventBridge Object Deleted"))
    }

    @Test("test events, subscription confirmations, removals and digest files announce nothing to read")
    func skipped() throws {
        let test = #"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-20T09:00:00.000Z","Bucket":"org-cloudtrail","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"}"#
        #expect(try parse(test) == .skipped("S3 test event"))
        #expect(try parse(Self.sns(test)) == .skipped("S3 test event"))
        #expect(try parse(#"{"Type":"SubscriptionConfirmation","Message":"You have chosen to subscribe","SubscribeURL":"https://x"}"#)
                == .skipped("SNS SubscriptionConfirmation"))
        #expect(try parse(Self.s3Event(key: Self.key, name: "ObjectRemoved:Delete")) == .skipped("S3 events of no new object (1)"))
        let digest = "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/20/111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20261120T090512Z.json.gz"
        #expect(try parse(Self.s3Event(key: digest)) == .skipped("CloudTrail digest file"))
        let both = #"{"s3Bucket":"org-cloudtrail","s3ObjectKey":["\#(digest)","\#(Self.key)"]}"#
        #expect(try parse(both) == .objects([S3ObjectReference(bucket: "org-cloudtrail", key: Self.key)]), "a digest beside a log file: the log file")
    }

    @Test("messages that are none of these are refused with the reason")
    func refused() throws {
        let cases: [(String, String)] = [
            ("not json", "not JSON"),
            ("[1,2]", "not a JSON object"),
            (#"{"hello":"world"}"#, "not an S3, SNS, CloudTrail or EventBridge notification"),
            (#"{"Records":[{"eventSource":"aws:kms","eventName":"Decrypt"}]}"#, "eventSource is not aws:s3"),
            (Self.s3Event(key: "a%zzb"), "not URL-encoded UTF-8"),
            (Self.s3Event(key: "a%ffb"), "not URL-encoded UTF-8"),
            (Self.s3Event(key: Self.key, bucket: "Not_A_Bucket"), "is not an S3 bucket name"),
            (Self.s3Event(key: ""), "without s3.object.key"),
            (Self.s3Event(key: String(repeating: "k", count: 1025)), "longer than S3's 1024 bytes"),
            (#"{"s3Bucket":"org-cloudtrail","s3ObjectKey":"one"}"#, "without an s3ObjectKey list"),
            (#"{"Type":"Notification","Message":"not json"}"#, "in its SNS Message: not JSON"),
            (#"{"Type":"Notification"}"#, "without a Message"),
            (try Self.sns(Self.sns(Self.s3Event(key: Self.key))), "an SNS envelope inside an SNS envelope"),
        ]
        for (message, reason) in cases {
            do {
                let result = try parse(message)
                Issue.record("\(message.prefix(80)) was read as \(result)")
            } catch {
                #expect(error.reason.contains(reason), "\(message.prefix(80)): \(error.reason)")
            }
        }
    }
}
