#!/usr/bin/env python3
"""Writes N CloudTrail KMS Decrypt calls, each by a different IAM role, within ten minutes of
event time, as one gzip JSON Lines file: a million principals in live windows (each opens a group
of the per-principal key-operation spike rule)."""
import gzip
import sys

path, count = sys.argv[1], int(sys.argv[2])
with gzip.open(path, "wt", compresslevel=1) as out:
    for i in range(count):
        second = i * 600 // count
        out.write(
            '{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROA:s","accountId":"111122223333",'
            f'"arn":"arn:aws:sts::111122223333:assumed-role/role-{i:07d}/s","sessionContext":{{"sessionIssuer":'
            f'{{"type":"Role","arn":"arn:aws:iam::111122223333:role/role-{i:07d}"}}}}}},'
            f'"eventTime":"2026-11-20T09:{second // 60:02d}:{second % 60:02d}Z","eventSource":"kms.amazonaws.com",'
            '"eventName":"Decrypt","awsRegion":"us-east-1",'
            '"requestParameters":{"keyId":"arn:aws:kms:us-east-1:111122223333:key/6513270e-269e-4d37-b2a7-4de452e6b438"},'
            f'"eventID":"{i:08x}-0000-4000-8000-000000000000","eventType":"AwsApiCall","recipientAccountId":"111122223333"}}\n')
