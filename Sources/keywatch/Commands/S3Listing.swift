import Foundation
import KeywatchIngest

/// The S3 prefixes `keywatch ingest s3://…` reads: a client with the credentials, region and
/// endpoint the environment and options give, and the objects under each prefix.
enum S3Listing {
    /// Every object under `locations`, in order, as backfill sources.
    static func sources(under locations: [S3Location], region: String?, endpoint: String?) throws -> [BackfillSource] {
        let environment = ProcessInfo.processInfo.environment
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let region = region ?? value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1"
        let endpoint = endpoint ?? value("AWS_ENDPOINT_URL_S3") ?? value("AWS_ENDPOINT_URL")
        let credentials = try AWSCredentialProvider(source: try .ofThisProcess(), region: region,
                                                    stsEndpoint: value("AWS_ENDPOINT_URL_STS") ?? endpoint).current()
        let client = S3Client(region: region, endpoint: endpoint, credentials: credentials)
        return try locations.flatMap { location in try client.sources(under: location) }
    }
}
