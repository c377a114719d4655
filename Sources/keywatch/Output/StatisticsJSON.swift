import KeywatchCore
import KeywatchStore

/// `keywatch stats --format json`: one JSON object on one line, its keys always present.
///
///     {"since": RFC 3339 or null, "until": RFC 3339 or null, "total": 111, "denied": 15,
///      "by_source": {"azure.keyvault": 66, "aws.kms": 43, "aws.sts": 2, "aws.eks-auth": 0},
///      "by_outcome": {…every outcome…}, "by_class": {…every class…},
///      "by_hour": [{"hour": "2026-11-20T09:00:00Z", "count": 108}, …],        oldest first, hours with events
///      "top_principals": [{"principal": "…", "principal_name": "…" or null, "count": 29}, …],
///      "top_denied_resources": [{"resource": "…", "object_name": "…" or null, "count": 6}, …],
///      "top_denial_reasons": [{"reason": "rbac", "error_code": "…" or null, "count": 6}, …]}
///
/// Every source, outcome and class is a key of its object, with 0 when none was seen, so a
/// script can read `.by_outcome.denied` without testing for it.
extension EventStatistics {
    var json: String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("since", since?.rfc3339)
        writer.field("until", until?.rfc3339)
        writer.field("total", total)
        writer.field("denied", denied)
        for (name, counts) in [("by_source", bySource), ("by_outcome", byOutcome), ("by_class", byClass)] {
            writer.key(name)
            writer.beginObject()
            for count in counts { writer.field(count.value, count.count) }
            writer.endObject()
        }
        writer.key("by_hour")
        writer.beginArray()
        for hour in byHour {
            writer.beginObject()
            writer.field("hour", Self.hourText(hour.hour))
            writer.field("count", hour.count)
            writer.endObject()
        }
        writer.endArray()
        let ranked = [("top_principals", "principal", "principal_name", topPrincipals),
                      ("top_denied_resources", "resource", "object_name", topDeniedResources),
                      ("top_denial_reasons", "reason", "error_code", topDenialReasons)]
        for (name, valueKey, labelKey, counts) in ranked {
            writer.key(name)
            writer.beginArray()
            for count in counts {
                writer.beginObject()
                writer.field(valueKey, count.value)
                writer.field(labelKey, count.label)
                writer.field("count", count.count)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.endObject()
        return writer.string
    }

    /// An hour's first instant, to the second: `2026-11-20T09:00:00Z`.
    static func hourText(_ hour: Timestamp) -> String {
        String(hour.rfc3339.prefix(19)) + "Z"
    }
}
