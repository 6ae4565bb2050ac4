"""Uploads one file with tuspy (a third-party tus client), with sha1 chunk checksums and retries
after a cut connection, then resumes a second upload from its URL in a fresh uploader (as a new
process would). Usage: python tuspy_upload.py ENDPOINT TOKEN FILE CASE_ID
Prints one JSON line: {"url": ..., "resumed_url": ..., "resumed_from": ...}."""
import json
import sys

from tusclient import client

endpoint, token, path, case_id = sys.argv[1:5]
tus = client.TusClient(endpoint, headers={"Authorization": f"Bearer {token}"})
meta = {"filename": "vin.jpg", "case_id": case_id, "kind": "vin_plate"}

# 1. Whole file in 256 KiB chunks, each with Upload-Checksum; the proxy cuts one of them.
first = tus.uploader(path, chunk_size=256 * 1024, metadata=meta, retries=5, retry_delay=0.2, upload_checksum=True)
first.upload()

# 2. Stop halfway, then a fresh uploader resumes from the URL alone (HEAD, then PATCH).
size = first.get_file_size()
half = tus.uploader(path, chunk_size=128 * 1024, metadata=meta, retries=5, retry_delay=0.2)
half.upload(stop_at=size // 2)
resumed = tus.uploader(path, url=half.url, chunk_size=128 * 1024, retries=5, retry_delay=0.2)
resumed_from = resumed.offset
resumed.upload()
print(json.dumps({"url": first.url, "resumed_url": half.url, "resumed_from": resumed_from}))
