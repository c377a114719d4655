import Foundation
import Testing
import KeywatchTestSupport
@testable import KeywatchIngest

/// Where AWS credentials come from, in the SDKs' order, with real files.
@Suite("AWS credentials")
struct AWSCredentialSourceTests {
    let directory = TemporaryDirectory()

    func find(_ environment: [String: String]) throws -> AWSCredentialSource {
        try AWSCredentialSource.find(environment: environment) { path in
            FileManager.default.fileExists(atPath: path) ? try String(contentsOfFile: path, encoding: .utf8) : nil
        }
    }

    @Test("the environment first; then the profile's keys in the credentials file, then in the config file; then a web identity")
    func order() throws {
        try directory.write(".aws/credentials", """
            # a comment
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = secret-default\r

            [ops]
            aws_access_key_id=AKIAOPS
            aws_secret_access_key=secret-ops
            aws_session_token = token-ops
            """)
        try directory.write(".aws/config", """
            [default]
            region = us-east-1
            [profile audit]
            region = eu-west-1
            aws_access_key_id = AKIAAUDIT
            aws_secret_access_key = secret-audit
            s3 =
              max_concurrent_requests = 4
            """)
        let home = directory.path("")
        #expect(try find(["HOME": home, "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"])
                == .keys(AWSCredentials(accessKeyID: "AKIAENV", secretAccessKey: "s", sessionToken: "t"), from: "the environment (AWS_ACCESS_KEY_ID)"))
        #expect(try find(["HOME": home]) == .keys(AWSCredentials(accessKeyID: "AKIADEFAULT", secretAccessKey: "secret-default"),
                                                  from: "\(home)/.aws/credentials [default]"))
        #expect(try find(["HOME": home, "AWS_PROFILE": "ops"]) == .keys(
            AWSCredentials(accessKeyID: "AKIAOPS", secretAccessKey: "secret-ops", sessionToken: "token-ops"), from: "\(home)/.aws/credentials [ops]"))
        #expect(try find(["HOME": home, "AWS_PROFILE": "audit"]) == .keys(
            AWSCredentials(accessKeyID: "AKIAAUDIT", secretAccessKey: "secret-audit"), from: "\(home)/.aws/config [profile audit]"))
        let irsa = ["HOME": directory.path("nowhere"), "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
                    "AWS_ROLE_ARN": "arn:aws:iam::111122223333:role/keywatch"]
        #expect(try find(irsa) == .webIdentity(tokenFile: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
                                              roleARN: "arn:aws:iam::111122223333:role/keywatch", sessionName: "keywatch"))
        #expect(try find(irsa.merging(["AWS_SHARED_CREDENTIALS_FILE": directory.path(".aws/credentials")]) { $1 })
                == .keys(AWSCredentials(accessKeyID: "AKIADEFAULT", secretAccessKey: "secret-default"),
                         from: "\(directory.path(".aws/credentials")) [default]"), "shared files before a web identity, as the SDKs")
    }

    @Test("what is missing or malformed is said with the file and line, and a secret is never printed")
    func problems() throws {
        func problem(_ environment: [String: String]) -> String {
            do {
                let source = try find(environment)
                return "found \(source)"
            } catch {
                return "\(error)"
            }
        }
        #expect(problem(["HOME": directory.path("none")]).contains("no AWS credentials"))
        #expect(problem(["AWS_ACCESS_KEY_ID": "AKIA"]).contains("AWS_SECRET_ACCESS_KEY is not"))
        #expect(problem(["HOME": directory.path("none"), "AWS_WEB_IDENTITY_TOKEN_FILE": "/t"]).contains("AWS_ROLE_ARN is not"))
        try directory.write("bad/credentials", "[default]\naws_access_key_id = AKIA\nthis line has no equals\n")
        #expect(problem(["AWS_SHARED_CREDENTIALS_FILE": directory.path("bad/credentials")]).contains("bad/credentials:3: expected key = value"))
        try directory.write("half/credentials", "[default]\naws_access_key_id = AKIA\n")
        #expect(problem(["AWS_SHARED_CREDENTIALS_FILE": directory.path("half/credentials")]).contains("no aws_secret_access_key"))
        #expect("\(AWSCredentials(accessKeyID: "AKIA", secretAccessKey: "very-secret"))" == "AWS access key AKIA")
    }
}
