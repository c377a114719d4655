import Foundation
import KeywatchCore
import KeywatchCurl

/// Gives the cloud inputs credentials that are valid now: keys as they were found, or a role
/// session exchanged for a web-identity token (IRSA) with STS `AssumeRoleWithWebIdentity`,
/// exchanged again — with the token file read again, as Kubernetes rotates it — five minutes
/// before it expires. Shared by the inputs of one daemon; safe from any thread.
public final class AWSCredentialProvider: @unchecked Sendable {
    private let source: AWSCredentialSource
    private let region: String
    private let stsEndpoint: String?
    private let lock = NSLock()
    private var session: (credentials: AWSCredentials, expires: Timestamp)?

    /// - Parameters:
    ///   - region: where STS is called (`https://sts.<region>.amazonaws.com`).
    ///   - stsEndpoint: an STS-compatible endpoint instead (the input's `endpoint`).
    public init(source: AWSCredentialSource, region: String, stsEndpoint: String? = nil) {
        self.source = source
        self.region = region
        self.stsEndpoint = stsEndpoint
    }

    /// Credentials to sign a request with now.
    public func current() throws(AWSCredentialsError) -> AWSCredentials {
        switch source {
        case .keys(let credentials, _):
            return credentials
        case .webIdentity(let tokenFile, let roleARN, let sessionName):
            lock.lock()
            defer { lock.unlock() }
            if let session, Timestamp.now + .minutes(5) < session.expires { return session.credentials }
            do {
                let fresh = try WebIdentityExchange(region: region, endpoint: stsEndpoint)
                    .assumeRole(roleARN, sessionName: sessionName, tokenFile: tokenFile)
                session = fresh
                return fresh.credentials
            } catch {
                // Renewed early: a session not yet expired serves while STS cannot be reached.
                guard let session, Timestamp.now < session.expires else { throw error }
                return session.credentials
            }
        }
    }
}

/// STS `AssumeRoleWithWebIdentity`: a Kubernetes service account's token, read from its file,
/// exchanged for a session of the role the service account is annotated with. The call is not
/// signed: the token is the proof.
struct WebIdentityExchange {
    var region: String
    var endpoint: String?

    func assumeRole(_ roleARN: String, sessionName: String, tokenFile: String)
        throws(AWSCredentialsError) -> (credentials: AWSCredentials, expires: Timestamp)
    {
        let token: String
        do {
            token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw AWSCredentialsError("cannot read the web identity token \(tokenFile) (AWS_WEB_IDENTITY_TOKEN_FILE): \(error.localizedDescription)")
        }
        let form = [("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", roleARN),
                    ("RoleSessionName", sessionName), ("WebIdentityToken", token)]
            .map { "\($0)=\(S3Client.encoded($1))" }.joined(separator: "&")
        let url = endpoint.map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? "https://sts.\(region).amazonaws.com/"
        let request = CurlRequest(url: url, protocols: .web, method: "POST", timeout: 30,
                                  headers: ["Content-Type: application/x-www-form-urlencoded"], body: Array(form.utf8),
                                  keptBodyBytes: 64 << 10)
        let response: CurlResponse
        do {
            response = try Curl.perform(request)
        } catch {
            throw AWSCredentialsError("AssumeRoleWithWebIdentity at \(url): \(error.detail)")
        }
        guard response.status == 200 else {
            let code = S3ListPage.firstValue(of: "Code", in: response.body) ?? ""
            let message = S3ListPage.firstValue(of: "Message", in: response.body) ?? ""
            throw AWSCredentialsError("AssumeRoleWithWebIdentity for \(roleARN) refused: HTTP \(response.status) \(code) \(message)"
                .trimmingCharacters(in: .whitespaces))
        }
        guard let id = S3ListPage.firstValue(of: "AccessKeyId", in: response.body),
              let secret = S3ListPage.firstValue(of: "SecretAccessKey", in: response.body),
              let sessionToken = S3ListPage.firstValue(of: "SessionToken", in: response.body) else {
            throw AWSCredentialsError("AssumeRoleWithWebIdentity at \(url) answered no credentials")
        }
        let expires = S3ListPage.firstValue(of: "Expiration", in: response.body).flatMap(Timestamp.init(parsing:))
            ?? Timestamp.now + .minutes(15)
        return (AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: sessionToken), expires)
    }
}
