import Testing
@testable import KeywatchCore

@Suite("Identity map and workload attribution")
struct IdentityTests {
    let yaml = """
        namespaces:
          payments:
            principals:
              - "8d116ece-1738-47d9-bd9c-172411e20b8f"
              - "arn:aws:iam::111122223333:role/payments-irsa"
            resources:
              - "https://kv-payments-prod.vault.azure.net/secrets/*"
              - "alias/payments/*"
          checkout:
            principals: ["3c9d2e1f-0a1b-4c2d-9e3f-4a5b6c7d8e9f"]
            resources: "https://kv-checkout.vault.azure.net/*"
        shared:
          - "https://kv-platform.vault.azure.net/secrets/shared-*"
        """

    @Test("globs: * spans slashes, ? one character, letters ignore case")
    func globs() {
        #expect(Glob("https://kv.vault.azure.net/secrets/*").matches("https://KV.vault.azure.net/secrets/a/b"))
        #expect(Glob("alias/payments/*").matches("alias/payments/main"))
        #expect(!Glob("alias/payments/*").matches("alias/paymentsx"))
        #expect(Glob("key-??").matches("key-01") && !Glob("key-??").matches("key-1"))
        #expect(Glob("*a*b*c*").matches("xxaxxbxxcxx") && !Glob("*a*b*c*").matches("xxcxxbxxaxx"))
        #expect(Glob("exact").matches("EXACT") && Glob("exact").isLiteral)
        #expect(Glob("*").matches(""))
    }

    @Test("the map names each principal's namespace and each resource's owner")
    func lookups() throws {
        let map = try IdentityMap.parse(yaml, file: "rules/identities.yaml")
        #expect(map.namespace(ofPrincipal: "8D116ECE-1738-47D9-BD9C-172411E20B8F") == "payments")
        #expect(map.namespace(ofPrincipal: "unknown-oid", appID: "3c9d2e1f-0a1b-4c2d-9e3f-4a5b6c7d8e9f") == "checkout")
        #expect(map.namespace(ofPrincipal: "system:serviceaccount:batch:report") == "batch")
        #expect(map.namespace(ofPrincipal: "someone") == nil)
        #expect(map.owner(ofResource: "https://kv-payments-prod.vault.azure.net/secrets/db-password") == .namespace("payments"))
        #expect(map.owner(ofResource: "arn:aws:kms:us-east-1:1:alias/payments/main", objectName: "alias/payments/main") == .namespace("payments"))
        #expect(map.owner(ofResource: "https://kv-platform.vault.azure.net/secrets/shared-redis") == .shared)
        #expect(map.owner(ofResource: "https://elsewhere.vault.azure.net/") == .unknown)
    }

    @Test("errors name the file, the line and the key", arguments: [
        ("namespaces:\n  payments:\n    principal: [\"x\"]\n", "rules/identities.yaml:3: namespaces.payments.principal: unknown key (expected one of: principals, profile, resources)"),
        ("namespaces:\n  payments:\n    principals: {a: b}\n", "rules/identities.yaml:3: namespaces.payments.principals: expected a list of strings"),
        ("namespaces: [1, 2]\n", "rules/identities.yaml:1: namespaces: expected a mapping (key: value)"),
        ("sharing: []\n", "rules/identities.yaml:1: sharing: unknown key (expected one of: accounts, decoys, namespaces, organization, profiles, shared)"),
        ("namespaces:\n  a:\n    principals: [p]\n  b:\n    principals: [P]\n", "rules/identities.yaml: namespaces.b.principals: principal 'P' is already in namespace 'a'"),
    ])
    func errors(_ text: String, _ message: String) {
        Self.expectRefused(text, message)
    }

    /// Expects `text`, read as `rules/identities.yaml`, to be refused with `message`.
    static func expectRefused(_ text: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try IdentityMap.parse(text, file: "rules/identities.yaml")
            Issue.record("accepted: \(text)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.description == message, sourceLocation: sourceLocation)
        }
    }

    @Test("a YAML syntax error names its line")
    func syntax() {
        do {
            _ = try IdentityMap.parse("namespaces:\n  payments:\n    principals: [\"x\"\n", file: "ids.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.description.hasPrefix("ids.yaml:"))
            #expect(error.line != nil)
        }
    }

    @Test("IRSA: the service account of an AssumeRoleWithWebIdentity follows its session's KMS calls")
    func irsaJoin() throws {
        let sts = cloudTrail(["eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
                              "requestParameters": ["roleArn": "arn:aws:iam::111122223333:role/app-role", "roleSessionName": "1699456147945229070"],
                              "resources": [["type": "AWS::IAM::Role", "ARN": "arn:aws:iam::111122223333:role/app-role"]]],
                             identity: ["type": "WebIdentityUser", "userName": "system:serviceaccount:shop:cart"])
        let sameSession = cloudTrail(identity: [
            "type": "AssumedRole", "principalId": "AROAEXAMPLE:1699456147945229070", "accountId": "111122223333",
            "arn": "arn:aws:sts::111122223333:assumed-role/app-role/1699456147945229070",
            "sessionContext": ["sessionIssuer": ["type": "Role", "arn": "arn:aws:iam::111122223333:role/app-role", "userName": "app-role"]]])
        let otherSession = cloudTrail()  // app-role, session "app-session"
        var attribution = WorkloadAttribution()
        var first = decode(sts)
        attribution.attribute(&first)
        let learned = attribution.takeNewSessions()
        #expect(learned.map(\.namespace) == ["shop"])
        #expect(learned.first?.serviceAccount == "cart")
        // In a later batch (a later file), the KMS calls of that session are the workload's.
        var later = decode(sameSession + "\n" + otherSession)
        attribution.attribute(&later)
        #expect(later.event(at: 0).namespace == "shop")
        #expect(later.event(at: 0).serviceAccount == "cart")
        #expect(later.event(at: 1).namespace == nil)
        // A restart: sessions come back from the store.
        var restarted = WorkloadAttribution(sessions: learned)
        var again = decode(sameSession)
        restarted.attribute(&again)
        #expect(again.event(at: 0).namespace == "shop")
        // A denied AssumeRoleWithWebIdentity opens no session.
        var denied = WorkloadAttribution()
        var deniedBatch = decode(sts.replacingOccurrences(of: "\"eventName\"", with: "\"errorCode\":\"AccessDenied\",\"eventName\""))
        denied.attribute(&deniedBatch)
        #expect(denied.takeNewSessions().isEmpty)
    }

    @Test("an STS call keeps its caller's session apart from the one it creates, and the KMS calls of the created one are joined")
    func createdSessionApartFromCaller() throws {
        // IRSA: the caller is a web identity, which has no role session; the call creates one.
        let web = cloudTrail(["eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
                              "requestParameters": ["roleArn": "arn:aws:iam::111122223333:role/app-role", "roleSessionName": "botocore-session-1"],
                              "resources": [["type": "AWS::IAM::Role", "ARN": "arn:aws:iam::111122223333:role/app-role"]]],
                             identity: ["type": "WebIdentityUser", "userName": "system:serviceaccount:shop:cart",
                                        "principalId": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X:sts.amazonaws.com:system:serviceaccount:shop:cart"])
        // Pod Identity's STS AssumeRole, called by an assumed role of its own (session "agent-session"),
        // creating "eks-pod-session" for the pod named by its session tags.
        let tagged = cloudTrail(["eventSource": "sts.amazonaws.com", "eventName": "AssumeRole", "eventID": "tagged",
                                 "requestParameters": ["roleArn": "arn:aws:iam::111122223333:role/worker-role", "roleSessionName": "eks-pod-session",
                                                       "tags": [["key": "kubernetes-namespace", "value": "billing"],
                                                                ["key": "kubernetes-service-account", "value": "invoicer"]]],
                                 "resources": [["type": "AWS::IAM::Role", "ARN": "arn:aws:iam::111122223333:role/worker-role"]]],
                                identity: ["type": "AssumedRole", "principalId": "AROAAGENT:agent-session", "accountId": "111122223333",
                                           "arn": "arn:aws:sts::111122223333:assumed-role/agent-role/agent-session",
                                           "sessionContext": ["sessionIssuer": ["type": "Role", "arn": "arn:aws:iam::111122223333:role/agent-role", "userName": "agent-role"]]])
        func kms(role: String, session: String, id: String) -> String {
            cloudTrail(["eventID": id], identity: [
                "type": "AssumedRole", "principalId": "AROAEXAMPLE:\(session)", "accountId": "111122223333",
                "arn": "arn:aws:sts::111122223333:assumed-role/\(role)/\(session)",
                "sessionContext": ["sessionIssuer": ["type": "Role", "arn": "arn:aws:iam::111122223333:role/\(role)", "userName": role]]])
        }
        var attribution = WorkloadAttribution()
        var calls = decode(web + "\n" + tagged)
        attribution.attribute(&calls)
        let (webCall, taggedCall) = (calls.event(at: 0), calls.event(at: 1))
        #expect(webCall.session == nil)
        #expect(webCall.newSession == "botocore-session-1")
        #expect(taggedCall.session == "agent-session")
        #expect(taggedCall.newSession == "eks-pod-session")
        #expect(Set(attribution.takeNewSessions().map(\.name)) == ["botocore-session-1", "eks-pod-session"])

        var later = decode([kms(role: "app-role", session: "botocore-session-1", id: "k1"),
                            kms(role: "worker-role", session: "eks-pod-session", id: "k2"),
                            kms(role: "agent-role", session: "agent-session", id: "k3")].joined(separator: "\n"))
        attribution.attribute(&later)
        #expect(later.event(at: 0).namespace == "shop")
        #expect(later.event(at: 0).serviceAccount == "cart")
        #expect(later.event(at: 1).namespace == "billing")
        #expect(later.event(at: 1).serviceAccount == "invoicer")
        #expect(later.event(at: 2).namespace == nil, "the caller's own session was not created for the pod")
    }

    @Test("the identity map fills namespace and resource_namespace")
    func fromMap() throws {
        var attribution = WorkloadAttribution(identities: try IdentityMap.parse(yaml, file: "ids.yaml"))
        var batch = decode(keyVault(identity: ["claim": ["oid": "3c9d2e1f-0a1b-4c2d-9e3f-4a5b6c7d8e9f"]]))
        attribution.attribute(&batch)
        let event = batch.event(at: 0)
        #expect(event.namespace == "checkout")
        #expect(event.resourceNamespace == "payments")
    }
}
