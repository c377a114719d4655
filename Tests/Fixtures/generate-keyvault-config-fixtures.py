#!/usr/bin/env python3
"""Writes the fixture events of rules/keyvault-config.yaml's tests (rules/tests/keyvault-config-*.jsonl),
deterministically: Key Vault AuditEvent records of VaultGet and VaultPatch through ARM, shaped like the
sample-logs VaultPatch (itself shaped like Sekoia's test_event_vault_patch.json)."""
import json, os, uuid
from datetime import datetime, timedelta, timezone

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "rules", "tests")
SUBSCRIPTION = "6F2A9C1B-3D4E-4F50-8A61-7B8C9D0E1F2A"
ADMIN = {"http://schemas.microsoft.com/identity/claims/objectidentifier": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
         "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "ops-admin@contoso.example",
         "appid": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"}
counter = 0


def properties(default_action="Deny", bypass="AzureServices", soft_delete=True, retention=90, purge_protection=True,
               rbac=True):
    """A vault's properties as ARM returns them after a write."""
    return {"sku": {"family": "A", "name": "standard"}, "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "networkAcls": {"bypass": bypass, "defaultAction": default_action},
            "enabledForDeployment": False, "enabledForDiskEncryption": False, "enabledForTemplateDeployment": False,
            "enableSoftDelete": soft_delete, "softDeleteRetentionInDays": retention,
            "enableRbacAuthorization": rbac, "enablePurgeProtection": purge_protection}


def vault(time, vault_name, operation, vault_properties=None, status=200):
    """A VaultGet/VaultPatch record; `vault_properties` None for one that carries none."""
    global counter
    counter += 1
    resource_id = f"/SUBSCRIPTIONS/{SUBSCRIPTION}/RESOURCEGROUPS/RG-PAYMENTS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{vault_name.upper()}"
    props = {"clientInfo": "azure-resource-manager/2.0", "id": f"https://{vault_name}.vault.azure.net/",
             "requestUri": f"https://management.azure.com/subscriptions/{SUBSCRIPTION.lower()}/resourceGroups/rg-payments"
                           f"/providers/Microsoft.KeyVault/vaults/{vault_name}?api-version=2023-07-01"}
    if vault_properties is not None:
        props["properties"] = vault_properties
    props["httpStatusCode"] = status
    record = {"time": time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z"), "category": "AuditEvent", "operationName": operation,
              "resourceId": resource_id, "operationVersion": "2023-07-01",
              "resultType": "Success" if status < 400 else "Failure",
              "resultSignature": "OK" if status < 400 else "Forbidden", "resultDescription": "", "durationMs": "5",
              "callerIpAddress": "198.51.100.23", "correlationId": str(uuid.UUID(int=counter * 7919)),
              "identity": {"claim": ADMIN}, "properties": props}
    return json.dumps(record, separators=(",", ":"))


def write(name, lines):
    with open(os.path.join(ROOT, name), "w") as f:
        f.write("\n".join(lines) + "\n")


start = datetime(2026, 11, 20, 9, 0, 0, tzinfo=timezone.utc)
at = lambda minutes: start + timedelta(minutes=minutes)

write("keyvault-config-weakened.jsonl", [
    # kv-alpha's properties are learned from a read, then a patch opens its network and drops purge protection.
    vault(at(0), "kv-alpha", "VaultGet", properties()),
    vault(at(10), "kv-alpha", "VaultPatch", properties(default_action="Allow", purge_protection=False)),
    # kv-beta's first write seen: nothing known before, nothing weakened (low: what it now is).
    vault(at(20), "kv-beta", "VaultPatch", properties()),
    # A PATCH that carries only what it changes: the retention shortened from 90 to 30 days.
    vault(at(30), "kv-beta", "VaultPatch", {"softDeleteRetentionInDays": 30}),
    # RBAC switched off (back to access policies).
    vault(at(35), "kv-beta", "VaultPatch", properties(retention=30, rbac=False)),
    # A denied attempt to open kv-gamma: failed writes are the denial rules' business.
    vault(at(40), "kv-gamma", "VaultPatch", properties(default_action="Allow"), status=403),
])

write("keyvault-config-tightened.jsonl", [
    # kv-alpha is learned open, then tightened: low (a change), not high (nothing weakened).
    vault(at(0), "kv-alpha", "VaultGet", properties(default_action="Allow", bypass="None", retention=7,
                                                    purge_protection=False, rbac=False)),
    vault(at(10), "kv-alpha", "VaultPatch", properties(retention=7)),
    # The same properties patched again: nothing changed, no alert.
    vault(at(20), "kv-alpha", "VaultPatch", properties(retention=7)),
    # A read without properties (as Microsoft's sample VaultGet) teaches nothing and forgets nothing.
    vault(at(30), "kv-alpha", "VaultGet"),
    # A longer retention: a change, not a weakening.
    vault(at(40), "kv-alpha", "VaultPatch", properties(retention=30)),
])
