#!/usr/bin/env python3
"""The DuckDB peer: load the corpus's records into a DuckDB database file with read_json.

    duckdb_load.py DB CORPUS

CloudTrail files ({"Records": [...]}, gzip) become one row per record in `cloudtrail`, Key Vault
blobs (JSON Lines) one row per record in `keyvault`, each record as DuckDB's JSON type — the
closest DuckDB gets to "store every event" without a schema per event type. Prints the rows
loaded on stderr as "N events stored".
"""
import os
import sys

import duckdb

db, corpus = sys.argv[1], sys.argv[2]
connection = duckdb.connect(db)
cloudtrail = os.path.join(corpus, "AWSLogs", "**", "*_CloudTrail_*.json.gz")
keyvault = os.path.join(corpus, "resourceId=", "**", "PT1H.json")
connection.execute(f"""
    CREATE TABLE cloudtrail AS
    SELECT unnest(Records) AS record
    FROM read_json('{cloudtrail}', columns = {{'Records': 'JSON[]'}}, maximum_object_size = 268435456)
""")
connection.execute(f"""
    CREATE TABLE keyvault AS SELECT json AS record FROM read_json_objects('{keyvault}', format = 'newline_delimited')
""")
rows = connection.execute("SELECT (SELECT count(*) FROM cloudtrail) + (SELECT count(*) FROM keyvault)").fetchone()[0]
connection.close()
print(f"{rows:,} events stored", file=sys.stderr)
