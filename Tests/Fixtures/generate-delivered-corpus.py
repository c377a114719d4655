#!/usr/bin/env python3
"""Writes a few hours of both clouds' audit logs ending at a given time, and the order in which
real pipelines would deliver them, for the test that a live daemon raises the alerts a backfill does
(Tests/KeywatchCLITests/LiveEqualsBackfillTests.swift).

  generate-delivered-corpus.py OUT --end EPOCH_SECONDS [--hours 4] [--seed 32]

The records are made by generate-sample-logs.py's builders (the same identities as rules/identities.yaml)
and moved to their own times. Steady traffic for every pipeline — AWS account 111122223333's trail,
Azure subscriptions SUB and SUB2 — and incidents that fire every default rule but `log-source-silent`
and `first-use-of-secret-or-key` (which learns for 7 days: longer than the corpus).

Delivery, as the clouds deliver:
- CloudTrail: one gzipped `{"Records":[…]}` file per 5 minutes of events, put in place whole 5–15
  minutes after its last event, named and filed by that delivery time (`…_20261120T0915Z_….json.gz`
  under the delivery date's folders), a minute or more after the trail's previous file;
- Key Vault: each hour's `PT1H.json` blob of JSON Lines, appended in pieces of two minutes of records,
  each 5–10 minutes after its last record, in order.

OUT gets `pieces/NNNNN` (a whole CloudTrail file, or the lines of one append) and `plan.jsonl`, one
delivery a line in order of delivery time: {"at": epoch seconds, "path": path under the tailed
folders (`cloudtrail/AWSLogs/…` or `keyvault/resourceId=/…`), "mode": "file"|"append", "piece": "pieces/NNNNN",
"events": records in the piece}. Deterministic for one `--end` and `--seed`.
"""
import argparse
import datetime as dt
import gzip
import importlib.util
import json
import os
import random
import string

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("samples", os.path.join(HERE, "generate-sample-logs.py"))
S = importlib.util.module_from_spec(spec)
spec.loader.exec_module(S)

SUB2 = "9B8A7C6D-5E4F-4A3B-9C2D-1E0F2A3B4C5D"
BATCH_KEY = "4b3c2d1e-0f9a-4b8c-8d7e-6f5a4b3c2d1e"
ORDERS_MI = "6e5d4c3b-2a19-4f08-9e7d-c6b5a4938271"   # in no namespace of rules/identities.yaml
WINDOW = 600


def iso(t, fraction=True):
    moment = dt.datetime.fromtimestamp(t, dt.timezone.utc)
    if fraction:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(round((t % 1) * 1e7)) % 10_000_000:07d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Corpus:
    def __init__(self, rnd):
        self.rnd = rnd
        self.cloudtrail = []   # (time, record)
        self.keyvault = []     # (time, subscription, resource group, vault, record)

    def kms(self, t, op, identity, key_id=S.PAYMENTS_KEY, **options):
        record = S.kms(op, 0, 0, identity, key_id=key_id, **options)
        record["eventTime"] = iso(int(t), fraction=False)
        self.cloudtrail.append((int(t), record))

    def sts(self, t, namespace, account, role, session):
        record = S.sts_web_identity(0, 0, namespace, account, role, session)
        record["eventTime"] = iso(int(t), fraction=False)
        self.cloudtrail.append((int(t), record))

    def kv(self, t, op, status, identity, props, vault="KV-PAYMENTS-PROD", rg="RG-PAYMENTS", subscription=S.SUB, **options):
        t = int(t) + self.rnd.randrange(10_000_000) / 1e7
        record = S.kv_record(op, 0, 0, status, identity, props, resource_vault=vault, rg=rg, **options)
        record["time"] = iso(t)
        record["resourceId"] = f"/SUBSCRIPTIONS/{subscription}/RESOURCEGROUPS/{rg}/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{vault}"
        self.keyvault.append((t, subscription, rg, vault, record))


def payments_role():
    return S.role_identity("payments-irsa", "1732093200000000001", True)


def checkout_role():
    return S.role_identity("checkout-irsa", "1732093260000000002", True)


def background(c, start, end):
    """Every pipeline sending steadily, nothing any default rule should raise."""
    rnd = c.rnd
    payments = S.mi(S.PAYMENTS_MI, S.PAYMENTS_MI_APP)
    checkout = S.mi(S.CHECKOUT_MI, S.CHECKOUT_MI_APP)
    plugin = S.mi(S.AKS_KMS_MI, "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
    export = S.role_identity("batch-export", "export-nightly")
    # Reads a vault of SUB2 only: a caller whose events come from blobs of one vault is judged
    # the same whichever order a backfill reads blobs of the same hour in.
    orders = S.mi(ORDERS_MI, "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a")
    for minute in range((end - start) // 60):
        m = start + minute * 60
        for k in range(rnd.randint(50, 70)):
            c.kms(m + rnd.randrange(60), ["Decrypt", "GenerateDataKey"][k % 2], payments_role())
        for _ in range(rnd.randint(1, 3)):
            c.kms(m + rnd.randrange(60), "Decrypt", checkout_role(), key_id=S.CHECKOUT_KEY, ip="10.0.14.7",
                  params={"keyId": f"arn:aws:kms:{S.REGION}:{S.ACCOUNT}:key/{S.CHECKOUT_KEY}"})
        c.kms(m + rnd.randrange(60), "GenerateDataKey", export, key_id=BATCH_KEY, ip="10.0.15.3",
              params={"keyId": f"arn:aws:kms:{S.REGION}:{S.ACCOUNT}:key/{BATCH_KEY}", "keySpec": "AES_256"})
        if minute % 20 == 0:
            c.sts(m + rnd.randrange(60), "payments", "payments-api", "payments-irsa", "1732093200000000001")
            c.sts(m + rnd.randrange(60), "checkout", "checkout-web", "checkout-irsa", "1732093260000000002")
        for k in range(15):
            name = ["db-password", "api-key", "stripe-webhook-secret"][(minute + k) % 3]
            c.kv(m + rnd.randrange(60), "SecretGet", 200, payments, S.secret("kv-payments-prod", name))
        for _ in range(10):
            c.kv(m + rnd.randrange(60), "KeyUnwrap", 200, plugin, S.key("kv-payments-prod", "etcd-kek", "unwrapkey"), ip="10.240.2.5")
        c.kv(m + rnd.randrange(60), "SecretGet", 200, checkout, S.secret("kv-platform", "shared-redis-password"),
             vault="KV-PLATFORM", rg="RG-PLATFORM", ip="10.240.3.12")
        for k in range(2):
            c.kv(m + rnd.randrange(60), "SecretGet", 200, orders, S.secret("kv-checkout-prod", ["session-key", "db-password"][k]),
                 vault="KV-CHECKOUT-PROD", rg="RG-CHECKOUT", subscription=SUB2, ip="10.240.3.12")
        if minute % 17 == 0:
            c.kv(m + rnd.randrange(60), "Authentication", 401, {}, {
                "clientInfo": "azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.10; Ubuntu 22.04.5 LTS)",
                "requestUri": "https://kv-payments-prod.vault.azure.net/secrets/db-password/?api-version=7.4", "subnetId": "(unknown)"})


def incidents(c, end):
    """One incident per default rule (but silence), each inside one 10-minute window. `w(k)` is the
    start of the k-th window before `last`, the window holding `end` − 7 minutes, whose incidents
    are spread over what of it is before `end` (7 to 10 minutes): some of them are delivered while
    the test runs, whichever part of a window the test starts in."""
    last = (end - 420) // WINDOW * WINDOW
    span = min(WINDOW, end - last) - 30

    def w(k):
        return last - k * WINDOW
    admin_agent = "aws-cli/2.22.0 md/awscrt#0.23.0 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6"
    admin = S.ADMIN
    analyst = S.user(S.ANALYST_OID, S.ANALYST_UPN)
    ops = S.user(S.ADMIN_OID, S.ADMIN_UPN)
    checkout = S.mi(S.CHECKOUT_MI, S.CHECKOUT_MI_APP)
    vault = "kv-payments-prod"
    # keyvault-config-weakened (the network opened to all), kms-key-policy-change
    c.kv(w(19) + 120, "VaultPatch", 200, {"claim": {
        "http://schemas.microsoft.com/identity/claims/objectidentifier": S.ADMIN_OID,
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": S.ADMIN_UPN, "appid": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"}}, {
        "clientInfo": "azure-resource-manager/2.0", "id": f"https://{vault}.vault.azure.net/",
        "properties": {"networkAcls": {"bypass": "AzureServices", "defaultAction": "Allow"}}}, version="2023-07-01", ip="198.51.100.23")
    # keyvault-config-change: the network closed again, a change that weakens nothing
    c.kv(w(19) + 160, "VaultPatch", 200, {"claim": {
        "http://schemas.microsoft.com/identity/claims/objectidentifier": S.ADMIN_OID,
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": S.ADMIN_UPN, "appid": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"}}, {
        "clientInfo": "azure-resource-manager/2.0", "id": f"https://{vault}.vault.azure.net/",
        "properties": {"networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny"}}}, version="2023-07-01", ip="198.51.100.23")
    # kms-key-policy-change, then kms-key-policy-foreign and kms-key-policy-public: the payments key's
    # policy edited, then shared with another account, then opened to everyone
    root = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{S.ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}
    def use_by(account, role):
        return {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:role/{role}"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}
    everyone = {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}
    for k, statements in [(19, [root, use_by(S.ACCOUNT, "payments-irsa")]),
                          (18, [root, use_by(S.ACCOUNT, "payments-irsa"), use_by(S.OTHER_ACCOUNT, "partner-reconciliation")]),
                          (17, [root, everyone])]:
        policy = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=4)
        c.kms(w(k) + 200, "PutKeyPolicy", admin, ip="198.51.100.23", user_agent=admin_agent,
              params={"keyId": S.PAYMENTS_KEY, "policyName": "default", "policy": policy, "bypassPolicyLockoutSafetyCheck": False})
    # kms-grant-created, kms-grant-change, first-denial (a guardrail)
    c.kms(w(16) + 100, "CreateGrant", admin, ip="198.51.100.23", user_agent=admin_agent,
          params={"keyId": f"arn:aws:kms:{S.REGION}:{S.ACCOUNT}:key/{S.PAYMENTS_KEY}",
                  "granteePrincipal": f"arn:aws:iam::{S.ACCOUNT}:role/payments-irsa", "operations": ["Decrypt"]})
    c.kms(w(16) + 150, "TagResource", admin, ip="198.51.100.23", user_agent=admin_agent,
          params={"keyId": S.PAYMENTS_KEY, "tags": [{"tagKey": "owner", "tagValue": "payments"}]})
    c.kms(w(16) + 300, "GenerateDataKey", S.role_identity("reporting-etl", "etl-hourly"), key_id=S.CHECKOUT_KEY, error=(
        "AccessDeniedException", f"User: arn:aws:sts::{S.ACCOUNT}:assumed-role/reporting-etl/etl-hourly is not authorized to perform: "
                                 f"kms:GenerateDataKey on resource: arn:aws:kms:{S.REGION}:{S.ACCOUNT}:key/{S.CHECKOUT_KEY} "
                                 "with an explicit deny in a service control policy"))
    # keyvault-backup: the administrator backs up three secrets
    for i in range(3):
        c.kv(w(18) + 60 + i * 40, "SecretBackup", 200, ops, S.secret(vault, f"tenant-{i + 1:02d}-connection"), ip="198.51.100.23")
    # decoy-touched: the analyst reads the bait secret identities.yaml lists
    c.kv(w(18) + 400, "SecretGet", 200, analyst, S.secret("kv-platform", "legacy-root-password"),
         vault="KV-PLATFORM", rg="RG-PLATFORM", ip="198.51.100.40")
    # kms-key-rotation-disabled
    c.kms(w(17) + 90, "DisableKeyRotation", admin, ip="198.51.100.23", user_agent=admin_agent, params={"keyId": S.PAYMENTS_KEY})
    # key-material-imported, in both clouds
    c.kms(w(15) + 60, "ImportKeyMaterial", admin, key_id=S.RETIRED_KEY, ip="198.51.100.23", user_agent=admin_agent,
          params={"keyId": S.RETIRED_KEY, "expirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"})
    c.kv(w(15) + 200, "KeyImport", 200, ops, S.key(vault, "byok-signing-key"), ip="198.51.100.23")
    # kms-key-replicated-new-region, kms-primary-region-new
    c.kms(w(14) + 120, "ReplicateKey", admin, ip="198.51.100.23", user_agent=admin_agent,
          params={"keyId": S.PAYMENTS_KEY, "replicaRegion": "us-west-2"})
    c.kms(w(13) + 120, "UpdatePrimaryRegion", admin, ip="198.51.100.23", user_agent=admin_agent,
          params={"keyId": S.PAYMENTS_KEY, "primaryRegion": "us-west-2"})
    # kms-failed-decrypt-rise: a role feeding KMS ciphertexts it cannot open, twelve times
    for i in range(12):
        c.kms(w(11) + 30 + i * 20, "Decrypt", S.role_identity("reporting-etl", "etl-hourly"), ip="10.0.15.9",
              params={"encryptionAlgorithm": "SYMMETRIC_DEFAULT"},
              error=("InvalidCiphertextException", ""))
    # denied-burst, cross-namespace-access and first-denial on Key Vault: six RBAC 403s
    for i in range(6):
        c.kv(w(12) + 60 + i * 60, "SecretGet", 403, checkout, dict(S.secret(vault, "db-password"), isRbacAuthorized=False),
             description="Caller is not authorized to perform action on resource.", ip="10.240.3.12")
    # workload-outside-profile (and cross-namespace-access): the KMS plugin's identity, there to wrap and
    # unwrap (kube-system's kms-plugin profile), reads the payments database password
    plugin = S.mi(S.AKS_KMS_MI, "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
    c.kv(w(8) + 90, "SecretGet", 200, plugin, S.secret(vault, "db-password"), ip="10.240.2.5")
    # keyvault-destruction, kms-key-destruction
    c.kv(w(9) + 30, "SecretDelete", 200, ops, S.secret(vault, "legacy-token"), ip="198.51.100.23")
    c.kms(w(9) + 400, "DisableKey", admin, key_id=S.RETIRED_KEY, ip="198.51.100.23", user_agent=admin_agent,
          params={"keyId": S.RETIRED_KEY})
    # kms-grant-to-other-account
    c.kms(w(6) + 250, "CreateGrant", admin, ip="198.51.100.23", user_agent=admin_agent,
          params={"keyId": f"arn:aws:kms:{S.REGION}:{S.ACCOUNT}:key/{S.PAYMENTS_KEY}",
                  "granteePrincipal": f"arn:aws:iam::{S.OTHER_ACCOUNT}:role/partner-reconciliation", "operations": ["Decrypt"]})
    # read-spike: checkout's identity, ~1 read a minute for hours, reads the shared secret 80 times
    for i in range(80):
        c.kv(w(2) + 10 + i * 7, "SecretGet", 200, checkout, S.secret("kv-platform", "shared-redis-password"),
             vault="KV-PLATFORM", rg="RG-PLATFORM", ip="10.240.3.12")
    # crypto-spike: the export job, ~1 call a minute for hours, makes 150
    export = S.role_identity("batch-export", "export-nightly")
    for i in range(150):
        c.kms(w(1) + 20 + i * 3.5, "GenerateDataKey", export, key_id=BATCH_KEY, ip="10.0.15.3",
              params={"keyId": f"arn:aws:kms:{S.REGION}:{S.ACCOUNT}:key/{BATCH_KEY}", "keySpec": "AES_256"})
    # mass-secret-retrieval: the analyst reads 24 tenant secrets, in the last window
    for i in range(24):
        c.kv(last + 10 + i * span // 24, "SecretGet", 200, analyst, dict(S.secret(vault, f"tenant-{i + 1:02d}-connection"),
                                                               clientInfo="azure-cli/2.66.0"), ip="198.51.100.40")
    # denied-burst, cross-namespace-access and first-denial on KMS, in the last window too
    arn = f"arn:aws:sts::{S.ACCOUNT}:assumed-role/checkout-irsa/1732093260000000002"
    for i in range(5):
        c.kms(last + 20 + i * span // 5, "Decrypt", checkout_role(), ip="10.0.14.7", error=(
            "AccessDenied", f"User: {arn} is not authorized to perform: kms:Decrypt on resource: "
                            f"arn:aws:kms:{S.REGION}:{S.ACCOUNT}:key/{S.PAYMENTS_KEY} because no identity-based policy allows the kms:Decrypt action"))
    c.kms(last + span, "ScheduleKeyDeletion", admin, key_id=S.RETIRED_KEY, ip="198.51.100.23", user_agent=admin_agent,
          params={"keyId": S.RETIRED_KEY, "pendingWindowInDays": 7})


def deliveries(c, rnd, end):
    """(delivery time, path, mode, payload bytes, events) for every file and append."""
    out = []
    records = sorted(((t, r) for t, r in c.cloudtrail if t < end), key=lambda line: line[0])
    last_delivery = 0
    for file_start in range(records[0][0] // 300 * 300, end, 300):
        batch = [r for t, r in records if file_start <= t < file_start + 300]
        if not batch:
            continue
        # A minute at least after the trail's previous file: file names, which carry the delivery
        # minute, sort in the order of delivery.
        delivered = max(last_delivery + 60, file_start + 300 + rnd.randint(300, 900))
        last_delivery = delivered
        name_time = dt.datetime.fromtimestamp(delivered, dt.timezone.utc)
        suffix = "".join(rnd.choice(string.ascii_letters + string.digits) for _ in range(16))
        path = (f"cloudtrail/AWSLogs/{S.ACCOUNT}/CloudTrail/{S.REGION}/{name_time:%Y/%m/%d}/"
                f"{S.ACCOUNT}_CloudTrail_{S.REGION}_{name_time:%Y%m%dT%H%MZ}_{suffix}.json.gz")
        body = json.dumps({"Records": batch}, separators=(",", ":")).encode()
        out.append((delivered, path, "file", gzip.compress(body, mtime=0), len(batch)))
    blobs = {}
    for t, subscription, rg, vault, record in c.keyvault:
        if t >= end:
            continue
        hour = dt.datetime.fromtimestamp(t, dt.timezone.utc)
        path = (f"keyvault/resourceId=/SUBSCRIPTIONS/{subscription}/RESOURCEGROUPS/{rg}/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{vault}/"
                f"y={hour:%Y}/m={hour:%m}/d={hour:%d}/h={hour:%H}/m=00/PT1H.json")
        blobs.setdefault(path, []).append((t, record))
    for path, lines in sorted(blobs.items()):
        lines.sort(key=lambda line: line[0])
        last_delivery = 0
        first = int(lines[0][0]) // 120 * 120
        for piece_start in range(first, int(lines[-1][0]) + 1, 120):
            piece = [r for t, r in lines if piece_start <= t < piece_start + 120]
            if not piece:
                continue
            delivered = max(last_delivery + 1, piece_start + 120 + rnd.randint(300, 600))
            last_delivery = delivered
            text = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in piece)
            out.append((delivered, path, "append", text.encode(), len(piece)))
    out.sort(key=lambda d: (d[0], d[1]))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--end", type=int, required=True, help="the newest event's time bound, epoch seconds (now)")
    parser.add_argument("--hours", type=float, default=4)
    parser.add_argument("--seed", type=int, default=32)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    start = args.end - int(args.hours * 3600)
    corpus = Corpus(rnd)
    background(corpus, start, args.end)
    incidents(corpus, args.end)
    os.makedirs(os.path.join(args.out, "pieces"), exist_ok=True)
    with open(os.path.join(args.out, "plan.jsonl"), "w") as plan:
        for n, (at, path, mode, payload, events) in enumerate(deliveries(corpus, rnd, args.end)):
            piece = f"pieces/{n:05d}"
            with open(os.path.join(args.out, piece), "wb") as f:
                f.write(payload)
            plan.write(json.dumps({"at": at, "path": path, "mode": mode, "piece": piece, "events": events}) + "\n")


if __name__ == "__main__":
    main()
