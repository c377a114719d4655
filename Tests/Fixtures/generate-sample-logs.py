#!/usr/bin/env python3
"""Writes keywatch's own sample logs into sample-logs/, deterministically.

Run from the repository root:  python3 Tests/Fixtures/generate-sample-logs.py
The records follow the real layouts documented in ../shared/formats-notes.md; every value is
ours (documentation IP ranges, example accounts). sample-logs/README.md says what each file shows.
"""
import base64
import gzip
import io
import json
import os
import shutil
import uuid

ROOT = "sample-logs"
SUB = "6F2A9C1B-3D4E-4F50-8A61-7B8C9D0E1F2A"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
REGION = "us-east-1"
PAYMENTS_KEY = "6513270e-269e-4d37-b2a7-4de452e6b438"
CHECKOUT_KEY = "0d7c1a3b-5e2f-4a6d-9b8c-7e1f2a3b4c5d"
RETIRED_KEY = "9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b"

# Identities (see rules/identities.yaml).
PAYMENTS_MI = "8d116ece-1738-47d9-bd9c-172411e20b8f"      # payments managed identity (object id)
PAYMENTS_MI_APP = "5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
CHECKOUT_MI = "3c9d2e1f-0a1b-4c2d-9e3f-4a5b6c7d8e9f"
CHECKOUT_MI_APP = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
AKS_KMS_MI = "1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6"
ADMIN_OID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
ADMIN_UPN = "ops-admin@contoso.example"
ANALYST_OID = "2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d"
ANALYST_UPN = "analyst@contoso.example"
AZURE_CLI_APP = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

namespace = uuid.UUID("4c7e2d1a-9b3f-4e6a-8d5c-2f1e0a9b8c7d")
counter = [0]


def guid():
    counter[0] += 1
    return str(uuid.uuid5(namespace, str(counter[0])))


def kv_time(minute, second, fraction):
    return f"2026-11-20T09:{minute:02d}:{second:02d}.{fraction:07d}Z"


def kv_record(op, minute, second, status, identity, props, resource_vault="KV-PAYMENTS-PROD", rg="RG-PAYMENTS",
              description="", version="7.4", ip="10.240.0.17"):
    signature = {200: "OK", 202: "Accepted", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}[status]
    record = {
        "time": kv_time(minute, second, (minute * 7919 + second * 104729) % 10_000_000),
        "category": "AuditEvent",
        "operationName": op,
        "resourceId": f"/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/{rg}/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{resource_vault}",
        "operationVersion": version,
        "resultType": "Success",
        "resultSignature": signature,
        "resultDescription": description,
        "durationMs": str(3 + (minute + second) % 40),
        "callerIpAddress": ip,
        "correlationId": guid(),
        "identity": identity,
        "properties": dict(props, httpStatusCode=status),
    }
    return record


def mi(oid, app):
    return {"claim": {"oid": oid, "appid": app, "idtyp": "app", "http://schemas.microsoft.com/identity/claims/tenantid": TENANT,
                      "xms_mirid": f"/subscriptions/{SUB.lower()}/resourcegroups/rg-aks/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-{oid[:8]}"}}


def user(oid, upn):
    return {"claim": {"oid": oid, "appid": AZURE_CLI_APP, "scp": "user_impersonation", "appidacr": "0", "upn": upn,
                      "unique_name": upn, "ipaddr": "198.51.100.23", "amr": "pwd", "http://schemas.microsoft.com/identity/claims/tenantid": TENANT}}


def secret(vault, name, version=None):
    version = version or uuid.uuid5(namespace, vault + name).hex
    return {"id": f"https://{vault}.vault.azure.net/secrets/{name}/{version}",
            "requestUri": f"https://{vault}.vault.azure.net/secrets/{name}/?api-version=7.4",
            "clientInfo": "azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.10; Ubuntu 22.04.5 LTS)",
            "tlsVersion": "TLS1_3", "isRbacAuthorized": True}


def key(vault, name, op_uri=""):
    return {"id": f"https://{vault}.vault.azure.net/keys/{name}/{uuid.uuid5(namespace, vault + name).hex}",
            "requestUri": f"https://{vault}.vault.azure.net/keys/{name}/{op_uri}?api-version=7.4",
            "clientInfo": "azure-kms-plugin/v0.6.0 (go1.22.5; linux; amd64)", "tlsVersion": "TLS1_2",
            "isRbacAuthorized": True, "keyProperties": {"type": "RSA-HSM", "size": 2048, "attributes": {"hsmPlatform": "2"}},
            "algorithm": "RSA-OAEP-256"}


def write_keyvault():
    vault = "kv-payments-prod"
    records = []
    # SDK clients starting up: one bearer-token challenge each (not denials).
    for minute, ip in [(0, "10.240.0.17"), (0, "10.240.0.44"), (12, "10.240.1.9")]:
        records.append(kv_record("Authentication", minute, 1, 401, {}, {
            "clientInfo": "azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.10; Ubuntu 22.04.5 LTS)",
            "requestUri": f"https://{vault}.vault.azure.net/secrets/db-password/?api-version=7.4", "subnetId": "(unknown)"}, ip=ip))
    # The payments workload reads its own secrets; the AKS KMS plugin unwraps the etcd key.
    for i in range(12):
        name = ["db-password", "api-key", "stripe-webhook-secret"][i % 3]
        records.append(kv_record("SecretGet", 1 + i * 2, 5 + i, 200, mi(PAYMENTS_MI, PAYMENTS_MI_APP), secret(vault, name)))
    for i in range(6):
        records.append(kv_record("KeyUnwrap", 2 + i * 4, 30, 200, mi(AKS_KMS_MI, "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"),
                                 key(vault, "etcd-kek", "unwrapkey"), ip="10.240.2.5"))
    # The checkout workload tries the payments database password: RBAC says no, six times in four minutes.
    for i in range(6):
        records.append(kv_record("SecretGet", 20 + i // 2, 10 + i * 7, 403, mi(CHECKOUT_MI, CHECKOUT_MI_APP),
                                 dict(secret(vault, "db-password"), isRbacAuthorized=False),
                                 description=("Caller is not authorized to perform action on resource.\r\n"
                                              f"Caller: appid={CHECKOUT_MI_APP};oid={CHECKOUT_MI};iss=https://sts.windows.net/{TENANT}/\r\n"
                                              "Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\n"
                                              f"Resource: '/subscriptions/{SUB.lower()}/resourcegroups/rg-payments/providers/microsoft.keyvault/vaults/{vault}/secrets/db-password'\r\n"
                                              "Assignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\n"
                                              f"Vault: {vault};location=westeurope\r\n"),
                                 ip="10.240.3.12"))
    # A missing secret: a failure, not a denial.
    records.append(kv_record("SecretGet", 25, 0, 404, mi(PAYMENTS_MI, PAYMENTS_MI_APP), secret(vault, "old-api-key")))
    # The firewall blocks a list from outside.
    records.append(kv_record("SecretList", 27, 40, 403, user(ANALYST_OID, ANALYST_UPN), {
        "requestUri": f"https://{vault}.vault.azure.net/secrets?api-version=7.4", "clientInfo": "python-requests/2.32.3",
        "tlsVersion": "TLS1_2"}, description="Client address is not authorized and caller is not a trusted service.\r\nClient address: 203.0.113.9",
        ip="203.0.113.9"))
    # An administrator changes the vault's network rules through ARM.
    records.append(kv_record("VaultPatch", 30, 12, 200, {"claim": {
        "http://schemas.microsoft.com/identity/claims/objectidentifier": ADMIN_OID,
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": ADMIN_UPN, "appid": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"}}, {
        "clientInfo": "azure-resource-manager/2.0", "id": f"https://{vault}.vault.azure.net/",
        "requestUri": f"https://management.azure.com/subscriptions/{SUB.lower()}/resourceGroups/rg-payments/providers/Microsoft.KeyVault/vaults/{vault}?api-version=2023-07-01",
        "properties": {"networkAcls": {"bypass": "AzureServices", "defaultAction": "Allow"}, "enableRbacAuthorization": True,
                       "enableSoftDelete": True, "softDeleteRetentionInDays": 90, "enablePurgeProtection": False}}, version="2023-07-01", ip="198.51.100.23"))
    # The administrator deletes and purges a secret; an analyst without purge permission is refused.
    records.append(kv_record("SecretDelete", 33, 2, 200, user(ADMIN_OID, ADMIN_UPN), secret(vault, "legacy-token"), ip="198.51.100.23"))
    records.append(kv_record("SecretPurge", 33, 40, 200, user(ADMIN_OID, ADMIN_UPN), {
        "id": f"https://{vault}.vault.azure.net/deletedsecrets/legacy-token", "clientInfo": "azure-cli/2.66.0",
        "requestUri": f"https://{vault}.vault.azure.net/deletedsecrets/legacy-token?api-version=7.4", "tlsVersion": "TLS1_2"}, ip="198.51.100.23"))
    records.append(kv_record("KeyPurge", 35, 5, 403, user(ANALYST_OID, ANALYST_UPN), {
        "id": f"https://{vault}.vault.azure.net/deletedkeys/old-signing-key", "isAccessPolicyMatch": False, "clientInfo": "azure-cli/2.66.0",
        "requestUri": f"https://{vault}.vault.azure.net/deletedkeys/old-signing-key?api-version=7.4", "tlsVersion": "TLS1_2"},
        description=(f"The user, group or application 'appid={AZURE_CLI_APP};oid={ANALYST_OID};numgroups=3;iss=https://sts.windows.net/{TENANT}/' "
                     f"does not have keys purge permission on key vault '{vault};location=westeurope'. For help resolving this issue, "
                     "please see https://go.microsoft.com/fwlink/?linkid=2125287"), ip="198.51.100.40"))
    # The service's own notification, logged whether or not anyone subscribes.
    records.append(kv_record("SecretNearExpiryEventGridNotification", 40, 0, 200, {}, {
        "id": f"https://{vault}.vault.azure.net/secrets/api-key/{uuid.uuid5(namespace, 'api-key').hex}",
        "requestUri": "", "clientInfo": ""}, ip=""))
    # An analyst token reads 24 different tenant secrets in five minutes.
    for i in range(24):
        records.append(kv_record("SecretGet", 44 + i // 5, (i * 11) % 60, 200, user(ANALYST_OID, ANALYST_UPN),
                                 dict(secret(vault, f"tenant-{i + 1:02d}-connection"), clientInfo="azure-cli/2.66.0"), ip="198.51.100.40"))
    records.sort(key=lambda r: r["time"])
    path = (f"{ROOT}/keyvault/resourceId=/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/RG-PAYMENTS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/"
            "KV-PAYMENTS-PROD/y=2026/m=11/d=20/h=09/m=00/PT1H.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for r in records:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")

    # The platform vault: a shared secret everyone may read, and the checkout workload reading
    # a payments-owned secret that RBAC (wrongly) allows — the cross-namespace case.
    platform = "kv-platform"
    records = []
    for i in range(4):
        records.append(kv_record("SecretGet", 5 + i * 10, 15, 200, mi(CHECKOUT_MI, CHECKOUT_MI_APP),
                                 secret(platform, "shared-redis-password"), resource_vault="KV-PLATFORM", rg="RG-PLATFORM", ip="10.240.3.12"))
    records.append(kv_record("SecretGet", 41, 33, 200, mi(CHECKOUT_MI, CHECKOUT_MI_APP), secret(platform, "payments-ledger-token"),
                             resource_vault="KV-PLATFORM", rg="RG-PLATFORM", ip="10.240.3.12"))
    path = (f"{ROOT}/keyvault/resourceId=/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/RG-PLATFORM/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/"
            "KV-PLATFORM/y=2026/m=11/d=20/h=09/m=00/PT1H.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for r in records:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")

    # A blob in the layout written before November 2018 (and still by some sovereign clouds).
    records = [kv_record("SecretGet", m, 0, 200, mi(PAYMENTS_MI, PAYMENTS_MI_APP), secret(vault, "db-password")) for m in (2, 3, 4)]
    for r in records:
        r["time"] = r["time"].replace("T09:", "T08:")
    path = (f"{ROOT}/keyvault/resourceId=/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/RG-PAYMENTS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/"
            "KV-PAYMENTS-PROD/y=2026/m=11/d=20/h=08/m=00/PT1H.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"records": records}, f, indent=2)
        f.write("\n")


def ct_time(minute, second):
    return f"2026-11-20T09:{minute:02d}:{second:02d}Z"


def role_identity(role, session, web_identity=False):
    context = {"sessionIssuer": {"type": "Role", "principalId": "AROA" + role.upper().replace("-", "")[:17],
                                 "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}", "accountId": ACCOUNT, "userName": role},
               "attributes": {"creationDate": "2026-11-20T09:00:00Z", "mfaAuthenticated": "false"}}
    if web_identity:
        context["webIdFederationData"] = {
            "federatedProvider": f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.{REGION}.amazonaws.com/id/A8242F25BFBB8F98F5321B2AE63C8B5C",
            "attributes": {}}
    return {"type": "AssumedRole", "principalId": f"AROA{role.upper().replace('-', '')[:17]}:{session}",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}", "accountId": ACCOUNT,
            "accessKeyId": "ASIA" + uuid.uuid5(namespace, session).hex[:16].upper(), "sessionContext": context}


ADMIN = {"type": "IAMUser", "principalId": "AIDAEXAMPLEOPSADMIN01", "arn": f"arn:aws:iam::{ACCOUNT}:user/ops-admin",
         "accountId": ACCOUNT, "accessKeyId": "AKIAEXAMPLEOPSADMIN1", "userName": "ops-admin"}


def kms(op, minute, second, identity, key_id=PAYMENTS_KEY, params=None, error=None, user_agent=None, ip="10.0.12.34",
        event_type="AwsApiCall", response=None, read_only=None):
    arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"
    record = {
        "eventVersion": "1.11",
        "userIdentity": identity,
        "eventTime": ct_time(minute, second),
        "eventSource": "kms.amazonaws.com",
        "eventName": op,
        "awsRegion": REGION,
        "sourceIPAddress": ip,
        "userAgent": user_agent or "aws-sdk-go-v2/1.32.4 ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/kms#1.37.6",
        "requestParameters": params if params is not None else {"keyId": arn, "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                                                                "encryptionContext": {"service": "payments-api"}},
        "responseElements": response,
        "requestID": guid(),
        "eventID": guid(),
        "readOnly": read_only if read_only is not None else op in ("Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey"),
        "resources": [{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": arn}],
        "eventType": event_type,
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                       "clientProvidedHostHeader": f"kms.{REGION}.amazonaws.com"},
    }
    if error:
        record["errorCode"], record["errorMessage"] = error
        record["responseElements"] = None
    return record


def sts_web_identity(minute, second, namespace_name, service_account, role, session):
    subject = f"system:serviceaccount:{namespace_name}:{service_account}"
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.{REGION}.amazonaws.com/id/A8242F25BFBB8F98F5321B2AE63C8B5C"
    return {
        "eventVersion": "1.08",
        "userIdentity": {"type": "WebIdentityUser", "principalId": f"{provider}:sts.amazonaws.com:{subject}",
                         "userName": subject, "identityProvider": provider},
        "eventTime": ct_time(minute, second), "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
        "awsRegion": REGION, "sourceIPAddress": "10.0.12.34", "userAgent": "aws-sdk-go-v2/1.32.4 ua/2.1 os/linux lang/go#1.23.3",
        "requestParameters": {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/{role}", "roleSessionName": session, "durationSeconds": 3600},
        "responseElements": {"subjectFromWebIdentityToken": subject, "provider": provider, "audience": "sts.amazonaws.com",
                             "assumedRoleUser": {"assumedRoleId": f"AROAEXAMPLE:{session}", "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"},
                             "credentials": {"accessKeyId": "ASIA" + uuid.uuid5(namespace, session).hex[:16].upper(),
                                             "sessionToken": "HIDDEN_DUE_TO_SECURITY_REASONS", "expiration": "Nov 20, 2026, 10:00:00 AM"}},
        "requestID": guid(), "eventID": guid(), "readOnly": True,
        "resources": [{"accountId": ACCOUNT, "type": "AWS::IAM::Role", "ARN": f"arn:aws:iam::{ACCOUNT}:role/{role}"}],
        "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": ACCOUNT, "eventCategory": "Management",
    }


def other_service(minute, second):
    return {"eventVersion": "1.10", "userIdentity": role_identity("payments-irsa", "1732093200000000001", True),
            "eventTime": ct_time(minute, second), "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "awsRegion": REGION,
            "sourceIPAddress": "10.0.12.34", "userAgent": "aws-sdk-go-v2/1.32.4", "requestParameters": {"bucketName": "payments-exports", "key": "2026/11/20/batch.csv"},
            "responseElements": None, "requestID": guid(), "eventID": guid(), "readOnly": True, "eventType": "AwsApiCall",
            "managementEvent": False, "recipientAccountId": ACCOUNT, "eventCategory": "Data"}


def write_cloudtrail():
    payments_session = "1732093200000000001"
    checkout_session = "1732093260000000002"
    first = [
        sts_web_identity(0, 4, "payments", "payments-api", "payments-irsa", payments_session),
        sts_web_identity(1, 0, "checkout", "checkout-web", "checkout-irsa", checkout_session),
    ]
    for i in range(16):
        op = ["Decrypt", "GenerateDataKey"][i % 2]
        first.append(kms(op, 1 + i // 2, (i * 13) % 60, role_identity("payments-irsa", payments_session, True)))
    # checkout's role tries the payments key: no identity-based policy allows it, five times in three minutes.
    for i in range(5):
        arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/checkout-irsa/{checkout_session}"
        first.append(kms("Decrypt", 6 + i // 2, 5 + i * 9, role_identity("checkout-irsa", checkout_session, True), ip="10.0.14.7", error=(
            "AccessDenied", f"User: {arn} is not authorized to perform: kms:Decrypt on resource: "
                            f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{PAYMENTS_KEY} because no identity-based policy allows the kms:Decrypt action")))
    # An organization guardrail, and a key policy's explicit deny.
    first.append(kms("GenerateDataKey", 9, 30, role_identity("batch-export", "export-nightly"), key_id=CHECKOUT_KEY, error=(
        "AccessDeniedException", f"User: arn:aws:sts::{ACCOUNT}:assumed-role/batch-export/export-nightly is not authorized to perform: "
                                 f"kms:GenerateDataKey on resource: arn:aws:kms:{REGION}:{ACCOUNT}:key/{CHECKOUT_KEY} with an explicit deny in a service control policy")))
    first.append(kms("Decrypt", 9, 45, ADMIN, key_id=CHECKOUT_KEY, ip="198.51.100.23", user_agent="aws-cli/2.22.0 md/awscrt#0.23.0 ua/2.0 os/macos#24.1.0", error=(
        "AccessDenied", f"User: arn:aws:iam::{ACCOUNT}:user/ops-admin is not authorized to perform: kms:Decrypt on resource: "
                        f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{CHECKOUT_KEY} with an explicit deny in a resource-based policy")))
    first.append(other_service(3, 3))
    first.append({"eventVersion": "1.08", "userIdentity": role_identity("payments-irsa", payments_session, True), "eventTime": ct_time(4, 4),
                  "eventSource": "sts.amazonaws.com", "eventName": "GetCallerIdentity", "awsRegion": REGION, "sourceIPAddress": "10.0.12.34",
                  "userAgent": "aws-cli/2.22.0", "requestParameters": None, "responseElements": None, "requestID": guid(), "eventID": guid(),
                  "readOnly": True, "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": ACCOUNT, "eventCategory": "Management"})

    second = []
    for i in range(8):
        second.append(kms("Decrypt", 11 + i, 20, role_identity("payments-irsa", payments_session, True)))
    # A service decrypting on the caller's behalf.
    second.append(kms("Decrypt", 12, 2, dict(role_identity("payments-irsa", payments_session, True), invokedBy="secretsmanager.amazonaws.com"),
                      ip="secretsmanager.amazonaws.com", user_agent="secretsmanager.amazonaws.com",
                      params={"encryptionContext": {"SecretARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:payments/db-AbCdEf"},
                              "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}))
    # Key administration by ops-admin: a key policy change, a grant to another account, retirement of an old key.
    policy = {"Version": "2012-10-17", "Id": "key-policy-payments", "Statement": [
        {"Sid": "Enable IAM policies", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Allow payments", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/payments-irsa"},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}]}
    admin_agent = "aws-cli/2.22.0 md/awscrt#0.23.0 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6"
    second.append(kms("PutKeyPolicy", 14, 10, ADMIN, ip="198.51.100.23", user_agent=admin_agent,
                      params={"keyId": PAYMENTS_KEY, "policyName": "default", "policy": json.dumps(policy, indent=2),
                              "bypassPolicyLockoutSafetyCheck": False}))
    second.append(kms("CreateGrant", 15, 0, ADMIN, ip="198.51.100.23", user_agent=admin_agent,
                      params={"keyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{PAYMENTS_KEY}",
                              "granteePrincipal": f"arn:aws:iam::{OTHER_ACCOUNT}:role/partner-reconciliation",
                              "operations": ["Decrypt"], "constraints": {"encryptionContextSubset": {"service": "payments-api"}}},
                      response={"grantId": uuid.uuid5(namespace, "grant").hex * 2, "keyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{PAYMENTS_KEY}"}))
    second.append(kms("DisableKey", 16, 30, ADMIN, key_id=RETIRED_KEY, ip="198.51.100.23", user_agent=admin_agent, params={"keyId": RETIRED_KEY}))
    second.append(kms("ScheduleKeyDeletion", 16, 55, ADMIN, key_id=RETIRED_KEY, ip="198.51.100.23", user_agent=admin_agent,
                      params={"keyId": RETIRED_KEY, "pendingWindowInDays": 7},
                      response={"keyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{RETIRED_KEY}", "deletionDate": "Nov 27, 2026, 9:16:55 AM",
                                "keyState": "PendingDeletion", "pendingWindowInDays": 7}))
    # A job still using the key now pending deletion: a failure, not a denial.
    second.append(kms("Decrypt", 17, 40, role_identity("batch-export", "export-nightly"), key_id=RETIRED_KEY, ip="10.0.15.3", error=(
        "KMSInvalidStateException", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{RETIRED_KEY} is pending deletion.")))
    # KMS rotating a key by itself: a service event, no caller.
    rotate = kms("RotateKey", 18, 0, {"accountId": ACCOUNT, "invokedBy": "AWS Internal"}, key_id=CHECKOUT_KEY, ip="AWS Internal",
                 user_agent="AWS Internal", params=None, event_type="AwsServiceEvent")
    rotate.pop("requestID")
    rotate["serviceEventDetails"] = {"keyId": CHECKOUT_KEY, "rotationType": "AUTOMATIC"}
    second.append(rotate)

    for name, minute, records in [("20261120T0915Z_Xk3PqL9mWn2BvT7c", 15, first), ("20261120T0920Z_Rm8ZtY4hNc6QwE1d", 20, second)]:
        d = f"{ROOT}/cloudtrail/AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/2026/11/20"
        os.makedirs(d, exist_ok=True)
        body = json.dumps({"Records": records}, separators=(",", ":")).encode()
        with open(f"{d}/{ACCOUNT}_CloudTrail_{REGION}_{name}.json.gz", "wb") as f:
            with gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as g:
                g.write(body)
    d = f"{ROOT}/cloudtrail/AWSLogs/{ACCOUNT}/CloudTrail-Digest/{REGION}/2026/11/20"
    os.makedirs(d, exist_ok=True)
    digest = {"awsAccountId": ACCOUNT, "digestStartTime": "2026-11-20T08:20:00Z", "digestEndTime": "2026-11-20T09:20:00Z",
              "digestS3Bucket": "org-trail-logs", "digestS3Object": f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/{REGION}/2026/11/20/digest.json.gz",
              "digestPublicKeyFingerprint": "0123456789abcdef0123456789abcdef", "digestSignatureAlgorithm": "SHA256withRSA",
              "newestEventTime": "2026-11-20T09:17:40Z", "oldestEventTime": "2026-11-20T09:00:04Z", "logFiles": []}
    with open(f"{d}/{ACCOUNT}_CloudTrail-Digest_{REGION}_org-trail_{REGION}_20261120T092000Z.json.gz", "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as g:
            g.write(json.dumps(digest).encode())


def write_pushes():
    """Shapes that arrive by HTTP push, kept as files so ingest and tests can read them too."""
    d = f"{ROOT}/pushes"
    os.makedirs(d, exist_ok=True)
    api_call = kms("Decrypt", 21, 0, role_identity("payments-irsa", "1732093200000000001", True))
    envelope = {"version": "0", "id": guid(), "detail-type": "AWS API Call via CloudTrail", "source": "aws.kms",
                "account": ACCOUNT, "time": api_call["eventTime"], "region": REGION, "resources": [], "detail": api_call}
    native = {"version": "0", "id": guid(), "detail-type": "KMS CMK Deletion", "source": "aws.kms", "account": ACCOUNT,
              "time": "2026-11-20T09:25:00Z", "region": REGION, "resources": [f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{RETIRED_KEY}"],
              "detail": {"key-id": RETIRED_KEY}}
    with open(f"{d}/eventbridge.json", "w") as f:
        json.dump([envelope, native], f, indent=2)
        f.write("\n")
    payload = {"messageType": "DATA_MESSAGE", "owner": ACCOUNT, "logGroup": "aws-cloudtrail-logs-org",
               "logStream": f"{ACCOUNT}_CloudTrail_{REGION}", "subscriptionFilters": ["kms-to-keywatch"],
               "logEvents": [{"id": str(38000000000000000000000000000000000000000000000000000000 + i), "timestamp": 1795165260000 + i * 1000,
                              "message": json.dumps(kms("GenerateDataKey", 21, 10 + i, role_identity("payments-irsa", "1732093200000000001", True)),
                                                    separators=(",", ":"))} for i in range(3)]}
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as g:
        g.write(json.dumps(payload).encode())
    with open(f"{d}/cloudwatch-subscription.json", "w") as f:
        json.dump({"awslogs": {"data": base64.b64encode(buffer.getvalue()).decode()}}, f)
        f.write("\n")


if __name__ == "__main__":
    for sub in ("keyvault", "cloudtrail", "pushes"):
        shutil.rmtree(f"{ROOT}/{sub}", ignore_errors=True)
    write_keyvault()
    write_cloudtrail()
    write_pushes()
    print("sample-logs written")
