import Foundation
import KeywatchCore
import Testing
@testable import KeywatchIngest

/// The bookkeeping of the cloud inputs: messages in flight, where a listing resumes.
@Suite("Cloud input state")
struct CloudInputStateTests {
    func message(_ id: String) -> SQSMessage {
        SQSMessage(id: id, receiptHandle: "h-\(id)", body: [], receiveCount: 1, sentAt: nil)
    }

    @Test("a message is deletable once every object is handed over and committed, in whatever order commits come")
    func deletedAfterCommits() {
        let inFlight = MessagesInFlight()
        let (a, b) = (message("a"), message("b"))
        inFlight.received(a, visibility: 300)
        inFlight.received(b, visibility: 300)
        inFlight.committed(a)      // the writer was quicker than the count
        inFlight.handedOver(a)
        inFlight.handedOver(a)
        #expect(inFlight.takeDeletable().isEmpty, "objects may still come")
        inFlight.finished(a)
        #expect(inFlight.takeDeletable().isEmpty, "one object not committed")
        inFlight.committed(a)
        #expect(inFlight.takeDeletable().map(\.id) == ["a"])
        #expect(inFlight.takeDeletable().isEmpty, "taken once")
        inFlight.finished(b)
        #expect(inFlight.takeDeletable().map(\.id) == ["b"], "a message of no object to read")
        #expect(inFlight.count == 0)
    }

    @Test("the commits of a delivery given back do not count for the message's next delivery")
    func deliveriesApart() {
        let inFlight = MessagesInFlight()
        let first = SQSMessage(id: "m", receiptHandle: "h1", body: [], receiveCount: 1, sentAt: nil)
        let second = SQSMessage(id: "m", receiptHandle: "h2", body: [], receiveCount: 2, sentAt: nil)
        inFlight.received(first, visibility: 300)
        inFlight.handedOver(first)   // o1 handed over; o2 fails and the message goes back
        inFlight.forget(first)
        inFlight.received(second, visibility: 300)
        inFlight.committed(first)    // o1's commit comes late
        inFlight.handedOver(second)  // o2 read this time, not committed yet
        inFlight.finished(second)
        #expect(inFlight.takeDeletable().isEmpty, "o2 is not committed")
        inFlight.committed(second)
        #expect(inFlight.takeDeletable().map(\.receiptHandle) == ["h2"])
    }

    @Test("messages within half their visibility of reappearing are extended, once until they near it again")
    func visibilityExtended() {
        let inFlight = MessagesInFlight()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        inFlight.received(message("a"), visibility: 60, at: start)
        inFlight.received(message("b"), visibility: 60, at: start.addingTimeInterval(20))
        #expect(inFlight.dueForExtension(visibility: 60, at: start.addingTimeInterval(29)).isEmpty)
        #expect(inFlight.dueForExtension(visibility: 60, at: start.addingTimeInterval(31)).map(\.id) == ["a"])
        #expect(inFlight.dueForExtension(visibility: 60, at: start.addingTimeInterval(51)).map(\.id) == ["b"])
        #expect(inFlight.dueForExtension(visibility: 60, at: start.addingTimeInterval(55)).isEmpty)
        inFlight.forget(message("a"))
        #expect(inFlight.dueForExtension(visibility: 60, at: start.addingTimeInterval(200)).map(\.id) == ["b"])
        #expect(inFlight.dueForExtension(visibility: 60, at: start.addingTimeInterval(3700)).isEmpty, "not held for ever")
    }

    @Test("a listing resumes a day before a CloudTrail key's date, across months and years; other keys just after")
    func listingStart() {
        let key = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/12/08/111122223333_CloudTrail_us-east-1_20261208T0005Z_x.json.gz"
        #expect(ListingInput.listingStart(after: key) == "AWSLogs/111122223333/CloudTrail/us-east-1/2026/12/07/")
        #expect(ListingInput.listingStart(after: "AWSLogs/1/CloudTrail/eu-west-1/2027/01/01/f.json.gz") == "AWSLogs/1/CloudTrail/eu-west-1/2026/12/31/")
        #expect(ListingInput.listingStart(after: "2026/03/01/f") == "2026/02/28/")
        #expect(ListingInput.listingStart(after: "logs/app-17.json") == "logs/app-17.json")
        #expect(ListingInput.listingStart(after: "logs/2026/13/45/f") == "logs/2026/13/45/f", "not a date")
    }
}
