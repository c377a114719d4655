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
