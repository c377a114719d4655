import Foundation
import KeywatchCore
import Testing
@testable import KeywatchAlerting

/// The e-mail's exact bytes for an alert with every kind of field: what a mail filter or a
/// reader's habit may depend on stays as it was.
@Suite("E-mail message")
struct EmailMessageTests {
    @Test("an alert with a window, two group fields and every kind of detail gives these exact bytes")
    func exactBytes() throws {
        var alert = testAlert(3, summary: "13 events for principal=app within 10m (baseline 4.2 per 10m)")
        alert.group.append(GroupValue(field: "resource", value: "arn:aws:kms:us-east-1:111122223333:key/1"))
        alert.count = 13
        alert.window = AlertWindow(start: Timestamp(parsing: "2026-11-20T09:00:00Z")!, end: Timestamp(parsing: "2026-11-20T09:10:00Z")!)
        alert.details = [
            AlertDetail("baseline_mean", .number(4.25)), AlertDetail("factor", .number(3)), AlertDetail("min_count", .integer(10)),
            AlertDetail("baseline", .text("1h")), AlertDetail("values", .list(["a", "b,c", "d"])), AlertDetail("a_long_detail_name", .list([])),
        ]
        alert.events = ["ct:1", "ct:2"]
        let message = EmailMessage.compose(try OutgoingAlert(json: alert.json), from: "keywatch@example.com", to: ["a@example.com", "b@example.com"],
                                           date: Date(timeIntervalSince1970: 1_795_000_000))
        #expect(String(decoding: message, as: UTF8.self) == Self.expected)
    }

    @Test("what a change rule's alert changed reads old → new, unknown old values said so")
    func changes() throws {
        var alert = testAlert(4, summary: "kv-payments-prod: networkAcls.defaultAction Deny → Allow")
        alert.details = [AlertDetail("changed", .changes([AlertDetail.Change("networkAcls.defaultAction", old: "Deny", new: "Allow"),
                                                          AlertDetail.Change("enablePurgeProtection", old: nil, new: "false")]))]
        let body = EmailMessage.body(of: try OutgoingAlert(json: alert.json))
        #expect(body.contains("changed     networkAcls.defaultAction Deny → Allow, enablePurgeProtection (unknown) → false"))
        let message = String(decoding: EmailMessage.compose(try OutgoingAlert(json: alert.json), from: "keywatch@example.com",
                                                            to: ["a@example.com"], date: Date(timeIntervalSince1970: 1_795_000_000)),
                             as: UTF8.self)
        #expect(message.contains("changed     networkAcls.defaultAction Deny =E2=86=92 Allow"))
    }

    static let expected = [
        "Date: Wed, 18 Nov 2026 11:06:40 +0000",
        "From: keywatch@example.com",
        "To: a@example.com, b@example.com",
        "Subject: [keywatch][high] KMS key disabled",
        "Message-ID: <kw-0303030303030303@keywatch.invalid>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "Auto-Submitted: auto-generated",
        "",
        "13 events for principal=3Dapp within 10m (baseline 4.2 per 10m)",
        "",
        "Rule        kms-key-destruction (high): KMS key disabled",
        "Group       principal=3Darn:aws:iam::111122223333:role/app-3, resource=3Dar=",
        "n:aws:kms:us-east-1:111122223333:key/1",
        "Window      2026-11-20T09:00:00.000000Z to 2026-11-20T09:10:00.000000Z",
        "First seen  2026-11-20T09:00:03.000000Z",
        "Last seen   2026-11-20T09:00:03.000000Z",
        "Count       13",
        "baseline_me 4.25",
        "factor      3.0",
        "min_count   10",
        "baseline    1h",
        "values      a, b,c, d",
        "a_long_deta=20",
        "Alert       kw-0303030303030303 (key 03030303030303030303030303030303030303=",
        "03030303030303030303030303)",
        "Rule file   rules/destruction.yaml",
        "",
        "Evidence (0 of 2 events):",
        "(2 evidence event(s) are no longer in the store)",
        "",
        "Investigate: keywatch alerts show kw-0303030303030303",
    ].joined(separator: "\r\n") + "\r\n"
}
