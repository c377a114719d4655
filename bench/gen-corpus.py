#!/usr/bin/env python3
"""Generate a realistic, deterministic keywatch benchmark corpus.

CloudTrail log files in the S3 layout
  AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 chars>.json.gz
each holding {"Records":[...]} of KMS events (plus the STS calls that attribute them and some
other services' events, which keywatch must skip), a CloudTrail-Digest file that must be skipped,
and Key Vault diagnostic blobs in the storage layout
  resourceId=/SUBSCRIPTIONS/<SUB>/RESOURCEGROUPS/<RG>/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/<NAME>/y=/m=/d=/h=/m=00/PT1H.json
as JSON Lines.

The field variety follows the real records in ../shared/formats-notes.md: assumed roles with
sessions, IRSA web-identity sessions, IAM users, services calling on a user's behalf, AWS service
events without a userIdentity.type, denials with the documented message patterns, failures,
encryption contexts, tlsDetails, eventVersion 1.08 to 1.11; Key Vault records with 7 fraction
digits, user / app / managed-identity claims, the 401 challenge, RBAC, access-policy and network 403s.

Usage: gen-corpus.py OUT [--cloudtrail N] [--keyvault N] [--seed S] [--days D] [--per-file N]
"""
import argparse
import datetime as dt
import gzip
import json
import os
import random
import string
import uuid

ACCOUNTS = ["111122223333", "444455556666"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
CRYPTO = ["Decrypt"] * 45 + ["GenerateDataKey"] * 22 + ["Encrypt"] * 10 + ["GenerateDataKeyWithoutPlaintext"] * 4 + \
         ["ReEncrypt", "Sign", "Verify", "GenerateMac", "VerifyMac", "GenerateRandom"]
MGMT = ["DescribeKey"] * 6 + ["ListAliases"] * 3 + ["ListGrants", "GetKeyPolicy", "GetKeyRotationStatus", "ListKeys",
        "CreateGrant", "RetireGrant", "TagResource", "CreateKey", "EnableKeyRotation", "PutKeyPolicy",
        "ScheduleKeyDeletion", "DisableKey", "CreateAlias", "UpdateAlias"]
AGENTS = [
    "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/kms#1.35.3",
    "aws-sdk-java/2.25.60 Linux/5.10.219-208.866.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS Java/17.0.11 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
    "Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10.219 md/arch#x86_64 lang/python#3.12.4 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.144",
    "aws-cli/2.17.13 md/awscrt#0.20.11 ua/2.0 os/macos#23.5.0 md/arch#arm64 lang/python#3.11.9 md/pyimpl#CPython exe/arm64 prompt/off command/kms.decrypt",
    "AWS Internal",
    "secretsmanager.amazonaws.com",
    "aws-encryption-provider/v0.4.0 (kubernetes-sigs) aws-sdk-go/1.44.0 (go1.21.4; linux; amd64)",
]
K8S = [("payments", "payments-api"), ("payments", "ledger-worker"), ("checkout", "checkout-web"),
       ("search", "indexer"), ("platform", "external-secrets"), ("batch", "nightly-report")]
DENY_MESSAGES = [
    "because no identity-based policy allows the kms:{op} action",
    "because no resource-based policy allows the kms:{op} action",
    "because no session policy allows the kms:{op} action",
    "with an explicit deny in a service control policy",
    "with an explicit deny in a resource-based policy",
]


class World:
    def __init__(self, rnd):
        self.rnd = rnd
        self.keys = {}
        for acct in ACCOUNTS:
            for region in REGIONS:
                self.keys[(acct, region)] = [str(uuid.UUID(int=rnd.getrandbits(128), version=4)) for _ in range(12)]
        self.roles = []
        for acct in ACCOUNTS:
            for i in range(60):
                self.roles.append((acct, f"app-role-{i:02d}"))
        self.irsa = [(ACCOUNTS[0], f"{ns}-{sa}-irsa", ns, sa) for ns, sa in K8S]
        self.users = [(acct, name) for acct in ACCOUNTS for name in ["alice", "bob", "carol", "deploy-bot", "ci@example.com"]]
        self.ips = [f"10.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}" for _ in range(400)] + \
                   [f"203.0.113.{i}" for i in range(1, 60)]

    def guid(self):
        return str(uuid.UUID(int=self.rnd.getrandbits(128), version=4))


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def cloudtrail_identity(w, acct, kind):
    r = w.rnd
    if kind == "role":
        racct, role = r.choice(w.roles)
        session = r.choice([f"i-{r.getrandbits(64):016x}"[:19], f"botocore-session-{r.randint(1700000000, 1760000000)}",
                            f"lambda-{r.randint(1, 99)}", "AutoScaling"])
        return {
            "type": "AssumedRole",
            "principalId": f"AROA{''.join(r.choices(string.ascii_uppercase + string.digits, k=17))}:{session}",
            "arn": f"arn:aws:sts::{racct}:assumed-role/{role}/{session}",
            "accountId": racct,
            "accessKeyId": "ASIA" + "".join(r.choices(string.ascii_uppercase + string.digits, k=16)),
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": "AROA" + "".join(r.choices(string.ascii_uppercase, k=17)),
                                  "arn": f"arn:aws:iam::{racct}:role/{role}", "accountId": racct, "userName": role},
                "webIdFederationData": {},
                "attributes": {"creationDate": "2024-06-01T10:00:00Z", "mfaAuthenticated": "false"},
            },
        }
    if kind == "irsa":
        racct, role, ns, sa = r.choice(w.irsa)
        session = str(r.randint(1699000000000000000, 1799000000000000000))
        return {
            "type": "AssumedRole",
            "principalId": f"AROAIRSA{role[:8].upper()}:{session}",
            "arn": f"arn:aws:sts::{racct}:assumed-role/{role}/{session}",
            "accountId": racct,
            "accessKeyId": "ASIA" + "".join(r.choices(string.ascii_uppercase + string.digits, k=16)),
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": "AROAIRSA" + role[:8].upper(),
                                  "arn": f"arn:aws:iam::{racct}:role/{role}", "accountId": racct, "userName": role},
                "webIdFederationData": {"federatedProvider": f"arn:aws:iam::{racct}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A8242F25BFBB8F98F5321B2AE63C8B5C", "attributes": {}},
                "attributes": {"creationDate": "2024-06-01T10:00:00Z", "mfaAuthenticated": "false"},
            },
        }, ns, sa, session, role
    if kind == "user":
        uacct, name = r.choice(w.users)
        return {"type": "IAMUser", "principalId": "AIDA" + "".join(r.choices(string.ascii_uppercase, k=17)),
                "arn": f"arn:aws:iam::{uacct}:user/{name}", "accountId": uacct,
                "accessKeyId": "AKIA" + "".join(r.choices(string.ascii_uppercase + string.digits, k=16)), "userName": name}
    # a service calling on a role's behalf
    racct, role = r.choice(w.roles)
    ident = cloudtrail_identity(w, acct, "role")
    ident["invokedBy"] = r.choice(["secretsmanager.amazonaws.com", "lambda.amazonaws.com", "s3.amazonaws.com"])
    return ident


def kms_record(w, acct, region, t):
    r = w.rnd
    roll = r.random()
    if roll < 0.005:
        key = r.choice(w.keys[(acct, region)])
        return {"eventVersion": "1.08", "userIdentity": {"accountId": acct, "invokedBy": "AWS Internal"},
                "eventTime": ts(t), "eventSource": "kms.amazonaws.com", "eventName": "RotateKey", "awsRegion": region,
                "sourceIPAddress": "AWS Internal", "userAgent": "AWS Internal", "requestParameters": None,
                "responseElements": None, "eventID": w.guid(), "readOnly": False,
                "resources": [{"accountId": acct, "type": "AWS::KMS::Key", "ARN": f"arn:aws:kms:{region}:{acct}:key/{key}"}],
                "eventType": "AwsServiceEvent", "recipientAccountId": acct,
                "serviceEventDetails": {"keyId": key}, "managementEvent": True, "eventCategory": "Management"}
    kind = r.choices(["role", "irsa", "user", "service"], [55, 25, 5, 15])[0]
    ident = cloudtrail_identity(w, acct, kind)
    if kind == "irsa":
        ident = ident[0]
    op = r.choice(CRYPTO) if r.random() < 0.9 else r.choice(MGMT)
    key = r.choice(w.keys[(acct, region)])
    key_arn = f"arn:aws:kms:{region}:{acct}:key/{key}"
    params = {}
    if op in ("Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncrypt"):
        params["encryptionAlgorithm"] = "SYMMETRIC_DEFAULT"
        params["keyId"] = r.choice([key_arn, key, "alias/app/" + key[:8]])
        ctx = r.choice([
            {"aws:lambda:FunctionArn": f"arn:aws:lambda:{region}:{acct}:function:fn-{r.randint(1, 40)}"},
            {"SecretARN": f"arn:aws:secretsmanager:{region}:{acct}:secret:db/password-{r.randint(1, 99)}-AbCdEf", "SecretVersionId": w.guid()},
            {"aws:ebs:id": f"vol-{r.getrandbits(64):017x}"[:21]},
            {"aws:s3:arn": f"arn:aws:s3:::bucket-{r.randint(1, 30)}/logs/{r.randint(1, 99999)}.gz"},
            {"Department": "Engineering", "Project": "Alpha"},
            {},
        ])
        if ctx:
            params["encryptionContext"] = ctx
        if op.startswith("GenerateDataKey"):
            params["keySpec"] = "AES_256"
    elif op in ("Sign", "Verify"):
        params = {"keyId": key_arn, "messageType": "DIGEST", "signingAlgorithm": "ECDSA_SHA_256"}
    elif op in ("GenerateMac", "VerifyMac"):
        params = {"keyId": key_arn, "macAlgorithm": "HMAC_SHA_256"}
    elif op == "GenerateRandom":
        params = {"numberOfBytes": 32}
    elif op == "CreateGrant":
        params = {"keyId": key_arn, "granteePrincipal": f"arn:aws:iam::{r.choice(ACCOUNTS)}:role/app-role-{r.randint(0, 59):02d}",
                  "operations": ["Decrypt", "Encrypt"], "constraints": {"encryptionContextSubset": {"tenant": "t-" + str(r.randint(1, 9))}}}
    elif op == "PutKeyPolicy":
        policy = {"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                  "Principal": {"AWS": f"arn:aws:iam::{acct}:root"}, "Action": "kms:*", "Resource": "*"}]}
        params = {"keyId": key, "policyName": "default", "policy": json.dumps(policy, indent=2), "bypassPolicyLockoutSafetyCheck": False}
    elif op in ("ListAliases", "ListKeys"):
        params = {"limit": 100}
    elif op in ("CreateAlias", "UpdateAlias"):
        params = {"aliasName": "alias/app/" + key[:8], "targetKeyId": key}
    elif op == "ScheduleKeyDeletion":
        params = {"keyId": key, "pendingWindowInDays": 30}
    elif op == "CreateKey":
        params = {"keyUsage": "ENCRYPT_DECRYPT", "keySpec": "SYMMETRIC_DEFAULT", "origin": "AWS_KMS", "description": "app data key",
                  "tags": [{"tagKey": "team", "tagValue": "payments"}], "multiRegion": False}
    else:
        params = {"keyId": r.choice([key, key_arn])}
    rec = {
        "eventVersion": r.choice(["1.08", "1.09", "1.10", "1.11"]),
        "userIdentity": ident,
        "eventTime": ts(t),
        "eventSource": "kms.amazonaws.com",
        "eventName": op,
        "awsRegion": region,
        "sourceIPAddress": ident.get("invokedBy") or r.choice(w.ips),
        "userAgent": ident.get("invokedBy") or r.choice(AGENTS),
        "requestParameters": params or None,
        "responseElements": None,
        "requestID": w.guid(),
        "eventID": w.guid(),
        "readOnly": op not in ("CreateGrant", "RetireGrant", "TagResource", "CreateKey", "EnableKeyRotation",
                               "PutKeyPolicy", "ScheduleKeyDeletion", "DisableKey", "CreateAlias", "UpdateAlias"),
        "resources": [{"accountId": acct, "type": "AWS::KMS::Key", "ARN": key_arn}] if op not in ("GenerateRandom", "ListAliases", "ListKeys") else [],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": acct,
        "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                       "clientProvidedHostHeader": f"kms.{region}.amazonaws.com"},
    }
    if r.random() < 0.15:
        rec["additionalEventData"] = {"keyMaterialId": "".join(r.choices("0123456789abcdef", k=64))}
    e = r.random()
    if e < 0.006:
        arn = ident.get("arn", f"arn:aws:iam::{acct}:root")
        rec["errorCode"] = r.choice(["AccessDenied", "AccessDenied", "AccessDeniedException"])
        rec["errorMessage"] = f"User: {arn} is not authorized to perform: kms:{op} on resource: {key_arn} " + \
                              r.choice(DENY_MESSAGES).format(op=op)
    elif e < 0.010:
        rec["errorCode"] = r.choice(["KMSInvalidStateException", "NotFoundException", "InvalidCiphertextException", "ThrottlingException"])
        rec["errorMessage"] = f"{key_arn} is pending deletion." if rec["errorCode"] == "KMSInvalidStateException" else "An error occurred"
    elif op.startswith("GenerateDataKey") or op == "Encrypt":
        pass
    elif op == "CreateGrant":
        rec["responseElements"] = {"grantId": "".join(r.choices("0123456789abcdef", k=64)), "keyId": key_arn}
    elif op == "ScheduleKeyDeletion":
        rec["responseElements"] = {"keyId": key_arn, "deletionDate": "Oct 21, 2024, 2:25:29 PM", "keyState": "PendingDeletion", "pendingWindowInDays": 30}
    return rec


def sts_record(w, acct, region, t):
    r = w.rnd
    racct, role, ns, sa = r.choice(w.irsa)
    subject = f"system:serviceaccount:{ns}:{sa}"
    provider = f"arn:aws:iam::{racct}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A8242F25BFBB8F98F5321B2AE63C8B5C"
    session = str(r.randint(1699000000000000000, 1799000000000000000))
    return {
        "eventVersion": "1.08",
        "userIdentity": {"type": "WebIdentityUser", "principalId": f"{provider}:sts.amazonaws.com:{subject}",
                         "userName": subject, "identityProvider": provider},
        "eventTime": ts(t), "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
        "awsRegion": region, "sourceIPAddress": r.choice(w.ips), "userAgent": AGENTS[0],
        "requestParameters": {"roleArn": f"arn:aws:iam::{racct}:role/{role}", "roleSessionName": session, "durationSeconds": 3600},
        "responseElements": {"credentials": {"accessKeyId": "ASIA" + "".join(r.choices(string.ascii_uppercase, k=16)),
                                             "sessionToken": "IQoJb3JpZ2luX2VjE" + "".join(r.choices(string.ascii_letters, k=120)),
                                             "expiration": "Nov 22, 2026, 11:15:06 PM"},
                             "subjectFromWebIdentityToken": subject,
                             "assumedRoleUser": {"assumedRoleId": f"AROAIRSA:{session}", "arn": f"arn:aws:sts::{racct}:assumed-role/{role}/{session}"},
                             "provider": provider, "audience": "sts.amazonaws.com"},
        "requestID": w.guid(), "eventID": w.guid(), "readOnly": True,
        "resources": [{"accountId": racct, "type": "AWS::IAM::Role", "ARN": f"arn:aws:iam::{racct}:role/{role}"}],
        "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": racct, "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.2", "cipherSuite": "ECDHE-RSA-AES128-GCM-SHA256", "clientProvidedHostHeader": f"sts.{region}.amazonaws.com"},
    }


def other_record(w, acct, region, t):
    r = w.rnd
    ident = cloudtrail_identity(w, acct, "role")
    name, source = r.choice([("GetObject", "s3.amazonaws.com"), ("DescribeInstances", "ec2.amazonaws.com"),
                             ("GetCallerIdentity", "sts.amazonaws.com"), ("PutMetricData", "monitoring.amazonaws.com")])
    return {"eventVersion": "1.09", "userIdentity": ident, "eventTime": ts(t), "eventSource": source, "eventName": name,
            "awsRegion": region, "sourceIPAddress": r.choice(w.ips), "userAgent": r.choice(AGENTS),
            "requestParameters": {"bucketName": "bucket-1", "key": "a/b/c.txt"} if source.startswith("s3") else None,
            "responseElements": None, "requestID": w.guid(), "eventID": w.guid(), "readOnly": True,
            "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": acct, "eventCategory": "Management"}


def write_cloudtrail(w, out, n, start, days, per_file):
    span = days * 86400
    written = 0
    files = 0
    while written < n:
        acct = w.rnd.choice(ACCOUNTS)
        region = w.rnd.choice(REGIONS)
        count = min(per_file, n - written)
        delivery = start + dt.timedelta(seconds=int(span * written / n) + 300)
        records = []
        for _ in range(count):
            t = delivery - dt.timedelta(seconds=w.rnd.randint(1, 900))
            roll = w.rnd.random()
            if roll < 0.01:
                records.append(sts_record(w, acct, region, t))
            elif roll < 0.04:
                records.append(other_record(w, acct, region, t))
            else:
                records.append(kms_record(w, acct, region, t))
        d = f"{out}/AWSLogs/{acct}/CloudTrail/{region}/{delivery:%Y/%m/%d}"
        os.makedirs(d, exist_ok=True)
        uniq = "".join(w.rnd.choices(string.ascii_letters + string.digits, k=16))
        path = f"{d}/{acct}_CloudTrail_{region}_{delivery:%Y%m%dT%H%MZ}_{uniq}.json.gz"
        with gzip.open(path, "wb", compresslevel=6) as f:
            f.write(json.dumps({"Records": records}, separators=(",", ":")).encode())
        written += count
        files += 1
    # one digest file in its own tree, which keywatch must skip
    d = f"{out}/AWSLogs/{ACCOUNTS[0]}/CloudTrail-Digest/us-east-1/{start:%Y/%m/%d}"
    os.makedirs(d, exist_ok=True)
    digest = {"awsAccountId": ACCOUNTS[0], "digestStartTime": ts(start), "digestEndTime": ts(start + dt.timedelta(hours=1)),
              "digestS3Bucket": "trail-bucket", "digestSignatureAlgorithm": "SHA256withRSA", "logFiles": []}
    with gzip.open(f"{d}/{ACCOUNTS[0]}_CloudTrail-Digest_us-east-1_trail_us-east-1_{start:%Y%m%dT%H%M%SZ}.json.gz", "wb") as f:
        f.write(json.dumps(digest).encode())
    return files


VAULTS = [("kv-payments-prod", "RG-PAYMENTS"), ("kv-platform", "RG-PLATFORM"), ("kv-checkout-prod", "RG-CHECKOUT")]
SUB = "6F2A9C1B-3D4E-4F50-8A61-7B8C9D0E1F2A"
KV_OPS = ["SecretGet"] * 50 + ["KeyUnwrap"] * 10 + ["KeyWrap"] * 6 + ["KeySign"] * 4 + ["KeyDecrypt"] * 2 + \
         ["SecretList"] * 5 + ["KeyGet"] * 3 + ["VaultGet"] * 2 + ["SecretSet", "KeyList", "CertificateGet",
         "SecretNearExpiryEventGridNotification", "KeyRotate", "SecretDelete", "VaultPatch"]


def kv_record(w, vault, rg, t):
    r = w.rnd
    roll = r.random()
    base = {"time": t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{r.randint(0, 9999999):07d}Z",
            "category": "AuditEvent",
            "resourceId": f"/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/{rg}/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{vault.upper()}",
            "resultType": "Success", "durationMs": str(r.randint(1, 180)), "callerIpAddress": r.choice(w.ips),
            "correlationId": w.guid()}
    host = f"https://{vault}.vault.azure.net"
    if roll < 0.04:
        base.update({"operationName": "Authentication", "operationVersion": "7.4", "resultSignature": "Unauthorized",
                     "resultDescription": "", "identity": {},
                     "properties": {"clientInfo": r.choice(["azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.7; Ubuntu 22.04.4 LTS)",
                                                             "azsdk-python-keyvault-secrets/4.8.0 Python/3.11.9 (Linux-5.15.0-1064-azure-x86_64-with-glibc2.35)"]),
                                    "requestUri": f"{host}/secrets/app-config?api-version=7.4", "httpStatusCode": 401,
                                    "subnetId": "(unknown)"}})
        return base
    op = r.choice(KV_OPS)
    kind = r.choices(["user", "app", "mi"], [10, 50, 40])[0]
    oid = w.guid() if r.random() < 0.2 else f"8d116ece-1738-47d9-bd9c-17241{r.randint(1000000, 1000099)}"
    claim = {"oid": oid, "appid": f"04b07795-8ddb-461a-bbee-{r.randint(100000000000, 100000000040)}"}
    if kind == "user":
        claim.update({"scp": "user_impersonation", "appidacr": "0", "xms_az_nwperimid": [], "upn": f"user{r.randint(1, 50)}@contoso.com",
                      "ipaddr": r.choice(w.ips), "unique_name": f"user{r.randint(1, 50)}@contoso.com", "amr": "pwd",
                      "http://schemas.microsoft.com/identity/claims/tenantid": "72f988bf-86f1-41af-91ab-2d7cd011db47"})
    elif kind == "mi":
        claim.update({"idtyp": "app", "xms_mirid": f"/subscriptions/{SUB.lower()}/resourcegroups/{rg.lower()}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-{r.randint(1, 30)}",
                      "xms_az_rid": f"/subscriptions/{SUB.lower()}/resourcegroups/{rg.lower()}/providers/Microsoft.ContainerService/managedClusters/aks-prod",
                      "http://schemas.microsoft.com/identity/claims/tenantid": "72f988bf-86f1-41af-91ab-2d7cd011db47"})
    else:
        claim.update({"idtyp": "app", "appidacr": "2"})
    name = r.choice(["db-password", "api-key", "tls-cert", "storage-conn", "jwt-signing", "shared-redis", f"tenant-{r.randint(1, 300)}"])
    version = "".join(r.choices("0123456789abcdef", k=32))
    collection = "keys" if op.startswith("Key") else "certificates" if op.startswith("Certificate") else "secrets"
    props = {"clientInfo": r.choice(["azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.7; Ubuntu 22.04.4 LTS)",
                                     "FxVersion/8.0.724.31311 OSName/Linux OSVersion/Ubuntu.22.04.4.LTS Microsoft.Azure.KeyVault.KeyVaultClient/3.0.5",
                                     "azure-resource-manager/2.0"]),
             "tlsVersion": "TLS1_2", "isRbacAuthorized": True}
    if op.endswith("List"):
        props["requestUri"] = f"{host}/{collection}?api-version=7.4"
    elif op.startswith("Vault"):
        props["requestUri"] = f"https://management.azure.com/subscriptions/{SUB.lower()}/resourceGroups/{rg.lower()}/providers/Microsoft.KeyVault/vaults/{vault}?api-version=2023-07-01"
        props["id"] = f"{host}/"
    else:
        props["requestUri"] = f"{host}/{collection}/{name}/{version}?api-version=7.4"
        props["id"] = f"{host}/{collection}/{name}/{version}"
    if collection == "keys" and not op.endswith("List"):
        props["keyProperties"] = {"type": "RSA-HSM", "size": 2048, "attributes": {"hsmPlatform": "2"}}
        props["algorithm"] = "RSA-OAEP-256"
    status, sig, desc = 200, "OK", ""
    d = r.random()
    if d < 0.010:
        status, sig = 403, "Forbidden"
        why = r.choice(["rbac", "policy", "network"])
        if why == "rbac":
            props["isRbacAuthorized"] = False
            desc = ("Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n"
                    f"Caller: appid={claim['appid']};oid={oid};iss=https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/\r\n"
                    f"Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nResource: '/subscriptions/{SUB.lower()}/resourcegroups/{rg.lower()}/providers/microsoft.keyvault/vaults/{vault}/secrets/{name}'\r\n"
                    "Assignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: " + vault + ";location=westeurope\r\n")
        elif why == "policy":
            props.pop("isRbacAuthorized")
            props["isAccessPolicyMatch"] = False
            desc = (f"The user, group or application 'appid={claim['appid']};oid={oid};iss=https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/' "
                    f"does not have secrets get permission on key vault '{vault};location=westeurope'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287")
        else:
            props.pop("isRbacAuthorized")
            desc = "Client address is not authorized and caller is not a trusted service.\r\nClient address: 203.0.113.9\r\nCaller: appid=" + claim["appid"]
    elif d < 0.03:
        status, sig = 404, "Not Found"
        props["id"] = props.get("id", host + "/")
    elif op == "SecretNearExpiryEventGridNotification":
        claim = {}
    props["httpStatusCode"] = status
    base.update({"operationName": op, "operationVersion": "7.4", "resultSignature": sig, "resultDescription": desc,
                 "identity": {"claim": claim} if claim else {}, "properties": props})
    return base


def write_keyvault(w, out, n, start, days):
    hours = max(1, days * 24)
    per_blob = max(1, n // (hours * len(VAULTS)))
    written = 0
    blobs = 0
    h = 0
    while written < n:
        for vault, rg in VAULTS:
            if written >= n:
                break
            hour = start + dt.timedelta(hours=h % hours)
            count = min(per_blob, n - written)
            d = (f"{out}/resourceId=/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/{rg}/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{vault.upper()}"
                 f"/y={hour:%Y}/m={hour:%m}/d={hour:%d}/h={hour:%H}/m=00")
            os.makedirs(d, exist_ok=True)
            # Key Vault appends as events happen: a blob is in time order.
            times = sorted(hour + dt.timedelta(seconds=w.rnd.randint(0, 3599)) for _ in range(count))
            with open(f"{d}/PT1H.json", "a") as f:
                for t in times:
                    f.write(json.dumps(kv_record(w, vault, rg, t), separators=(",", ":")) + "\n")
            written += count
            blobs += 1
        h += 1
    return blobs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--cloudtrail", type=int, default=500_000)
    p.add_argument("--keyvault", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=20261122)
    p.add_argument("--days", type=int, default=7)
    p.add_argument("--per-file", type=int, default=2000)
    p.add_argument("--start", default="2026-11-01T00:00:00")
    a = p.parse_args()
    w = World(random.Random(a.seed))
    start = dt.datetime.fromisoformat(a.start)
    files = write_cloudtrail(w, a.out, a.cloudtrail, start, a.days, a.per_file) if a.cloudtrail else 0
    blobs = write_keyvault(w, a.out, a.keyvault, start, a.days) if a.keyvault else 0
    print(f"{a.out}: {a.cloudtrail} CloudTrail records in {files} files, {a.keyvault} Key Vault records in {blobs} blobs")


if __name__ == "__main__":
    main()
