#!/usr/bin/env python3
"""Writes the fixture events of the default rules' tests (rules/tests/), deterministically."""
import json, os, uuid
from datetime import datetime, timedelta, timezone

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "rules", "tests")
ACCOUNT = "111122223333"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/6513270e-269e-4d37-b2a7-4de452e6b438"
counter = 0


def kms(time, role, name="Decrypt", denied=False):
    global counter
    counter += 1
    record = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole", "principalId": f"AROAEXAMPLE:{role}-session", "accountId": ACCOUNT,
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{role}-session",
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}", "userName": role}},
        },
        "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventSource": "kms.amazonaws.com", "eventName": name,
        "awsRegion": "us-east-1", "sourceIPAddress": "10.0.0.1", "userAgent": "aws-sdk-go-v2/1.32.4",
        "requestParameters": {"keyId": KEY}, "responseElements": None,
        "requestID": str(uuid.UUID(int=counter * 7919)), "eventID": str(uuid.UUID(int=counter)),
        "resources": [{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": KEY}],
        "eventType": "AwsApiCall", "recipientAccountId": ACCOUNT,
    }
    if denied:
        record["errorCode"] = "AccessDenied"
        record["errorMessage"] = f"User is not authorized to perform: kms:{name} because no identity-based policy allows it"
    return json.dumps(record, separators=(",", ":"))


def write(name, lines):
    with open(os.path.join(ROOT, name), "w") as f:
        f.write("\n".join(lines) + "\n")


start = datetime(2026, 11, 20, 9, 0, 0, tzinfo=timezone.utc)
# Four denials in one window (below the threshold), then five in the next.
write("denied-burst.jsonl",
      [kms(start + timedelta(seconds=60 * i), "checkout-irsa", denied=True) for i in range(4)]
      + [kms(start + timedelta(minutes=10, seconds=30 * i), "checkout-irsa", denied=True) for i in range(5)]
      + [kms(start + timedelta(minutes=11), "payments-irsa")])

# A day of one Decrypt per ten minutes, then fifty in one window.
day = datetime(2026, 11, 19, 9, 0, 0, tzinfo=timezone.utc)
write("crypto-spike.jsonl",
      [kms(day + timedelta(minutes=10 * i), "payments-irsa") for i in range(144)]
      + [kms(day + timedelta(hours=24, seconds=10 * i), "payments-irsa") for i in range(50)])


# ---------------------------------------------------------------------------------------------
# The fixtures below are shaped like the real records of Tests/Fixtures/external-samples
# (AWS's CloudTrail examples for KMS, Azure's AuditEvent samples) and sample-logs/. Each rule's
# firing fixture and its quiet one (`expect: []`) are separate files, so a quiet case can never
# hide behind an alert another event raised.

OTHER_ACCOUNT = "444455556666"
SUBSCRIPTION = "6F2A9C1B-3D4E-4F50-8A61-7B8C9D0E1F2A"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
PAYMENTS_MI, PAYMENTS_APP = "8d116ece-1738-47d9-bd9c-172411e20b8f", "5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
CHECKOUT_MI, CHECKOUT_APP = "3c9d2e1f-0a1b-4c2d-9e3f-4a5b6c7d8e9f", "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
ADMIN_OID, ADMIN_UPN = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "ops-admin@contoso.example"
ANALYST_OID, ANALYST_UPN = "2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d", "analyst@contoso.example"
AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
CHECKOUT_KEY = "0d7c1a3b-5e2f-4a6d-9b8c-7e1f2a3b4c5d"
RETIRED_KEY = "9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b"
IMPORTED_KEY = "7c1e5a2b-9d3f-4e8a-b6c0-2f4d8e1a3b5c"
MULTI_REGION_KEY = "mrk-1234abcd12ab34cd56ef1234567890ab"
serial = [0]


def next_id():
    serial[0] += 1
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"keywatch-rule-fixture-{serial[0]}"))


def key_arn(key_id, account=ACCOUNT, region="us-east-1"):
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def assumed_role(role, account=ACCOUNT):
    return {"type": "AssumedRole", "principalId": f"AROAEXAMPLE{role.upper().replace('-', '')[:9]}:{role}-session",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{role}-session", "accountId": account,
            "accessKeyId": "ASIAEXAMPLE" + role.upper().replace("-", "")[:9],
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": f"AROAEXAMPLE{role.upper().replace('-', '')[:9]}",
                                                 "arn": f"arn:aws:iam::{account}:role/{role}", "accountId": account, "userName": role},
                               "attributes": {"creationDate": "2026-11-20T08:00:00Z", "mfaAuthenticated": "false"}}}


def iam_user(name, account=ACCOUNT):
    return {"type": "IAMUser", "principalId": "AIDAEXAMPLE" + name.upper().replace("-", "")[:9],
            "arn": f"arn:aws:iam::{account}:user/{name}", "accountId": account, "accessKeyId": "AKIAEXAMPLE" + name.upper()[:5],
            "userName": name}


# AWS acting by itself: KMS deleting a key at the end of its waiting period, rotating one.
AWS_INTERNAL = {"accountId": ACCOUNT, "invokedBy": "AWS Internal"}
ADMIN = iam_user("ops-admin")


def ct(time, identity, name, key_id=None, params=None, error=None, event_type="AwsApiCall",
       region="us-east-1", account=ACCOUNT, response=None, resources=True):
    """A CloudTrail record of a KMS call, as AWS's examples show them."""
    arn = key_arn(key_id or "6513270e-269e-4d37-b2a7-4de452e6b438", account, region)
    record = {
        "eventVersion": "1.09", "userIdentity": identity, "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "kms.amazonaws.com", "eventName": name, "awsRegion": region,
        "sourceIPAddress": "AWS Internal" if identity.get("invokedBy") else "10.0.12.34",
        "userAgent": "AWS Internal" if identity.get("invokedBy") else "aws-sdk-go-v2/1.32.4 api/kms#1.37.6",
        "requestParameters": params if params is not None else {"keyId": arn},
        "responseElements": response, "requestID": next_id(), "eventID": next_id(),
        "readOnly": name in ("Decrypt", "Encrypt", "GenerateDataKey", "GetParametersForImport"),
        "eventType": event_type, "managementEvent": True, "recipientAccountId": account, "eventCategory": "Management",
    }
    if resources:
        record["resources"] = [{"accountId": account, "type": "AWS::KMS::Key", "ARN": arn}]
    if error:
        record["errorCode"], record["errorMessage"] = error
    return record


def mi(oid, app):
    return {"claim": {"oid": oid, "appid": app, "idtyp": "app", "http://schemas.microsoft.com/identity/claims/tenantid": TENANT,
                      "xms_mirid": f"/subscriptions/{SUBSCRIPTION.lower()}/resourcegroups/rg-aks/providers/"
                                   f"Microsoft.ManagedIdentity/userAssignedIdentities/id-{oid[:8]}"}}


def person(oid, upn):
    return {"claim": {"oid": oid, "appid": AZURE_CLI, "scp": "user_impersonation", "appidacr": "0", "upn": upn,
                      "unique_name": upn, "ipaddr": "198.51.100.23", "amr": "pwd",
                      "http://schemas.microsoft.com/identity/claims/tenantid": TENANT}}


def kv(time, operation, identity, path, status=200, vault="kv-payments-prod", group="RG-PAYMENTS", description="", extra=None):
    """A Key Vault AuditEvent record, as the diagnostic setting writes it (JSON Lines)."""
    signature = {200: "OK", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}[status]
    properties = {"id": f"https://{vault}.vault.azure.net/{path}" if path else "",
                  "requestUri": f"https://{vault}.vault.azure.net/{path}?api-version=7.4" if path else "",
                  "clientInfo": "azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.10; Ubuntu 22.04.5 LTS)",
                  "tlsVersion": "TLS1_3", "isRbacAuthorized": status != 403}
    properties.update(extra or {})
    properties["httpStatusCode"] = status
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S.") + f"{(time.minute * 7919 + time.second * 104729) % 10_000_000:07d}Z",
        "category": "AuditEvent", "operationName": operation,
        "resourceId": f"/SUBSCRIPTIONS/{SUBSCRIPTION}/RESOURCEGROUPS/{group}/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{vault.upper()}",
        "operationVersion": "7.4", "resultType": "Success", "resultSignature": signature, "resultDescription": description,
        "durationMs": str(3 + (time.minute + time.second) % 40), "callerIpAddress": "10.240.0.17",
        "correlationId": next_id(), "identity": identity, "properties": properties,
    }


RBAC_DENIAL = ("Caller is not authorized to perform action on resource.\r\n"
               "Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nAssignment: (not found)\r\n")
ACCESS_DENIED = ("AccessDenied", "User is not authorized to perform: kms:{} because no identity-based policy allows the kms:{} action")


def denied(name):
    return (ACCESS_DENIED[0], ACCESS_DENIED[1].format(name, name))


def at(base, minutes=0, seconds=0, days=0, hours=0):
    return base + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def write_records(name, records):
    records = sorted(records, key=lambda r: r.get("eventTime") or r.get("time"))
    write(name, [json.dumps(r, separators=(",", ":")) for r in records])


T = datetime(2026, 11, 20, 9, 0, 0, tzinfo=timezone.utc)
admin_key = lambda key_id: {"keyId": key_arn(key_id)}

# destruction.yaml ------------------------------------------------------------------------------
write_records("kms-key-destruction.jsonl", [
    ct(at(T, 0), ADMIN, "DisableKey", RETIRED_KEY),
    ct(at(T, 1), ADMIN, "ScheduleKeyDeletion", RETIRED_KEY,
       params={"keyId": key_arn(RETIRED_KEY), "pendingWindowInDays": 7},
       response={"keyId": key_arn(RETIRED_KEY), "deletionDate": "Nov 27, 2026, 9:01:00 AM", "keyState": "PendingDeletion",
                 "pendingWindowInDays": 7}),
    ct(at(T, 2), ADMIN, "DeleteImportedKeyMaterial", IMPORTED_KEY),
])
write_records("kms-key-destruction-quiet.jsonl", [
    # KMS deleting the key when its waiting period ends: the consequence of an alerted act.
    ct(at(T, 0), AWS_INTERNAL, "DeleteKey", RETIRED_KEY, params=None, event_type="AwsServiceEvent"),
    # Panther's "KMS Disable Key Error": a DisableKey that failed destroyed nothing.
    ct(at(T, 1), ADMIN, "DisableKey", RETIRED_KEY, error=("NotFoundException", "Key 'arn:aws:kms:us-east-1:111122223333:key/9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b' does not exist")),
    # A denied attempt is the denial rules' to see.
    ct(at(T, 2), assumed_role("checkout-irsa"), "ScheduleKeyDeletion", "6513270e-269e-4d37-b2a7-4de452e6b438",
       error=denied("ScheduleKeyDeletion")),
    ct(at(T, 3), ADMIN, "CancelKeyDeletion", RETIRED_KEY),
    ct(at(T, 4), ADMIN, "EnableKey", RETIRED_KEY),
])
write_records("keyvault-destruction.jsonl", [
    kv(at(T, 0), "SecretDelete", person(ADMIN_OID, ADMIN_UPN), "secrets/legacy-token"),
    kv(at(T, 1), "SecretPurge", person(ADMIN_OID, ADMIN_UPN), "deletedsecrets/legacy-token"),
    kv(at(T, 2), "KeyDelete", person(ADMIN_OID, ADMIN_UPN), "keys/old-signing-key"),
    kv(at(T, 3), "CertificatePurge", person(ADMIN_OID, ADMIN_UPN), "deletedcertificates/old-tls"),
])
write_records("keyvault-destruction-quiet.jsonl", [
    kv(at(T, 0), "KeyPurge", person(ANALYST_OID, ANALYST_UPN), "deletedkeys/old-signing-key", status=403,
       extra={"isAccessPolicyMatch": False},
       description=f"The user, group or application 'oid={ANALYST_OID}' does not have keys purge permission on key vault 'kv-payments-prod'."),
    kv(at(T, 1), "SecretDelete", person(ADMIN_OID, ADMIN_UPN), "secrets/never-existed", status=404),
    kv(at(T, 2), "SecretRecover", person(ADMIN_OID, ADMIN_UPN), "deletedsecrets/legacy-token/recover"),
    kv(at(T, 3), "SecretGet", mi(PAYMENTS_MI, PAYMENTS_APP), "secrets/db-password"),
])

# denied.yaml -----------------------------------------------------------------------------------
write_records("denied-burst-keyvault.jsonl", [
    kv(at(T, 20, 10 + 40 * i), "SecretGet", mi(CHECKOUT_MI, CHECKOUT_APP), "secrets/db-password", status=403, description=RBAC_DENIAL)
    for i in range(6)
])
write_records("denied-quiet.jsonl",
    # Every SDK client's first request: the bearer-token challenge, not a denial.
    [kv(at(T, 0, 5 * i), "Authentication", {}, "secrets/db-password", status=401) for i in range(6)]
    # Missing secrets: failures, not denials.
    + [kv(at(T, 1, 5 * i), "SecretGet", mi(PAYMENTS_MI, PAYMENTS_APP), f"secrets/old-{i}", status=404) for i in range(6)]
    # A key that cannot be used: failed, not denied.
    + [ct(at(T, 2, 5 * i), assumed_role("batch-export"), "Decrypt", RETIRED_KEY,
          error=("KMSInvalidStateException", f"{key_arn(RETIRED_KEY)} is pending deletion.")) for i in range(6)])

# key-operations.yaml ---------------------------------------------------------------------------
# Four hours of a workload's decrypts, 30 a window ±30%, a job doubling them for ten minutes
# every hour; then a window at twice its mean: under `factor: 3`.
steady = []
for window in range(24):
    count = 60 if window % 6 == 3 else [30, 21, 39, 27, 33, 24][window % 6]
    steady += [ct(at(T, 10 * window, (600 // count) * i), assumed_role("payments-irsa"), "Decrypt") for i in range(count)]
steady += [ct(at(T, 240, 8 * i), assumed_role("payments-irsa"), "Decrypt") for i in range(70)]
write_records("crypto-spike-quiet.jsonl", steady)

payments_read = lambda t, name="db-password": kv(t, "SecretGet", mi(PAYMENTS_MI, PAYMENTS_APP), f"secrets/{name}")
write_records("read-spike.jsonl",
    [payments_read(at(T, 10 * i)) for i in range(18)]
    + [payments_read(at(T, 180, 9 * i), ["db-password", "api-key", "stripe-webhook-secret"][i % 3]) for i in range(60)])
write_records("read-spike-quiet.jsonl",
    [payments_read(at(T, 10 * i)) for i in range(18)]
    # A caller never seen before reading 60 secrets at once: no history to judge it against
    # (first-use and mass-secret-retrieval are the rules for it).
    + [kv(at(T, 180, 9 * i), "SecretGet", person(ANALYST_OID, ANALYST_UPN), f"secrets/tenant-{i % 10:02d}-connection")
       for i in range(60)])

analyst_read = lambda t, name: kv(t, "SecretGet", person(ANALYST_OID, ANALYST_UPN), f"secrets/{name}",
                                  extra={"clientInfo": "azure-cli/2.66.0"})
write_records("mass-secret-retrieval.jsonl", [analyst_read(at(T, 44, 14 * i), f"tenant-{i + 1:02d}-connection") for i in range(20)])
write_records("mass-secret-retrieval-quiet.jsonl",
    # 19 different secrets in one window: under the threshold.
    [analyst_read(at(T, 0, 15 * i), f"tenant-{i + 1:02d}-connection") for i in range(19)]
    # A workload reading its own three secrets sixty times.
    + [payments_read(at(T, 10, 9 * i), ["db-password", "api-key", "stripe-webhook-secret"][i % 3]) for i in range(60)]
    # 30 different secrets over five hours: never more than a few in a window.
    + [analyst_read(at(T, 60 + 10 * i), f"archive-{i + 1:02d}") for i in range(30)])

# cross-namespace.yaml --------------------------------------------------------------------------
write_records("cross-namespace.jsonl", [
    kv(at(T, 0), "SecretGet", mi(CHECKOUT_MI, CHECKOUT_APP), "secrets/db-password"),
    ct(at(T, 1), assumed_role("checkout-irsa"), "Decrypt", params={"keyId": key_arn("6513270e-269e-4d37-b2a7-4de452e6b438"),
                                                                     "encryptionAlgorithm": "SYMMETRIC_DEFAULT"},
       error=denied("Decrypt")),
])
write_records("cross-namespace-quiet.jsonl", [
    # Shared: everyone's.
    kv(at(T, 0), "SecretGet", mi(CHECKOUT_MI, CHECKOUT_APP), "secrets/shared-redis-password", vault="kv-platform", group="RG-PLATFORM"),
    # Its own.
    kv(at(T, 1), "SecretGet", mi(CHECKOUT_MI, CHECKOUT_APP), "secrets/session-key", vault="kv-checkout-prod", group="RG-CHECKOUT"),
    ct(at(T, 2), assumed_role("payments-irsa"), "Decrypt"),
    # A principal identities.yaml does not name belongs to no namespace.
    kv(at(T, 3), "SecretGet", person(ANALYST_OID, ANALYST_UPN), "secrets/db-password"),
    # A resource no namespace owns.
    kv(at(T, 4), "SecretGet", mi(CHECKOUT_MI, CHECKOUT_APP), "secrets/unowned", vault="kv-sandbox", group="RG-SANDBOX"),
])

# silence.yaml ----------------------------------------------------------------------------------
# Account 111122223333 sends every five minutes for two hours, then nothing; 444455556666 goes on.
other = lambda t: ct(t, assumed_role("reporting", OTHER_ACCOUNT), "Decrypt", "1a2b3c4d-0000-4000-8000-000000000001",
                     account=OTHER_ACCOUNT)
write_records("log-source-silent.jsonl",
    [ct(at(T, 5 * i), assumed_role("payments-irsa"), "Decrypt") for i in range(25)]
    + [other(at(T, 5 * i)) for i in range(72)])
write_records("log-source-silent-quiet.jsonl",
    # A sparse pipeline (three events) never goes silent.
    [ct(at(T, i), assumed_role("payments-irsa"), "Decrypt") for i in range(3)]
    # A steady one with a gap shorter than the window, then back.
    + [other(at(T, 5 * i)) for i in range(12)] + [other(at(T, 60 + 90 + 5 * i)) for i in range(30)])

# exfiltration.yaml -----------------------------------------------------------------------------
admin = person(ADMIN_OID, ADMIN_UPN)
write_records("keyvault-backup.jsonl",
    [kv(at(T, 0, 20 * i), "SecretBackup", admin, f"secrets/tenant-{i + 1:02d}-connection/backup") for i in range(5)]
    + [kv(at(T, 2), "KeyBackup", admin, "keys/etcd-kek/backup"),
       kv(at(T, 2, 30), "CertificateBackup", admin, "certificates/api-tls/backup")])
write_records("keyvault-backup-quiet.jsonl", [
    kv(at(T, 0), "SecretBackup", person(ANALYST_OID, ANALYST_UPN), "secrets/db-password/backup", status=403, description=RBAC_DENIAL),
    kv(at(T, 1), "SecretRestore", admin, "secrets/restore"),
    kv(at(T, 2), "SecretGet", admin, "secrets/db-password"),
])

# key-material.yaml -----------------------------------------------------------------------------
alice = iam_user("Alice")
write_records("kms-key-rotation-disabled.jsonl", [ct(at(T, 0), alice, "DisableKeyRotation", IMPORTED_KEY)])
write_records("kms-key-rotation-disabled-quiet.jsonl", [
    ct(at(T, 0), alice, "EnableKeyRotation", IMPORTED_KEY, params={"keyId": key_arn(IMPORTED_KEY), "rotationPeriodInDays": 365}),
    ct(at(T, 1), assumed_role("checkout-irsa"), "DisableKeyRotation", IMPORTED_KEY, error=denied("DisableKeyRotation")),
    ct(at(T, 2), AWS_INTERNAL, "RotateKey", IMPORTED_KEY, params=None, event_type="AwsServiceEvent"),
    # Key Vault's rotation policy: whether it still rotates is inside the policy, not in the log.
    kv(at(T, 3), "KeyRotationPolicySet", admin, "keys/etcd-kek/rotationpolicy"),
])
write_records("key-material-imported.jsonl", [
    ct(at(T, 0), alice, "ImportKeyMaterial", IMPORTED_KEY,
       params={"keyId": IMPORTED_KEY, "validTo": "Jan 1, 2027 8:00:00 PM", "expirationModel": "KEY_MATERIAL_EXPIRES"}),
    kv(at(T, 1), "KeyImport", admin, "keys/byok-signing-key", extra={"keyProperties": {"type": "RSA-HSM", "size": 3072}}),
])
write_records("key-material-imported-quiet.jsonl", [
    ct(at(T, 0), alice, "GetParametersForImport", IMPORTED_KEY,
       params={"keyId": IMPORTED_KEY, "wrappingAlgorithm": "RSAES_OAEP_SHA_256", "wrappingKeySpec": "RSA_4096"}),
    ct(at(T, 1), alice, "ImportKeyMaterial", IMPORTED_KEY, params={"keyId": IMPORTED_KEY},
       error=("ExpiredImportTokenException", "The import token has expired.")),
    ct(at(T, 2), AWS_INTERNAL, "DeleteExpiredKeyMaterial", IMPORTED_KEY, params=None, event_type="AwsServiceEvent"),
])


def replicate(t, region, account=ACCOUNT, error=None, identity=None):
    return ct(t, identity or iam_user("ops-admin", account), "ReplicateKey", MULTI_REGION_KEY, account=account,
              params={"keyId": key_arn(MULTI_REGION_KEY, account), "replicaRegion": region, "bypassPolicyLockoutSafetyCheck": False},
              response=None if error else {"replicaKeyMetadata": {"keyId": MULTI_REGION_KEY, "multiRegion": True,
                                                                  "arn": key_arn(MULTI_REGION_KEY, account, region)}},
              error=error)


def replica_created(t, region, account=ACCOUNT):
    """KMS creating the replica in its region, on the caller's behalf."""
    return ct(t, dict(iam_user("ops-admin", account), invokedBy="kms.amazonaws.com"), "CreateKey", MULTI_REGION_KEY,
              region=region, account=account, params={"multiRegion": True, "keyUsage": "ENCRYPT_DECRYPT"})


write_records("kms-key-replicated.jsonl", [
    replicate(at(T, 0), "us-west-2"), replica_created(at(T, 0, 1), "us-west-2"),
    # A second replication into a region the account already replicates to.
    replicate(at(T, 60), "us-west-2"),
    replicate(at(T, 61), "eu-west-1"),
    # The same region, another account: new for that account.
    replicate(at(T, 62), "us-west-2", account=OTHER_ACCOUNT),
])
write_records("kms-key-replicated-quiet.jsonl", [
    replicate(at(T, 0), "ap-southeast-2", error=("AlreadyExistsException", "A replica already exists in ap-southeast-2.")),
    replicate(at(T, 1), "sa-east-1", error=denied("ReplicateKey"), identity=assumed_role("checkout-irsa")),
    replica_created(at(T, 2), "eu-central-1"),
])


def primary_moved(t, region, account=ACCOUNT):
    """AWS's example: the call in the old primary's region, and KMS's in the new one."""
    return [ct(t, iam_user("Alice", account), "UpdatePrimaryRegion", MULTI_REGION_KEY, region="us-west-2", account=account,
               params={"keyId": MULTI_REGION_KEY, "primaryRegion": region}),
            ct(t, dict(iam_user("Alice", account), invokedBy="kms.amazonaws.com"), "UpdatePrimaryRegion", MULTI_REGION_KEY,
               region=region, account=account, params={"keyId": key_arn(MULTI_REGION_KEY, account, region), "primaryRegion": region},
               resources=False)]


write_records("kms-primary-region-moved.jsonl", primary_moved(at(T, 0), "ap-northeast-1") + primary_moved(at(T, 60), "ap-northeast-1"))
write_records("kms-primary-region-moved-quiet.jsonl", [
    ct(at(T, 0), iam_user("Alice"), "UpdatePrimaryRegion", MULTI_REGION_KEY, region="us-west-2",
       params={"keyId": MULTI_REGION_KEY, "primaryRegion": "eu-north-1"}, error=denied("UpdatePrimaryRegion")),
])

# denied.yaml: failed decrypts --------------------------------------------------------------------
FAILURES = [("InvalidCiphertextException", None), ("IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation."),
            ("DisabledException", f"{key_arn(RETIRED_KEY)} is disabled."), ("KMSInvalidStateException", f"{key_arn(RETIRED_KEY)} is pending deletion.")]


def failed_decrypt(t, role, n):
    code, message = FAILURES[n % len(FAILURES)]
    return ct(t, assumed_role(role), "Decrypt", RETIRED_KEY if code in ("DisabledException", "KMSInvalidStateException") else None,
              params={"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}, error=(code, message) if message else (code, ""))


write_records("kms-failed-decrypt.jsonl",
    [failed_decrypt(at(T, 0, 25 * i), "batch-export", i) for i in range(10)]
    + [ct(at(T, 0, 25 * i + 5), assumed_role("batch-export"), "Decrypt") for i in range(10)])
write_records("kms-failed-decrypt-quiet.jsonl",
    # Nine failures in a window: under the threshold.
    [failed_decrypt(at(T, 0, 30 * i), "batch-export", i) for i in range(9)]
    # A workload whose one stale ciphertext fails every ten minutes, for five hours.
    + [failed_decrypt(at(T, 10 * i + 12), "payments-irsa", 0) for i in range(30)]
    # Denials are the denial rules' to count; other errors are not about ciphertexts or keys.
    + [ct(at(T, 20, 10 * i), assumed_role("checkout-irsa"), "Decrypt", error=denied("Decrypt")) for i in range(12)]
    + [ct(at(T, 30, 10 * i), assumed_role("checkout-irsa"), "Decrypt", error=("ThrottlingException", "Rate exceeded"))
       for i in range(12)])

# first-use.yaml --------------------------------------------------------------------------------
# The rule learns from its first event on for seven days: new combinations in those days are
# learned quietly; after them, a principal on a secret or key it never used is new.
D = datetime(2026, 11, 10, 9, 0, 0, tzinfo=timezone.utc)
learning = ([ct(at(D, 30 * i), assumed_role("payments-irsa"), "Decrypt") for i in range(4)]
            + [kv(at(D, 30 * i + 1), "SecretGet", mi(PAYMENTS_MI, PAYMENTS_APP), "secrets/db-password") for i in range(4)]
            + [kv(at(D, 5, days=1), "SecretGet", mi(CHECKOUT_MI, CHECKOUT_APP), "secrets/shared-redis-password",
                  vault="kv-platform", group="RG-PLATFORM")]
            # New on day 6 — still learning.
            + [kv(at(D, 0, days=6, hours=23), "SecretGet", person(ANALYST_OID, ANALYST_UPN), "secrets/tenant-01-connection")])
write_records("first-use-quiet.jsonl", learning)
write_records("first-use.jsonl", learning + [
    # After the seven days: known combinations stay quiet...
    ct(at(D, 0, days=8), assumed_role("payments-irsa"), "Decrypt"),
    kv(at(D, 1, days=8), "SecretGet", person(ANALYST_OID, ANALYST_UPN), "secrets/tenant-01-connection"),
    # ...AWS using a key by itself, and failed or denied attempts, are no use...
    ct(at(D, 2, days=8), {"type": "AWSService", "invokedBy": "secretsmanager.amazonaws.com"}, "Decrypt"),
    kv(at(D, 3, days=8), "SecretGet", mi(CHECKOUT_MI, CHECKOUT_APP), "secrets/db-password", status=403, description=RBAC_DENIAL),
    # ...and the checkout role decrypting with the payments key for the first time is new (twice: one alert).
    ct(at(D, 4, days=8), assumed_role("checkout-irsa"), "Decrypt"),
    ct(at(D, 5, days=8), assumed_role("checkout-irsa"), "Decrypt"),
])

# profiles.yaml ---------------------------------------------------------------------------------
# rules/identities.yaml gives kube-system the `kms-plugin` profile, payments
# `[secrets-reader, Decrypt, GenerateDataKey*]`, checkout `[secrets-reader, Decrypt]`, and the
# export job's role a profile of its own.
AKS_KMS_MI, AKS_KMS_APP = "1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6", "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
plugin = mi(AKS_KMS_MI, AKS_KMS_APP)
payments = mi(PAYMENTS_MI, PAYMENTS_APP)


def web_identity(t, role, namespace, service_account):
    """STS issuing an IRSA session of `role` (named as assumed_role names it) to a service account."""
    subject = f"system:serviceaccount:{namespace}:{service_account}"
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A8242F25BFBB8F98F5321B2AE63C8B5C"
    session = f"{role}-session"
    return {
        "eventVersion": "1.08",
        "userIdentity": {"type": "WebIdentityUser", "principalId": f"{provider}:sts.amazonaws.com:{subject}",
                         "userName": subject, "identityProvider": provider},
        "eventTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
        "awsRegion": "us-east-1", "sourceIPAddress": "10.0.12.34", "userAgent": "aws-sdk-go-v2/1.32.4",
        "requestParameters": {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/{role}", "roleSessionName": session, "durationSeconds": 3600},
        "responseElements": {"subjectFromWebIdentityToken": subject, "provider": provider, "audience": "sts.amazonaws.com",
                             "assumedRoleUser": {"assumedRoleId": f"AROAEXAMPLE:{session}",
                                                 "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"}},
        "requestID": next_id(), "eventID": next_id(), "readOnly": True,
        "resources": [{"accountId": ACCOUNT, "type": "AWS::IAM::Role", "ARN": f"arn:aws:iam::{ACCOUNT}:role/{role}"}],
        "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": ACCOUNT, "eventCategory": "Management",
    }


write_records("workload-outside-profile.jsonl", [
    # The KMS plugin (kube-system: kms-plugin) reading a secret, twice: one alert.
    kv(at(T, 0), "SecretGet", plugin, "secrets/db-password"),
    kv(at(T, 1), "SecretGet", plugin, "secrets/db-password"),
    # payments' managed identity writing a secret it only ever reads — denied, and still outside.
    kv(at(T, 2), "SecretSet", payments, "secrets/db-password", status=403, description=RBAC_DENIAL),
    # A role identities.yaml does not name, placed in payments by its IRSA session, creating a grant.
    web_identity(at(T, 3), "ledger-irsa", "payments", "ledger-worker"),
    ct(at(T, 4), assumed_role("ledger-irsa"), "CreateGrant",
       params={"keyId": key_arn("6513270e-269e-4d37-b2a7-4de452e6b438"), "granteePrincipal": f"arn:aws:iam::{ACCOUNT}:role/ledger-irsa",
               "operations": ["Decrypt"]}),
    # The export job (a profile of its own: Decrypt, GenerateDataKey*) encrypting.
    ct(at(T, 5), assumed_role("batch-export"), "Encrypt"),
])
write_records("workload-outside-profile-quiet.jsonl", [
    # What each profile expects: the plugin wrapping and unwrapping, the workloads reading secrets
    # and using their keys (GenerateDataKeyWithoutPlaintext through GenerateDataKey*).
    kv(at(T, 0), "KeyUnwrap", plugin, "keys/etcd-kek/3f1b2c4d5e6f40718293a4b5c6d7e8f9/unwrapkey"),
    kv(at(T, 0, 30), "KeyWrap", plugin, "keys/etcd-kek/3f1b2c4d5e6f40718293a4b5c6d7e8f9/wrapkey"),
    kv(at(T, 1), "KeyGet", plugin, "keys/etcd-kek"),
    kv(at(T, 2), "SecretGet", payments, "secrets/db-password"),
    kv(at(T, 2, 30), "SecretList", mi(CHECKOUT_MI, CHECKOUT_APP), "secrets", vault="kv-checkout-prod", group="RG-CHECKOUT"),
    ct(at(T, 3), assumed_role("payments-irsa"), "Decrypt"),
    ct(at(T, 4), assumed_role("payments-irsa"), "GenerateDataKeyWithoutPlaintext"),
    web_identity(at(T, 5), "ledger-irsa", "payments", "ledger-worker"),
    ct(at(T, 6), assumed_role("ledger-irsa"), "Decrypt"),
    ct(at(T, 7), assumed_role("batch-export"), "GenerateDataKey"),
    # A caller with no profile: the analyst deleting a secret is the destruction rules' to see.
    kv(at(T, 8), "SecretDelete", person(ANALYST_OID, ANALYST_UPN), "secrets/legacy-token"),
    # The service itself, and the token challenge: not a workload's doing.
    kv(at(T, 9), "SecretNearExpiryEventGridNotification", {}, "secrets/db-password"),
    kv(at(T, 10), "Authentication", {}, "secrets/db-password", status=401),
])

BREAK_GLASS = iam_user("break-glass-example")
write_records("human-data-plane-access.jsonl", [
    # The analyst reading two secrets (one alert for the hour), and an IAM user decrypting.
    kv(at(T, 0), "SecretGet", person(ANALYST_OID, ANALYST_UPN), "secrets/db-password"),
    kv(at(T, 1), "SecretGet", person(ANALYST_OID, ANALYST_UPN), "secrets/api-key"),
    ct(at(T, 2), alice, "Decrypt", params={"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
])
write_records("human-data-plane-access-quiet.jsonl", [
    # Workloads reading and decrypting: their data plane.
    kv(at(T, 0), "SecretGet", payments, "secrets/db-password"),
    ct(at(T, 1), assumed_role("payments-irsa"), "Decrypt"),
    # A person denied, listing, or managing: not a read of a secret's value nor a use of a key.
    kv(at(T, 2), "SecretGet", person(ANALYST_OID, ANALYST_UPN), "secrets/db-password", status=403, description=RBAC_DENIAL),
    kv(at(T, 3), "SecretList", person(ANALYST_OID, ANALYST_UPN), "secrets"),
    kv(at(T, 4), "SecretSet", admin, "secrets/rotated-token"),
    ct(at(T, 5), alice, "DescribeKey"),
    # The break-glass user of the rule's allowlist.
    ct(at(T, 6), BREAK_GLASS, "Decrypt"),
])
