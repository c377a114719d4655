import Foundation
import KeywatchIngest

/// The S3 prefixes `keywatch ingest s3://…` reads: a client with the credentials, region and
/// endpoint the environment and options give, and the objects under each prefix.
enum S3Listing {
    /// Every object under `locations`, in order, as backfill sources.
    static func sources(under locations: [S3Location], region: String?, endpoint: String?) throws -> [BackfillSource] {
        let environment = ProcessInfo.processInfo.environment
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let credentials: AWSCredentials
        switch try AWSCredentialSource.find(environment: environment, readFile: { path in
            FileManager.default.fileExists(atPath: path) ? try String(contentsOfFile: path, encoding: .utf8) : nil
        }) {
        case .keys(let keys, _):
            credentials = keys
        case .webIdentity:
            throw AWSCredentialsError("web-identity credentials (AWS_WEB_IDENTITY_TOKEN_FILE) are not read by ingest yet: "
                + "give keys in the environment or a profile")
        }
        let client = S3Client(region: region ?? value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1",
                              endpoint: endpoint ?? value("AWS_ENDPOINT_URL_S3") ?? value("AWS_ENDPOINT_URL"),
                              credentials: credentials)
        return try locations.flatMap { location in try client.sources(under: location) }
    }
}
