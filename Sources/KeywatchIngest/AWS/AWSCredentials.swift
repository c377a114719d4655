import Foundation

/// An AWS access key, to sign requests with (SigV4): from the environment, the shared files, or
/// exchanged for a web-identity token.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Present for temporary credentials (a role session), sent as `X-Amz-Security-Token`.
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The key id only: a secret is never printed.
    public var description: String { "AWS access key \(accessKeyID)" }
}

/// Where keywatch's AWS credentials come from, found in the order the AWS SDKs look — never the
/// command line, where other users of the machine could read them:
///
/// 1. `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (with `AWS_SESSION_TOKEN` for temporary
///    ones) in the environment;
/// 2. the profile `AWS_PROFILE` (else `default`) of the shared credentials file
///    (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`), then of the config file
///    (`AWS_CONFIG_FILE`, else `~/.aws/config`, where it is `[profile name]`);
/// 3. `AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN` (and `AWS_ROLE_SESSION_NAME`): a
///    Kubernetes service account's token, exchanged with STS for a role session — IRSA, the way
///    keywatch runs in EKS.
public enum AWSCredentialSource: Sendable, Equatable {
    /// Keys given as they are, and where they were found (for messages).
    case keys(AWSCredentials, from: String)
    /// A token to exchange with STS `AssumeRoleWithWebIdentity` for a session of `roleARN`.
    case webIdentity(tokenFile: String, roleARN: String, sessionName: String)

    /// The first source the environment and the shared files give.
    /// - Parameters:
    ///   - environment: the process's environment.
    ///   - readFile: a file's text, nil when it does not exist (the shared files are optional).
    public static func find(environment: [String: String], readFile: (String) throws -> String?) throws -> AWSCredentialSource {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let id = value("AWS_ACCESS_KEY_ID") {
            guard let secret = value("AWS_SECRET_ACCESS_KEY") else {
                throw AWSCredentialsError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
            }
            return .keys(AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN")),
                         from: "the environment (AWS_ACCESS_KEY_ID)")
        }
        let home = value("HOME") ?? ""
        let profile = value("AWS_PROFILE") ?? value("AWS_DEFAULT_PROFILE") ?? "default"
        let files = [
            (value("AWS_SHARED_CREDENTIALS_FILE") ?? home + "/.aws/credentials", profile),
            (value("AWS_CONFIG_FILE") ?? home + "/.aws/config", profile == "default" ? "default" : "profile " + profile),
        ]
        for (path, section) in files {
            guard let text = try readFile(path) else { continue }
            let sections = try SharedConfigurationFile.sections(text, file: path)
            guard let keys = sections[section], let id = keys["aws_access_key_id"] else { continue }
            guard let secret = keys["aws_secret_access_key"] else {
                throw AWSCredentialsError("\(path): [\(section)] has aws_access_key_id but no aws_secret_access_key")
            }
            return .keys(AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: keys["aws_session_token"]),
                         from: "\(path) [\(section)]")
        }
        if let token = value("AWS_WEB_IDENTITY_TOKEN_FILE") {
            guard let role = value("AWS_ROLE_ARN") else { throw AWSCredentialsError("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not") }
            return .webIdentity(tokenFile: token, roleARN: role, sessionName: value("AWS_ROLE_SESSION_NAME") ?? "keywatch")
        }
        let named = environment["AWS_PROFILE"] != nil ? "profile '\(profile)'" : "the default profile"
        throw AWSCredentialsError("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, give \(named) keys in "
            + "~/.aws/credentials (AWS_PROFILE picks another), or set AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (IRSA)")
    }
}

extension AWSCredentialSource {
    /// The first source this process's environment and the shared files give.
    public static func ofThisProcess() throws -> AWSCredentialSource {
        try find(environment: ProcessInfo.processInfo.environment) { path in
            FileManager.default.fileExists(atPath: path) ? try String(contentsOfFile: path, encoding: .utf8) : nil
        }
    }
}

/// Why no credentials could be found or read.
public struct AWSCredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
