#!/usr/bin/env python3
"""Writes the fixture events of the default rules that read what a change does and who calls from
where — grants, key policies, decoys, networks (rules/tests/), deterministically. Records are
shaped like CloudTrail's and Key Vault's own (see sample-logs/ and Tests/Fixtures/external-samples/)."""
import json, os, uuid
from datetime import datetime, timedelta, timezone

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "rules", "tests")
OURS = "111122223333"
OTHER = "444455556666"
KEY = f"arn:aws:kms:us-east-1:{OURS}:key/6513270e-269e-4d37-b2a7-4de452e6b438"
DECOY_KEY = f"arn:aws:kms:us-east-1:{OURS}:key/0000dec0-7e57-4bad-8bad-00000000dec0"
counter = 0


def stamp(time):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ")


def role_identity(role, account=OURS):
    return {
        "type": "AssumedRole", "principalId": f"AROAEXAMPLE:{role}-session", "accountId": account,
        "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{role}-session",
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{account}:role/{role}", "userName": role}},
    }


def kms(time, name, role="platform-admin", parameters=None, response=None, key=KEY, ip="198.51.100.23",
        error=None, invoked_by=None, account=OURS):
    global counter
    counter += 1
    identity = role_identity(role, account)
    if invoked_by:
        identity["invokedBy"] = invoked_by
    record = {
        "eventVersion": "1.09", "userIdentity": identity,
        "eventTime": stamp(time), "eventSource": "kms.amazonaws.com", "eventName": name,
        "awsRegion": "us-east-1", "sourceIPAddress": invoked_by or ip,
        "userAgent": invoked_by or "aws-cli/2.17.20 Python/3.11.9 Linux/6.1 exe/x86_64",
        "requestParameters": parameters if parameters is not None else {"keyId": key},
        "responseElements": response,
        "requestID": str(uuid.UUID(int=counter * 7919 + 1)), "eventID": str(uuid.UUID(int=counter + 50_000)),
        "readOnly": False,
        "resources": [{"accountId": OURS, "type": "AWS::KMS::Key", "ARN": key}],
        "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": OURS, "eventCategory": "Management",
    }
    if error:
        record["errorCode"], record["errorMessage"] = error
    return json.dumps(record, separators=(",", ":"))


def grant(time, grantee, role="platform-admin", invoked_by=None):
    return kms(time, "CreateGrant", role, {"keyId": KEY, "granteePrincipal": grantee, "operations": ["Decrypt", "GenerateDataKey"]},
               {"grantId": "0c237476b39f8bc44e45212e08498fbe3151305030726c0590dd8d3e9f3d6a60", "keyId": KEY},
               invoked_by=invoked_by)


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Id": "key-default-1", "Statement": list(statements)}, indent=4)


ROOT_STATEMENT = {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                  "Principal": {"AWS": f"arn:aws:iam::{OURS}:root"}, "Action": "kms:*", "Resource": "*"}


def use(role, account=OURS):
    return {"Sid": f"Allow use by {role}", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:role/{role}"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"}


def put_policy(time, document, key=KEY):
    return kms(time, "PutKeyPolicy", "platform-admin",
               {"keyId": key, "policyName": "default", "policy": document, "bypassPolicyLockoutSafetyCheck": False}, None, key)


def create_key(time, document, key):
    parameters = {"keyUsage": "ENCRYPT_DECRYPT", "keySpec": "SYMMETRIC_DEFAULT", "origin": "AWS_KMS",
                  "multiRegion": False, "bypassPolicyLockoutSafetyCheck": False, "description": "orders data key"}
    if document:
        parameters["policy"] = document
    response = {"keyMetadata": {"AWSAccountId": OURS, "keyId": key.split("/")[-1], "arn": key, "keyState": "Enabled",
                                "keyUsage": "ENCRYPT_DECRYPT", "keySpec": "SYMMETRIC_DEFAULT", "origin": "AWS_KMS"}}
    return kms(time, "CreateKey", "platform-admin", parameters, response, key)


def key_vault(time, operation, object_url, status=200, oid="8d116ece-1738-47d9-bd9c-172411e20b8f", ip="10.20.30.40"):
    global counter
    counter += 1
    vault = object_url.split("//")[1].split(".")[0]
    return json.dumps({
        "time": time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z"), "category": "AuditEvent", "operationName": operation,
        "resourceId": f"/SUBSCRIPTIONS/6F2A9C1B-3D4E-4F50-8A61-7B8C9D0E1F2A/RESOURCEGROUPS/RG-PLATFORM/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{vault.upper()}",
        "operationVersion": "7.4", "resultType": "Success", "resultSignature": "OK" if status == 200 else "Forbidden",
        "resultDescription": "" if status == 200 else "Caller is not authorized to perform action on resource.",
        "durationMs": "11", "callerIpAddress": ip, "correlationId": str(uuid.UUID(int=counter * 104729)),
        "identity": {"claim": {"oid": oid, "appid": "a1b2c3d4-0000-4000-8000-000000000001",
                               "http://schemas.microsoft.com/identity/claims/tenantid": "72f988bf-86f1-41af-91ab-2d7cd011db47"}},
        "properties": {"id": object_url, "clientInfo": "azsdk-net-Security.KeyVault.Secrets/4.6.0",
                       "requestUri": f"{object_url}?api-version=7.4", "httpStatusCode": status, "tlsVersion": "TLS1_2",
                       "isRbacAuthorized": status == 200},
    }, separators=(",", ":"))


def write(name, lines):
    with open(os.path.join(ROOT, name), "w") as f:
        f.write("\n".join(lines) + "\n")


start = datetime(2026, 11, 20, 9, 0, 0, tzinfo=timezone.utc)
minute = timedelta(minutes=1)

# Grants: one to our own role, one by EBS for itself, one to another account's role.
write("grants.jsonl", [
    grant(start, f"arn:aws:iam::{OURS}:role/payments-irsa"),
    grant(start + minute, f"arn:aws:iam::{OURS}:role/aws-service-role/ebs.amazonaws.com/AWSServiceRoleForEBS",
          invoked_by="ebs.amazonaws.com"),
    grant(start + 2 * minute, f"arn:aws:iam::{OTHER}:role/vendor-sync"),
])

# Aliases and tags: an alias pointed at another key and a tag on a key (one alert each), a tag AWS
# Backup writes for itself and an alias update that was denied (quiet).
write("aliases-tags.jsonl", [
    kms(start, "UpdateAlias", "platform-admin", {"aliasName": "alias/payments/data", "targetKeyId": DECOY_KEY}),
    kms(start + minute, "TagResource", "platform-admin", {"keyId": KEY, "tags": [{"tagKey": "owner", "tagValue": "nobody"}]}),
    kms(start + 2 * minute, "TagResource", "platform-admin", {"keyId": KEY, "tags": [{"tagKey": "aws:backup", "tagValue": "1"}]},
        invoked_by="backup.amazonaws.com"),
    kms(start + 3 * minute, "UpdateAlias", "checkout-irsa", {"aliasName": "alias/payments/data", "targetKeyId": KEY},
        error=("AccessDeniedException", "User is not authorized to perform: kms:UpdateAlias")),
])

# Key policies, in order on one key: a routine edit (a role added), one letting in another account,
# one opened to everyone; then a new key created with an open policy and one created without any.
routine = policy(ROOT_STATEMENT, use("payments-irsa"))
edited = policy(ROOT_STATEMENT, use("payments-irsa"), use("checkout-irsa"))
foreign = policy(ROOT_STATEMENT, use("payments-irsa"), use("checkout-irsa"), use("vendor-sync", OTHER))
everyone = policy(ROOT_STATEMENT, {"Sid": "Open", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"})
organisation = policy(ROOT_STATEMENT, {"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
                                       "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}})
new_key = f"arn:aws:kms:us-east-1:{OURS}:key/9a8b7c6d-0000-4000-8000-00000000abcd"
plain_key = f"arn:aws:kms:us-east-1:{OURS}:key/9a8b7c6d-0000-4000-8000-00000000ef01"
write("key-policies.jsonl", [
    put_policy(start, routine),
    put_policy(start + minute, edited),
    put_policy(start + 2 * minute, foreign),
    put_policy(start + 3 * minute, everyone),
    put_policy(start + 4 * minute, organisation),
    create_key(start + 5 * minute, everyone, new_key),
    create_key(start + 6 * minute, None, plain_key),
])

# Decoys: a read of the bait secret, a denied try on it, a Decrypt with the bait key; and reads of
# real secrets and keys, which stay quiet.
bait = "https://kv-platform.vault.azure.net/secrets/legacy-root-password"
write("decoys.jsonl", [
    key_vault(start, "SecretGet", "https://kv-platform.vault.azure.net/secrets/shared-redis-password"),
    key_vault(start + minute, "SecretGet", bait, oid="0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
    key_vault(start + 2 * minute, "SecretGet", bait, status=403, oid="3c9d2e1f-0a1b-4c2d-9e3f-4a5b6c7d8e9f"),
    kms(start + 3 * minute, "Decrypt", "payments-irsa", key=KEY),
    kms(start + 4 * minute, "Decrypt", "batch-export", key=DECOY_KEY),
])

# Networks: a role calling from 10.0.0.0/24 for eight days (learning for seven), then from another
# address of the same /24 (quiet), from an AWS service (no address: quiet), from a new network, from
# another address of it (quiet), and from a third network within the hour (joins the alert).
calls = [kms(start + timedelta(hours=6 * i), "Decrypt", "payments-irsa", ip=f"10.0.0.{1 + i % 5}") for i in range(33)]
later = start + timedelta(days=8, hours=1)
calls += [
    kms(later, "Decrypt", "payments-irsa", ip="10.0.0.200"),
    kms(later + minute, "Decrypt", "payments-irsa", invoked_by="secretsmanager.amazonaws.com"),
    kms(later + 2 * minute, "Decrypt", "payments-irsa", ip="203.0.113.9"),
    kms(later + 3 * minute, "Decrypt", "payments-irsa", ip="203.0.113.10"),
    kms(later + 4 * minute, "Decrypt", "payments-irsa", ip="192.0.2.44"),
]
write("networks.jsonl", calls)
