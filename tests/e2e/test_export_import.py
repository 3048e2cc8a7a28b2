"""End-to-end tests of `ddbmigrate export` and `ddbmigrate import` against DynamoDB Local and
moto's S3, in the layout of AWS's "Export to S3" (docs/export-layout.md).

The judges are independent of ddbmigrate: boto3's low-level client reads the tables (numbers as
the strings DynamoDB answers with, binary as bytes), and Python's gzip, json and hashlib read
and check the exported files. Exports that must be broken on purpose are written here, by hand,
in AWS's layout with correct checksums except for the one thing each test breaks.

Fixtures in testdata/refdata/export/ are never modified: tests work on copies.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import zlib
from datetime import datetime, timezone
from pathlib import Path

import harness
from fault_proxy import FaultProxy
from harness import ServiceTestCase, ddbdata
from test_copy import (ALL_BYTES, attribute_size, big_item, count_items, diff_items,
                       every_type, exact_item, source_items_string_keys, summary_of,
                       unicode_attributes)

REFDATA = harness.REPO_ROOT / "testdata" / "refdata" / "export"
# A real AWS export (eu-central-1, 2024): the bucket root, its prefix and the export's folder.
REAL_BUCKET_ROOT = REFDATA / "scylla-migrator" / "test-bucket"
REAL_PREFIX = "dynamodb-export"
REAL_EXPORT_ID = "01715685260608-c488b4e1"
# Two incremental exports of an `orders` table, written by hand to AWS's layout.
INCREMENTAL_ROOT = REFDATA / "derived-incremental"

KEYS = [("pk", "HASH", "S"), ("sk", "RANGE", "N")]
ORDER_KEYS = [("order", "HASH", "S"), ("line", "RANGE", "N")]
MIB = 1 << 20

EXPORT_ID_RE = re.compile(r"^[0-9]{14}-[0-9a-f]{8}$")
DATA_FILE_RE = re.compile(r"^[a-z2-7]{26}\.json\.gz$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
FULL_SUMMARY_KEYS = ["version", "exportArn", "startTime", "endTime", "tableArn", "tableId",
                     "exportTime", "s3Bucket", "s3Prefix", "s3SseAlgorithm", "s3SseKmsKeyId",
                     "manifestFilesS3Key", "billedSizeBytes", "itemCount", "outputFormat"]
MANIFEST_FILE_KEYS = ["itemCount", "md5Checksum", "etag", "dataFileS3Key"]
# AWS's data file for an empty partition: the 20-byte gzip of nothing.
EMPTY_GZIP = bytes.fromhex("1f8b08000000000000ff03000000000000000000")


# ---------------------------------------------------------------------------------------------
# Checksums and files, as AWS computes them


def md5_base64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def multipart_etag(data: bytes, part_size: int) -> str:
    """The ETag S3 gives an object uploaded in parts of part_size bytes (the last one shorter):
    md5 over the concatenated binary part digests, then '-<parts>'."""
    parts = [data[i:i + part_size] for i in range(0, len(data), part_size)] or [b""]
    digests = b"".join(hashlib.md5(p).digest() for p in parts)
    return f"{hashlib.md5(digests).hexdigest()}-{len(parts)}"


def single_part_etag(data: bytes) -> str:
    return multipart_etag(data, max(1, len(data)))


def compact(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def gunzip_one_member(data: bytes) -> bytes:
    """The content of a gzip file that must be exactly one complete member, nothing after it."""
    inflater = zlib.decompressobj(wbits=31)
    out = inflater.decompress(data) + inflater.flush()
    if not inflater.eof:
        raise AssertionError("the gzip stream is truncated")
    if inflater.unused_data:
        raise AssertionError(f"{len(inflater.unused_data)} bytes follow the gzip member")
    return out


def item_line(item) -> str:
    """A full export's data line for an item in the low-level client's form."""
    return compact({"Item": ddbdata.item_to_wire(item)})


def data_file_name(seed: str) -> str:
    """26 lowercase base32 characters of 128 bits, as AWS names data files."""
    digest = hashlib.md5(seed.encode()).digest()
    return base64.b32encode(digest).decode().lower().rstrip("=") + ".json.gz"


def read_data_lines(data: bytes) -> list:
    """The parsed lines of a .json.gz data file (split at \\n only: JSON strings may hold
    U+2028 and other characters str.splitlines() would split at)."""
    text = gzip.decompress(data).decode("utf-8")
    return [json.loads(line) for line in text.split("\n") if line]


def items_of(files) -> list:
    """The items of full-export data lines (one list of lines per file), in the low-level
    client's form."""
    return [ddbdata.item_from_wire(json.loads(line)["Item"]) for file in files for line in file]


def iso_millis(text: str) -> int:
    t = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return round(t.timestamp() * 1000)


def upload_tree(s3, bucket, root: Path):
    """Puts every file under root into the bucket, its path relative to root as the key."""
    for path in sorted(root.rglob("*")):
        if path.is_file():
            s3.put_object(Bucket=bucket, Key=path.relative_to(root).as_posix(),
                          Body=path.read_bytes())


def item_size(item) -> int:
    return sum(attribute_size(k, v) for k, v in item.items())


# ---------------------------------------------------------------------------------------------
# Exports written by hand


class HandExport:
    """A full export in AWS's layout under a directory that plays the bucket root, written with
    Python's gzip, json and hashlib. Valid as written; a test then breaks one thing and calls
    write_manifests() when the manifests must agree with the broken file."""

    TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/handmade"

    def __init__(self, root, files, prefix=None, export_id="01790000000000-0a1b2c3d",
                 export_time="2026-09-01T10:00:00.000Z"):
        """files: one list per data file, of items (low-level client form) or ready-made lines."""
        self.root = Path(root)
        self.prefix = prefix
        self.export_id = export_id
        self.export_time = export_time
        self.folder = (f"{prefix}/" if prefix else "") + f"AWSDynamoDB/{export_id}/"
        self.data_keys, self.lines, self.counts = [], [], []
        self.put(self.folder + "_started", b"")
        for i, content in enumerate(files):
            lines = [c if isinstance(c, str) else item_line(c) for c in content]
            key = self.folder + "data/" + data_file_name(f"{export_id}/{i}")
            self.data_keys.append(key)
            self.lines.append(lines)
            self.counts.append(len(lines))
            self.put(key, gzip.compress("".join(line + "\n" for line in lines).encode(),
                                        compresslevel=6, mtime=0))
        self.write_manifests()

    def path(self, key) -> Path:
        return self.root / key

    def put(self, key, data: bytes):
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def get(self, key) -> bytes:
        return self.path(key).read_bytes()

    @property
    def files_key(self):
        return self.folder + "manifest-files.json"

    @property
    def summary_key(self):
        return self.folder + "manifest-summary.json"

    def write_manifests(self, summary_count=None):
        """(Re)writes both manifests and their .md5 files from the data files as they are now,
        with self.counts as the files' item counts."""
        entries = []
        for key, count in zip(self.data_keys, self.counts):
            data = self.get(key)
            entries.append({"itemCount": count, "md5Checksum": md5_base64(data),
                            "etag": single_part_etag(data), "dataFileS3Key": key})
        self.put_json(self.files_key, "".join(compact(e) + "\n" for e in entries))
        self.write_summary(sum(self.counts) if summary_count is None else summary_count)

    def write_summary(self, item_count):
        summary = {
            "version": "2020-06-30",
            "exportArn": f"{self.TABLE_ARN}/export/{self.export_id}",
            "startTime": "2026-09-01T10:00:00.000Z", "endTime": "2026-09-01T10:04:00.000Z",
            "tableArn": self.TABLE_ARN, "tableId": "0b5e1f7a-8c2d-4e3f-9a1b-2c3d4e5f6a7b",
            "exportTime": self.export_time, "s3Bucket": "handmade-exports",
            "s3Prefix": self.prefix, "s3SseAlgorithm": "AES256", "s3SseKmsKeyId": None,
            "manifestFilesS3Key": self.files_key, "billedSizeBytes": 0,
            "itemCount": item_count, "outputFormat": "DYNAMODB_JSON"}
        self.put_json(self.summary_key, compact(summary))

    def put_json(self, key, text):
        data = text.encode()
        self.put(key, data)
        self.put(key[:-len(".json")] + ".md5", md5_base64(data).encode())

    def data_name(self, index) -> str:
        return self.data_keys[index].rsplit("/", 1)[1]

    def add_incremental(self, export_id, window, files):
        """Writes an incremental export of the same table (window: exportFromTime and
        exportToTime) beside the full one; files: one list of change lines per data file.
        Returns the keys of its data files, which sit in the shared AWSDynamoDB/data/."""
        base = (f"{self.prefix}/" if self.prefix else "") + "AWSDynamoDB/"
        folder = f"{base}{export_id}/"
        self.put(folder + "_started", b"")
        keys, entries = [], []
        for i, changes in enumerate(files):
            key = base + "data/" + data_file_name(f"{export_id}/{i}")
            data = gzip.compress("".join(compact(c) + "\n" for c in changes).encode(), mtime=0)
            self.put(key, data)
            keys.append(key)
            entries.append({"itemCount": len(changes), "md5Checksum": md5_base64(data),
                            "etag": single_part_etag(data), "dataFileS3Key": key})
        self.put_json(folder + "manifest-files.json",
                      "".join(compact(e) + "\n" for e in entries))
        summary = {
            "version": "2023-08-01", "exportArn": f"{self.TABLE_ARN}/export/{export_id}",
            "startTime": window[1], "endTime": window[1], "tableArn": self.TABLE_ARN,
            "tableId": "0b5e1f7a-8c2d-4e3f-9a1b-2c3d4e5f6a7b", "exportFromTime": window[0],
            "exportToTime": window[1], "s3Bucket": "handmade-exports", "s3Prefix": self.prefix,
            "s3SseAlgorithm": "AES256", "s3SseKmsKeyId": None,
            "manifestFilesS3Key": folder + "manifest-files.json", "billedSizeBytes": 10000000,
            "itemCount": sum(len(c) for c in files), "outputFormat": "DYNAMODB_JSON",
            "outputView": "NEW_AND_OLD_IMAGES", "exportType": "INCREMENTAL_EXPORT"}
        self.put_json(folder + "manifest-summary.json", compact(summary))
        return keys


def change_line(stamp, keys, item, new=None, old=None):
    """An incremental export's line for the item's key (keys: a key schema); items in the
    low-level client's form."""
    line = {"Metadata": {"WriteTimestampMicros": {"N": str(stamp)}},
            "Keys": ddbdata.item_to_wire({n: item[n] for n, _, _ in keys})}
    if old is not None:
        line["OldImage"] = ddbdata.item_to_wire(old)
    if new is not None:
        line["NewImage"] = ddbdata.item_to_wire(new)
    return line


# ---------------------------------------------------------------------------------------------
# Incremental exports: the expected result, computed from the files


def incremental_chain(root: Path):
    """The incremental exports under root/AWSDynamoDB/ in window order, each as (summary,
    changes); changes are (WriteTimestampMicros, file order in the manifest, line number,
    line)."""
    chain = []
    for summary_path in sorted((root / "AWSDynamoDB").glob("*/manifest-summary.json")):
        summary = json.loads(summary_path.read_bytes())
        entries = [json.loads(line) for line in
                   (root / summary["manifestFilesS3Key"]).read_text().splitlines()]
        changes = []
        for file_index, entry in enumerate(entries):
            data = (root / entry["dataFileS3Key"]).read_bytes()
            for number, change in enumerate(read_data_lines(data), 1):
                stamp = int(change["Metadata"]["WriteTimestampMicros"]["N"])
                changes.append((stamp, file_index, number, change))
        chain.append((summary, changes))
    chain.sort(key=lambda e: e[0]["exportFromTime"])
    return chain


def apply_incremental(state: dict, chain, keys=ORDER_KEYS) -> int:
    """Applies the chain to state ({key: item in wire form}) by docs/export-layout.md section 5;
    returns the number of deletes an importer issues (per export, keys whose last change is a
    delete)."""
    deletes = 0
    for _, changes in chain:
        last = {}
        for stamp, file_index, number, change in sorted(changes, key=lambda c: c[:3]):
            key = ddbdata.item_key(ddbdata.item_from_wire(change["Keys"]), keys)
            last[key] = change
            if "NewImage" in change:
                state[key] = change["NewImage"]
            else:
                state.pop(key, None)
        deletes += sum("NewImage" not in c for c in last.values())
    return deletes


# ---------------------------------------------------------------------------------------------


class ExportImportTestBase(ServiceTestCase):

    def setUp(self):
        self.work = Path(tempfile.mkdtemp(prefix="work-", dir=self.home))

    def run_export(self, table, to, *extra, timeout=240):
        r = self.cli("export", "--table", table, "--to", to, "--output", "json", *extra,
                     timeout=timeout)
        return r, summary_of(r.stdout)

    def run_import(self, source, table, *extra, timeout=240, env=None):
        args = ["import", "--from", source, "--table", table, "--output", "json", *extra]
        if "--dead-letter" not in extra:
            args += ["--dead-letter", self.work / f"{table}-dead.jsonl"]
        r = self.cli(*args, timeout=timeout, env=env)
        return r, summary_of(r.stdout)

    def assert_ok(self, result, summary):
        self.assertEqual(result.code, 0,
                         f"stderr:\n{result.stderr}\nstdout:\n{result.stdout}")
        self.assertIsNotNone(summary, result.stdout)

    def assert_imported(self, result, summary, items, files=None):
        self.assert_ok(result, summary)
        self.assertEqual(summary["ItemsRead"], items, summary)
        self.assertEqual(summary["ItemsWritten"], items, summary)
        self.assertEqual(summary["ItemsDeadLettered"], 0, summary)
        self.assertEqual(summary["ItemsFromEarlierRuns"], 0, summary)
        self.assertIs(summary["Complete"], True, summary)
        if files is not None:
            self.assertEqual(summary["DataFiles"], files, summary)

    def assert_error(self, result, *fragments, code=1):
        """The exit code, and one stderr line 'ddbmigrate: error: ...' holding every fragment.
        A long run may print progress lines before it; nothing else."""
        self.assertEqual(result.code, code, f"stderr:\n{result.stderr}\nstdout:\n{result.stdout}")
        lines = [line for line in result.stderr.splitlines() if not line.startswith("progress: ")]
        self.assertEqual(len(lines), 1, f"expected one error line, got:\n{result.stderr}")
        self.assertTrue(lines[0].startswith("ddbmigrate: error: "), lines[0])
        self.assertEqual(result.stderr.splitlines()[-1], lines[0])
        for fragment in fragments:
            self.assertIn(fragment, lines[0])

    def put_items(self, table, items):
        """Writes items, those over 100 KB one at a time (25 would exceed a request's size)."""
        small = [i for i in items if item_size(i) < 100_000]
        self.write_items(table, small)
        ddb = self.dynamodb()
        for item in items:
            if item_size(item) >= 100_000:
                ddb.put_item(TableName=table, Item=item)

    def assert_items(self, table, expected):
        """The table holds exactly these items (low-level form), numbers compared by value as
        DynamoDB stores them, sets in any order, everything else exactly."""
        keys = ddbdata.key_schema(self.dynamodb(), table)
        result = ddbdata.compare_item_lists(expected, self.scan_all(table), keys)
        self.assertTrue(result.equal, f"{table}:\n{result.describe()}")

    def assert_same_key_schema(self, a, b):
        ddb = self.dynamodb()
        self.assertEqual(ddbdata.key_schema(ddb, a), ddbdata.key_schema(ddb, b))

    def make_bucket(self, label):
        name = f"{label}-{os.getpid()}-{random.randrange(1 << 30):x}"
        self.client("s3").create_bucket(Bucket=name)
        return name

    # --- checking an export written by ddbmigrate, independently ---

    def s3_reader(self, bucket):
        """get(key) and list_keys() for a bucket of moto's S3."""
        s3, objects = self.client("s3"), {}

        def get(key):
            if key not in objects:
                objects[key] = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            return objects[key]

        def list_keys():
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            return [o["Key"] for page in pages for o in page.get("Contents", [])]

        return get, list_keys

    def check_our_export(self, get, list_keys, prefix, bucket, export_id, table, part_size):
        """Checks an export by ddbmigrate read through get(key) -> bytes and list_keys() -> all
        keys. Returns (summary, manifest entries, data lines per file as text)."""
        self.assertRegex(export_id, EXPORT_ID_RE)
        folder = (f"{prefix}/" if prefix else "") + f"AWSDynamoDB/{export_id}/"
        keys = set(list_keys())
        self.assertEqual(get(folder + "_started"), b"", "_started must be empty")
        definition = json.loads(get(folder + "ddbmigrate-table.json"))
        self.assertIsInstance(definition, dict)

        summary_bytes = get(folder + "manifest-summary.json")
        self.assertFalse(summary_bytes.endswith(b"\n"), "manifest-summary.json ends with \\n")
        summary = json.loads(summary_bytes)
        self.assertEqual(list(summary), FULL_SUMMARY_KEYS)
        self.assertEqual(summary_bytes.decode(), compact(summary), "not compact JSON")
        self.assertEqual(get(folder + "manifest-summary.md5"), md5_base64(summary_bytes).encode())
        self.assertEqual(summary["version"], "2020-06-30")
        self.assertEqual(summary["outputFormat"], "DYNAMODB_JSON")
        desc = self.dynamodb().describe_table(TableName=table)["Table"]
        self.assertEqual(summary["tableArn"], desc["TableArn"])
        self.assertEqual(summary["exportArn"], f"{desc['TableArn']}/export/{export_id}")
        if "TableId" in desc:
            self.assertEqual(summary["tableId"], desc["TableId"])
        for name in ("startTime", "endTime", "exportTime"):
            self.assertRegex(summary[name], TIME_RE, name)
        self.assertEqual(summary["exportTime"], summary["startTime"])
        self.assertLessEqual(summary["startTime"], summary["endTime"])
        self.assertEqual(iso_millis(summary["startTime"]), int(export_id[:14]),
                         "the export id's time is not startTime in milliseconds")
        self.assertEqual(summary["s3Bucket"], bucket)
        self.assertEqual(summary["s3Prefix"], prefix)
        self.assertEqual(summary["billedSizeBytes"], 0)
        self.assertEqual(summary["manifestFilesS3Key"], folder + "manifest-files.json")

        files_bytes = get(folder + "manifest-files.json")
        self.assertEqual(get(folder + "manifest-files.md5"), md5_base64(files_bytes).encode())
        self.assertTrue(files_bytes.endswith(b"\n"), "manifest-files.json lacks its last \\n")
        entries, all_lines = [], []
        for text in files_bytes.decode().split("\n")[:-1]:
            entry = json.loads(text)
            self.assertEqual(list(entry), MANIFEST_FILE_KEYS, text)
            self.assertEqual(text, compact(entry))
            key = entry["dataFileS3Key"]
            self.assertTrue(key.startswith(folder + "data/"), key)
            self.assertRegex(key[len(folder + "data/"):], DATA_FILE_RE)
            data = get(key)
            self.assertEqual(entry["md5Checksum"], md5_base64(data), key)
            self.assertEqual(entry["etag"], multipart_etag(data, part_size), key)
            # gzip as documented: no flags, MTIME 0, OS 255, one member and nothing after it.
            self.assertEqual(data[:4], b"\x1f\x8b\x08\x00", key)
            self.assertEqual(data[4:8], b"\x00\x00\x00\x00", key)
            self.assertEqual(data[9], 255, key)
            text_bytes = gunzip_one_member(data)
            self.assertNotIn(b"\r", text_bytes)
            if text_bytes:
                self.assertTrue(text_bytes.endswith(b"\n"), key)
            lines = text_bytes.decode("utf-8").split("\n")[:-1] if text_bytes else []
            self.assertNotIn("", lines, f"{key} has a blank line")
            self.assertEqual(entry["itemCount"], len(lines), key)
            for line in lines:
                self.assertEqual(list(json.loads(line)), ["Item"], line[:200])
            entries.append(entry)
            all_lines.append(lines)
        data_keys = [e["dataFileS3Key"] for e in entries]
        self.assertEqual(len(set(data_keys)), len(data_keys), "a data file is listed twice")
        self.assertEqual(summary["itemCount"], sum(e["itemCount"] for e in entries))
        # Nothing but the documented objects, and every data file in the manifest.
        expected_keys = {folder + n for n in ("_started", "ddbmigrate-table.json",
                                              "manifest-files.json", "manifest-files.md5",
                                              "manifest-summary.json", "manifest-summary.md5")}
        self.assertEqual(keys, expected_keys | set(data_keys))
        return summary, entries, all_lines


# ---------------------------------------------------------------------------------------------


class RealAwsExportTest(ExportImportTestBase):
    """A real AWS export (no table definition, no .md5 files) imports with every type intact,
    from a directory and from S3."""

    MOTO = True

    def setUp(self):
        super().setUp()
        self.bucket_root = self.work / "test-bucket"
        shutil.copytree(REAL_BUCKET_ROOT, self.bucket_root)
        folder = self.bucket_root / REAL_PREFIX / "AWSDynamoDB" / REAL_EXPORT_ID
        entries = [json.loads(line) for line in
                   (folder / "manifest-files.json").read_text().splitlines()]
        self.expected = []  # the decoded data lines, in wire form
        for entry in entries:
            data = (self.bucket_root / entry["dataFileS3Key"]).read_bytes()
            self.expected += [line["Item"] for line in read_data_lines(data)]
        self.assertEqual(len(self.expected), 3)

    def assert_real_items(self, table):
        ddb = self.dynamodb()
        scanned = [ddbdata.item_to_wire(i) for i in self.scan_all(table)]
        self.assertEqual(sorted(map(exact_item, scanned)),
                         sorted(map(exact_item, self.expected)))
        for item in self.expected:
            got = ddb.get_item(TableName=table, Key=ddbdata.item_from_wire({"id": item["id"]}),
                               ConsistentRead=True).get("Item")
            self.assertIsNotNone(got, item["id"])
            self.assertEqual(exact_item(ddbdata.item_to_wire(got)), exact_item(item))
        types = {kind for item in scanned for v in item.values() for kind in v}
        self.assertTrue({"S", "N", "B", "BS", "SS", "NS", "L", "M", "NULL", "BOOL"} <= types,
                        types)
        self.assertEqual(ddbdata.key_schema(ddb, table), [("id", "HASH", "S")])

    def test_from_a_directory(self):
        prefix_dir = self.bucket_root / REAL_PREFIX
        export_dir = prefix_dir / "AWSDynamoDB" / REAL_EXPORT_ID
        for label, source in (("prefix directory", str(prefix_dir)),
                              ("file URL", f"file://{prefix_dir}"),
                              ("the export's own folder", str(export_dir))):
            with self.subTest(label):
                table = self.unique_table("real")
                r, summary = self.run_import(source, table, "--create-target",
                                             "--partition-key", "id:S")
                self.assert_imported(r, summary, 3, files=1)
                self.assertEqual(summary["Exports"], 1)
                self.assertIn("warning", r.stderr)  # no .md5 files beside the manifests
                self.assert_real_items(table)
        # The copy was only read.
        for path in REAL_BUCKET_ROOT.rglob("*"):
            if path.is_file():
                self.assertEqual(path.read_bytes(),
                                 (self.bucket_root / path.relative_to(REAL_BUCKET_ROOT))
                                 .read_bytes())

    def test_consumed_capacity_modes(self):
        """Checked on the wire, through a proxy that counts the requests asking for their
        consumed capacity."""
        source = str(self.bucket_root / REAL_PREFIX)
        table = self.unique_table("cap")

        def import_through_proxy(*extra):
            proxy = FaultProxy(self.ddb_endpoint, []).start()
            self.addCleanup(proxy.stop)
            r = self.cli("import", "--from", source, "--table", table, "--output", "json",
                         *extra, "--endpoint-url", proxy.endpoint, endpoint=False)
            summary = summary_of(r.stdout)
            self.assert_imported(r, summary, 3, files=1)
            self.assertEqual(proxy.stats["requests"]["BatchWriteItem"], 1, proxy.stats)
            return summary, proxy.stats["capacity_requested"].get("BatchWriteItem", 0)

        # With no write rate limit, the writes ask for no consumed capacity by default.
        summary, asked = import_through_proxy("--create-target", "--partition-key", "id:S",
                                              "--dead-letter", self.work / "default-dead.jsonl")
        self.assertEqual(asked, 0)
        self.assertNotIn("WriteCapacityUnits", summary)
        # `all` asks: at least one WCU per item of up to 1 KB.
        summary, asked = import_through_proxy("--consumed-capacity", "all",
                                              "--dead-letter", self.work / "all-dead.jsonl")
        self.assertEqual(asked, 1)
        self.assertGreaterEqual(summary["WriteCapacityUnits"], 3, summary)
        # The write rate limit is fed by the consumed capacity: `none` cannot go with it.
        r, _ = self.run_import(source, table, "--consumed-capacity", "none", "--write-rate", "5",
                               "--dead-letter", self.work / "none-dead.jsonl")
        self.assertNotEqual(r.code, 0)
        self.assertIn("--consumed-capacity none cannot go with --write-rate or --write-percent",
                      r.stderr)
        self.assertFalse((self.work / "none-dead.jsonl").exists())
        self.assert_real_items(table)

    def test_from_s3(self):
        bucket = self.make_bucket("real-export")
        upload_tree(self.client("s3"), bucket, self.bucket_root)
        for label, source, env in (
                ("prefix, endpoint by variable", f"s3://{bucket}/{REAL_PREFIX}",
                 self.env(AWS_ENDPOINT_URL_S3=self.moto_endpoint)),
                ("export's folder, endpoint by flag",
                 f"s3://{bucket}/{REAL_PREFIX}/AWSDynamoDB/{REAL_EXPORT_ID}/", None)):
            with self.subTest(label):
                table = self.unique_table("reals3")
                extra = () if env else ("--s3-endpoint-url", self.moto_endpoint)
                r, summary = self.run_import(source, table, "--create-target",
                                             "--partition-key", "id:S", *extra, env=env)
                self.assert_imported(r, summary, 3, files=1)
                self.assertEqual(summary["CompressedBytes"], 253, summary)
                self.assertIn("warning", r.stderr)  # no .md5 files beside the manifests
                self.assert_real_items(table)


class LargeDataFileTest(ExportImportTestBase):
    """A data file larger than import holds at once (8 MiB) is read by ranges: from moto's S3
    with real Range requests and from a directory, checked whole before anything is written."""

    MOTO = True
    RANGE = 8 << 20

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rng = random.Random(11)
        # Random binary barely compresses: 7,500 items make a file of about 9 MB.
        cls.items = [{"pk": {"S": f"big-{i:05d}"}, "sk": {"N": str(i)},
                      "blob": {"B": rng.randbytes(1200)}} for i in range(7500)]

    def setUp(self):
        super().setUp()
        self.export = HandExport(Path(tempfile.mkdtemp(prefix="large-", dir=self.work)),
                                 [self.items])
        size = len(self.export.get(self.export.data_keys[0]))
        self.assertGreater(size, self.RANGE, "the data file must be larger than one range")

    def sources(self, label):
        """The export as import reads it: (label, --from, extra flags) for a new bucket of
        moto's S3 holding it, and for its directory."""
        bucket = self.make_bucket(label)
        upload_tree(self.client("s3"), bucket, self.export.root)
        return (("s3", f"s3://{bucket}", ("--s3-endpoint-url", self.moto_endpoint)),
                ("directory", str(self.export.root), ()))

    def test_imports_from_s3_and_a_directory(self):
        for label, source, extra in self.sources("large-file"):
            with self.subTest(label):
                table = self.create_table(self.unique_table("large"), keys=KEYS)
                r, summary = self.run_import(source, table, *extra)
                self.assert_imported(r, summary, len(self.items), files=1)
                self.assertEqual(summary["CompressedBytes"],
                                 len(self.export.get(self.export.data_keys[0])), summary)
                self.assert_items(table, self.items)

    def test_a_checksum_found_wrong_at_the_end_writes_nothing(self):
        entry = json.loads(self.export.get(self.export.files_key))
        entry["md5Checksum"] = md5_base64(b"another file")
        self.export.put_json(self.export.files_key, compact(entry) + "\n")
        for label, source, extra in self.sources("large-bad"):
            with self.subTest(label):
                table = self.create_table(self.unique_table("largebad"), keys=KEYS)
                r, _ = self.run_import(source, table, *extra)
                self.assert_error(r, self.export.data_name(0), "does not match its manifest",
                                  "MD5")
                self.assertEqual(count_items(self.dynamodb(), table), 0, r.stderr)


class RoundTripTest(ExportImportTestBase):
    """export then import --create-target gives back the same table; ddbmigrate's manifests,
    checksums and data files are checked with Python alone."""

    MOTO = True

    def test_edge_case_items_through_a_directory(self):
        rng = random.Random(41)
        # Every type, extreme numbers, deep nesting, empty values, unicode, and of its 26 items
        # of about 399 KB the first six (one of each kind of bulk).
        items = [i for i in source_items_string_keys(rng)
                 if not (i["pk"]["S"].startswith("big \u00e9 ") and int(i["sk"]["N"]) >= 6)]
        items += ddbdata.generate_items(700, seed=7, start=150)
        src = self.create_table(self.unique_table("rtsrc"), keys=KEYS)
        self.put_items(src, items)
        out = self.work / "exports"
        r, summary = self.run_export(src, out, "--segments", "4", "--page-size", "200")
        self.assert_ok(r, summary)
        self.assertEqual(summary["Table"], src)
        self.assertEqual(summary["ItemCount"], len(items), summary)

        def list_keys():
            return [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]

        manifest, entries, lines = self.check_our_export(
            lambda key: (out / key).read_bytes(), list_keys, None, None, summary["ExportId"],
            src, 8 * MIB)
        self.assertEqual(summary["DataFiles"], len(entries))
        self.assertGreaterEqual(len(entries), 4)  # one file per segment at least
        self.assertEqual(manifest["itemCount"], len(items))
        self.assertEqual(summary["CompressedBytes"],
                         sum((out / e["dataFileS3Key"]).stat().st_size for e in entries))
        self.assertTrue(all(e["etag"].endswith("-1") for e in entries))
        self.assertIn(summary["ExportId"], summary["Location"])
        # The data lines are the table's items exactly, as DynamoDB answered them.
        source_items = self.scan_all(src)
        problem = diff_items(source_items, items_of(lines), ["pk", "sk"])
        self.assertEqual(problem, "", f"the data files differ from the table:\n{problem}")

        dst = self.unique_table("rtdst")
        # Key flags are for exports without a table definition: this one has one, and flags
        # that disagree with it are refused; flags that agree change nothing.
        r, _ = self.run_import(str(out), dst, "--create-target", "--partition-key", "pk:S")
        self.assert_error(r, "--partition-key/--sort-key give the key pk (S, HASH)",
                          "the export's table definition has pk (S, HASH), sk (N, RANGE)")
        self.assertNotIn(dst, self.dynamodb().list_tables()["TableNames"])
        r, isummary = self.run_import(str(out), dst, "--create-target", "--partition-key", "pk:S",
                                      "--sort-key", "sk:N")
        self.assert_imported(r, isummary, len(items), files=len(entries))
        self.assertEqual(isummary["Exports"], 1)
        self.assertEqual(isummary["CompressedBytes"], summary["CompressedBytes"])
        self.assert_same_key_schema(src, dst)
        # compare_tables' comparison (by DynamoDB's equality), then spelling for spelling.
        target_items = self.scan_all(dst)
        result = ddbdata.compare_item_lists(source_items, target_items, KEYS)
        self.assertTrue(result.equal, result.describe())
        problem = diff_items(source_items, target_items, ["pk", "sk"])
        self.assertEqual(problem, "", f"{dst} differs from {src}:\n{problem}")

    def test_a_location_ending_in_awsdynamodb_imports_what_was_exported_there(self):
        """export --to .../AWSDynamoDB nests the export's folder in another AWSDynamoDB/, as
        AWS does; import --from the same location finds it."""
        src = self.create_table(self.unique_table("adsrc"), keys=KEYS)
        items = ddbdata.generate_items(50, seed=11)
        self.put_items(src, items)
        s3 = ("--s3-endpoint-url", self.moto_endpoint)
        for to, extra in ((self.work / "nested" / "AWSDynamoDB", ()),
                          (f"s3://{self.make_bucket('nested')}/backups/AWSDynamoDB", s3)):
            with self.subTest(str(to)):
                r, summary = self.run_export(src, to, *extra)
                self.assert_ok(r, summary)
                self.assertIn("/AWSDynamoDB/AWSDynamoDB/", summary["Location"])
                dst = self.unique_table("addst")
                r, isummary = self.run_import(str(to), dst, "--create-target", *extra)
                self.assert_imported(r, isummary, len(items), files=summary["DataFiles"])
                self.assert_tables_equal(src, dst)

    def test_a_failed_export_still_prints_its_json_summary(self):
        """A scan export refused mid-way (AccessDenied on the second Scan) ends with its error
        line, and with --output json its summary says it is not complete and why."""
        src = self.create_table(self.unique_table("exfail"), keys=KEYS)
        self.put_items(src, ddbdata.generate_items(300, seed=4))
        proxy = FaultProxy(self.ddb_endpoint, [{"fault": "denied", "operations": ["Scan"],
                                                "every": 2}]).start()
        self.addCleanup(proxy.stop)
        r = self.cli("export", "--table", src, "--to", self.work / "refused", "--output", "json",
                     "--segments", "1", "--page-size", "100", "--endpoint-url", proxy.endpoint,
                     endpoint=False)
        self.assertEqual(r.code, 1, r.stderr)
        last = r.stderr.strip().splitlines()[-1]  # after the line announcing the export
        self.assertTrue(last.startswith("ddbmigrate: error: ") and "AccessDenied" in last, last)
        summary = summary_of(r.stdout)
        self.assertEqual(summary["Table"], src, summary)
        self.assertIs(summary["Complete"], False, summary)
        # The line the run ends with, operation and code included.
        self.assertEqual("ddbmigrate: error: " + summary["Error"], last)
        self.assertIn("dynamodb Scan: AccessDeniedException", summary["Error"], summary)
        self.assertIn("not authorized to perform: dynamodb:Scan", summary["Error"], summary)
        self.assertIn("has no manifest: delete it", summary["Error"], summary)
        self.assertTrue(summary["Location"].startswith(str(self.work / "refused")), summary)

    def test_export_consumed_capacity_modes(self):
        """Checked on the wire, through a proxy that counts the Scans asking for their consumed
        capacity."""
        src = self.create_table(self.unique_table("excap"), keys=KEYS)
        self.put_items(src, ddbdata.generate_items(300, seed=3))

        def export_through_proxy(label, *extra, output="json"):
            proxy = FaultProxy(self.ddb_endpoint, []).start()
            self.addCleanup(proxy.stop)
            r = self.cli("export", "--table", src, "--to", self.work / label, "--output", output,
                         "--segments", "2", "--page-size", "100", *extra,
                         "--endpoint-url", proxy.endpoint, endpoint=False)
            self.assertEqual(r.code, 0, r.stderr)
            scans = proxy.stats["requests"]["Scan"]
            self.assertGreaterEqual(scans, 4, proxy.stats)
            return r, scans, proxy.stats["capacity_requested"].get("Scan", 0)

        # With no read rate limit, no Scan asks by default, and the summary says so.
        r, _, asked = export_through_proxy("default")
        self.assertEqual(asked, 0)
        self.assertNotIn("ReadCapacityUnits", summary_of(r.stdout))
        r, _, asked = export_through_proxy("default-text", output="table")
        self.assertEqual(asked, 0)
        self.assertIn("consumed capacity not asked for (--consumed-capacity reads shows it)",
                      r.stdout)
        # `reads`, and a read rate limit (whose limiter is fed by the figure), ask on every Scan.
        for label, extra in (("reads", ("--consumed-capacity", "reads")),
                             ("limited", ("--read-rate", "100000"))):
            r, scans, asked = export_through_proxy(label, *extra)
            self.assertEqual(asked, scans, label)
            self.assertGreater(summary_of(r.stdout)["ReadCapacityUnits"], 0, label)
        r, _ = self.run_export(src, self.work / "none", "--consumed-capacity", "none",
                               "--read-rate", "5")
        self.assert_cli_error(r, "--consumed-capacity none cannot go with --read-rate or "
                                 "--read-percent")
        self.assertFalse((self.work / "none").exists())

    def test_empty_table_gives_aws_empty_files(self):
        src = self.create_table(self.unique_table("empty"), keys=[("id", "HASH", "B")])
        out = self.work / "empty-export"
        r, summary = self.run_export(src, f"file://{out}", "--segments", "3")
        self.assert_ok(r, summary)
        self.assertEqual(summary["ItemCount"], 0)

        def list_keys():
            return [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]

        _, entries, _ = self.check_our_export(lambda key: (out / key).read_bytes(), list_keys,
                                              None, None, summary["ExportId"], src, 8 * MIB)
        self.assertEqual(len(entries), 3)
        for e in entries:
            self.assertEqual((out / e["dataFileS3Key"]).read_bytes(), EMPTY_GZIP)
            self.assertEqual(e["md5Checksum"], "FjvgqIxwymKf1RbbqtrZag==")
            self.assertEqual(e["etag"], "7deb4078f238dd87d6af0538152c04e9-1")
            self.assertEqual(e["itemCount"], 0)
        dst = self.unique_table("emptydst")
        r, isummary = self.run_import(str(out), dst, "--create-target")
        self.assert_imported(r, isummary, 0, files=3)
        self.assert_same_key_schema(src, dst)
        self.assertEqual(count_items(self.dynamodb(), dst), 0)

    # --- S3, a key prefix, and data files of several parts ---

    def test_round_trip_through_s3_with_a_prefix(self):
        rng = random.Random(43)
        items = [{"pk": {"S": "types"}, "sk": {"N": "0"}, **every_type(rng)},
                 {"pk": {"S": "unicode \U0001F600"}, "sk": {"N": "-1E-130"},
                  **unicode_attributes(rng)},
                 {"pk": {"S": "empty"}, "sk": {"N": "1"}, "s": {"S": ""}, "b": {"B": b""},
                  "bs": {"BS": [b"", ALL_BYTES]}},
                 big_item({"pk": {"S": "big"}, "sk": {"N": "2"}}, "utf8", rng)]
        items += ddbdata.generate_items(400, seed=8)
        src = self.create_table(self.unique_table("s3src"), keys=KEYS)
        self.put_items(src, items)
        bucket, prefix = self.make_bucket("round-trip"), "some/prefix"
        # Three segments, two at a time: the third is read once one of them is done.
        r, summary = self.run_export(src, f"s3://{bucket}/{prefix}/", "--segments", "3",
                                     "--readers", "2", "--page-size", "100", "--s3-endpoint-url",
                                     self.moto_endpoint, "--debug")
        self.assert_ok(r, summary)
        self.assertEqual(summary["ItemCount"], len(items))
        # A fresh export only writes: s3:PutObject is the one permission it needs on the bucket.
        sent = set(re.findall(r"^debug: s3 (\w+) ->", r.stderr, re.MULTILINE))
        self.assertLessEqual(sent, {"PutObject", "CreateMultipartUpload", "UploadPart",
                                    "CompleteMultipartUpload"}, r.stderr[-3000:])
        self.assertIn("PutObject", sent)
        self.assertTrue(summary["Location"].startswith(f"s3://{bucket}/{prefix}/AWSDynamoDB/"),
                        summary)
        get, list_keys = self.s3_reader(bucket)
        _, entries, lines = self.check_our_export(get, list_keys, prefix, bucket,
                                                  summary["ExportId"], src, 8 * MIB)
        self.assertEqual(summary["DataFiles"], len(entries))
        problem = diff_items(self.scan_all(src), items_of(lines), ["pk", "sk"])
        self.assertEqual(problem, "", f"the data files differ from the table:\n{problem}")

        dst = self.unique_table("s3dst")
        r, isummary = self.run_import(f"s3://{bucket}/{prefix}", dst, "--create-target",
                                      "--s3-endpoint-url", self.moto_endpoint)
        self.assert_imported(r, isummary, len(items), files=len(entries))
        self.assert_same_key_schema(src, dst)
        self.assert_tables_equal(src, dst)

    _multipart_source = None  # (table, item count) in this class's DynamoDB Local

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._multipart_source = None

    def multipart_source(self):
        """A table whose one-segment export holds about 9.2 MiB of nearly incompressible JSON
        (random binary in base64, two or three items a page): --file-size 7 closes a data file
        of 7 to 8.5 MiB of JSON, over 5 MiB of gzip (two parts of 5 MiB), and starts another. Created once for the class."""
        if self._multipart_source is None:
            rng = random.Random(42)
            items = [big_item({"pk": {"S": f"bin {i:02d} \u00e9"}, "sk": {"N": str(i)}},
                              "binary", rng) for i in range(18)]
            items.append({"pk": {"S": "types"}, "sk": {"N": "0"}, **every_type(rng)})
            items += ddbdata.generate_items(100, seed=9)
            table = self.create_table(self.unique_table("mpsrc"), keys=KEYS)
            self.put_items(table, items)
            type(self)._multipart_source = (table, len(items))
        return self._multipart_source

    def check_multipart_export(self, src, count, summary, get, list_keys, prefix, bucket):
        self.assertEqual(summary["ItemCount"], count, summary)
        _, entries, lines = self.check_our_export(get, list_keys, prefix, bucket,
                                                  summary["ExportId"], src, 5 * MIB)
        self.assertGreaterEqual(len(entries), 2, "--file-size 7 did not start a second file")
        etags = [e["etag"] for e in entries]
        self.assertTrue([t for t in etags if not t.endswith("-1")], etags)
        for e in entries:
            data = get(e["dataFileS3Key"])
            parts = int(e["etag"].rsplit("-", 1)[1])
            self.assertEqual(parts, max(1, -(-len(data) // (5 * MIB))), e)
        # Each file ends with the page that took it past 7 MiB of JSON (a page of these items
        # holds at most three, under 2 MiB of JSON).
        for file in lines:
            self.assertLess(sum(len(line.encode()) + 1 for line in file), 9 * MIB)
        self.assertEqual(len([f for f in lines if sum(len(x.encode()) + 1 for x in f)
                              < 7 * MIB]), 1, "only a segment's last file may be short")
        problem = diff_items(self.scan_all(src), items_of(lines), ["pk", "sk"])
        self.assertEqual(problem, "", f"the data files differ from the table:\n{problem}")
        return entries

    def test_export_to_a_bucket_that_does_not_exist(self):
        """A fresh export does not look at its bucket first; its first write names the problem."""
        src = self.create_table(self.unique_table("nobkt"), keys=KEYS)
        self.put_items(src, ddbdata.generate_items(5, seed=3))
        bucket = f"no-such-bucket-{os.getpid()}"
        r = self.cli("export", "--table", src, "--to", f"s3://{bucket}/p", "--s3-endpoint-url",
                     self.moto_endpoint)
        self.assert_cli_error(r, f"bucket s3://{bucket} does not exist: check the bucket name")
        self.assertNotIn("unfinished export", r.stderr)

    def test_multipart_etags_in_a_directory(self):
        """A directory gets the ETags an S3 upload in --part-size parts would get."""
        src, count = self.multipart_source()
        out = self.work / "multipart"
        r, summary = self.run_export(src, out, "--segments", "1", "--page-size", "50",
                                     "--part-size", "5", "--file-size", "7")
        self.assert_ok(r, summary)

        def list_keys():
            return [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]

        entries = self.check_multipart_export(src, count, summary,
                                              lambda key: (out / key).read_bytes(), list_keys,
                                              None, None)
        dst = self.unique_table("mpdst")
        r, isummary = self.run_import(str(out), dst, "--create-target")
        self.assert_imported(r, isummary, count, files=len(entries))
        self.assert_tables_equal(src, dst)

    def test_multipart_upload_to_s3(self):
        src, count = self.multipart_source()
        bucket, prefix = self.make_bucket("multipart"), "deep/er/prefix"
        r, summary = self.run_export(src, f"s3://{bucket}/{prefix}", "--segments", "1",
                                     "--page-size", "50", "--part-size", "5",
                                     "--file-size", "7", "--s3-endpoint-url",
                                     self.moto_endpoint)
        self.assert_ok(r, summary)
        get, list_keys = self.s3_reader(bucket)
        entries = self.check_multipart_export(src, count, summary, get, list_keys, prefix,
                                              bucket)
        s3 = self.client("s3")
        for e in entries:  # S3's own ETag for each object proves how it was uploaded
            etag = s3.head_object(Bucket=bucket, Key=e["dataFileS3Key"])["ETag"].strip('"')
            if e["etag"].endswith("-1"):  # one part, or a plain PutObject
                plain = hashlib.md5(get(e["dataFileS3Key"])).hexdigest()
                self.assertIn(etag, (e["etag"], plain))
            else:
                self.assertEqual(etag, e["etag"])
        dst = self.unique_table("mps3dst")
        r, isummary = self.run_import(f"s3://{bucket}/{prefix}", dst, "--create-target",
                                      "--s3-endpoint-url", self.moto_endpoint)
        self.assert_imported(r, isummary, count, files=len(entries))
        self.assert_tables_equal(src, dst)


class ExportEncryptionTest(ExportImportTestBase):
    """--s3-sse-algorithm and --s3-sse-kms-key-id: every object of the export carries the
    encryption asked for (checked with head_object), the manifest records it, the export imports
    back; a resume must ask for the same encryption."""

    MOTO = True
    ITEMS = 300

    def setUp(self):
        super().setUp()
        self.items = ddbdata.generate_items(self.ITEMS, seed=31)
        self.src = self.create_table(self.unique_table("ssesrc"), keys=KEYS)
        self.write_items(self.src, self.items)

    def export_encrypted(self, bucket, prefix, *sse):
        r, summary = self.run_export(self.src, f"s3://{bucket}/{prefix}", "--segments", "2",
                                     "--page-size", "100", "--s3-endpoint-url",
                                     self.moto_endpoint, *sse)
        self.assert_ok(r, summary)
        return summary

    def assert_encrypted(self, bucket, algorithm, key_id):
        """Every object in the bucket has `algorithm` (S3's name) and, when given, `key_id`."""
        s3 = self.client("s3")
        _, list_keys = self.s3_reader(bucket)
        keys = list_keys()
        self.assertTrue(any(k.endswith(".json.gz") for k in keys), keys)
        self.assertTrue(any(k.endswith(".md5") for k in keys), keys)
        for key in keys:
            head = s3.head_object(Bucket=bucket, Key=key)
            self.assertEqual(head.get("ServerSideEncryption"), algorithm, key)
            if key_id is not None:
                self.assertEqual(head.get("SSEKMSKeyId"), key_id, key)

    def check_round_trip(self, bucket, prefix, summary, algorithm, key_id):
        get, list_keys = self.s3_reader(bucket)
        manifest, entries, _ = self.check_our_export(get, list_keys, prefix, bucket,
                                                     summary["ExportId"], self.src, 8 * MIB)
        self.assertEqual(manifest["s3SseAlgorithm"], algorithm)
        self.assertEqual(manifest["s3SseKmsKeyId"], key_id)
        dst = self.unique_table("ssedst")
        r, isummary = self.run_import(f"s3://{bucket}/{prefix}", dst, "--create-target",
                                      "--s3-endpoint-url", self.moto_endpoint)
        self.assert_imported(r, isummary, self.ITEMS, files=len(entries))
        self.assert_tables_equal(self.src, dst)

    def test_sse_aes256(self):
        bucket, prefix = self.make_bucket("sse-aes"), "enc"
        summary = self.export_encrypted(bucket, prefix, "--s3-sse-algorithm", "AES256")
        self.assert_encrypted(bucket, "AES256", None)
        for key in self.s3_reader(bucket)[1]():
            self.assertNotIn("SSEKMSKeyId", self.client("s3").head_object(Bucket=bucket, Key=key))
        self.check_round_trip(bucket, prefix, summary, "AES256", None)

    def test_sse_kms_with_a_key(self):
        key_arn = self.client("kms").create_key(Description="exports")["KeyMetadata"]["Arn"]
        bucket, prefix = self.make_bucket("sse-kms"), "enc"
        summary = self.export_encrypted(bucket, prefix, "--s3-sse-algorithm", "KMS",
                                        "--s3-sse-kms-key-id", key_arn)
        self.assert_encrypted(bucket, "aws:kms", key_arn)
        self.check_round_trip(bucket, prefix, summary, "KMS", key_arn)

    def test_sse_kms_with_the_aws_managed_key(self):
        bucket, prefix = self.make_bucket("sse-kms-default"), "enc"
        summary = self.export_encrypted(bucket, prefix, "--s3-sse-algorithm", "KMS")
        self.assert_encrypted(bucket, "aws:kms", None)
        get, _ = self.s3_reader(bucket)
        manifest = json.loads(get(f"{prefix}/AWSDynamoDB/{summary['ExportId']}/"
                                  "manifest-summary.json"))
        self.assertEqual(manifest["s3SseAlgorithm"], "KMS")
        self.assertIsNone(manifest["s3SseKmsKeyId"])

    def test_the_summary_counts_throttles_and_retries(self):
        proxy = FaultProxy(self.ddb_endpoint, [
            {"fault": "throttle", "operations": ["Scan"], "every": 2, "max_count": 2}]).start()
        self.addCleanup(proxy.stop)
        r = self.cli("export", "--table", self.src, "--to", str(self.work / "throttled"),
                     "--output", "json", "--endpoint-url", proxy.endpoint, endpoint=False)
        self.assertEqual(r.code, 0, r.stderr)
        summary = summary_of(r.stdout)
        self.assertEqual(proxy.fault_count("throttle"), 2, proxy.stats)
        self.assertEqual((summary["Throttles"], summary["Retries"]), (2, 2), summary)

    def test_the_summary_counts_the_retries_of_s3_calls(self):
        bucket = self.make_bucket("s3-retries")
        proxy = FaultProxy(self.moto_endpoint, [
            {"fault": "error503", "operations": ["S3"], "max_count": 2,
             "retry_after": None}]).start()
        self.addCleanup(proxy.stop)
        r = self.cli("export", "--table", self.src, "--to", f"s3://{bucket}/p", "--output",
                     "json", "--s3-endpoint-url", proxy.endpoint)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(proxy.fault_count("error503"), 2, proxy.stats)
        self.assertEqual(summary_of(r.stdout)["Retries"], 2, r.stdout)

    def test_sse_resume_must_encrypt_alike(self):
        bucket = self.make_bucket("sse-resume")
        checkpoint = self.work / "sse.checkpoint"
        base = ("export", "--table", self.src, "--to", f"s3://{bucket}/p", "--checkpoint",
                checkpoint, "--s3-endpoint-url", self.moto_endpoint)
        key = ("--s3-sse-algorithm", "KMS", "--s3-sse-kms-key-id", "alias/exports")
        r = self.cli(*base, *key)
        self.assertEqual(r.code, 0, r.stderr)
        for label, flags in (("none", ()), ("aes", ("--s3-sse-algorithm", "AES256")),
                             ("other key", ("--s3-sse-algorithm", "KMS", "--s3-sse-kms-key-id",
                                            "alias/other")),
                             ("managed key", ("--s3-sse-algorithm", "KMS"))):
            with self.subTest(label):
                r = self.cli(*base, "--resume", *flags)
                self.assert_cli_error(r, f"checkpoint {checkpoint} is of an export with "
                                      "--s3-sse-algorithm KMS --s3-sse-kms-key-id alias/exports; "
                                      "resume it with the same encryption flags")
                self.assertEqual(r.code, 1)
        r = self.cli(*base, "--resume", *key)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("had already finished", r.stderr)

        # And the other way round: an export without encryption resumes only without it.
        plain = self.work / "plain.checkpoint"
        r = self.cli(*base[:-4], "--checkpoint", plain, *base[-2:])
        self.assertEqual(r.code, 0, r.stderr)
        r = self.cli(*base[:-4], "--checkpoint", plain, *base[-2:], "--resume",
                     "--s3-sse-algorithm", "AES256")
        self.assert_cli_error(r, "is of an export without --s3-sse-algorithm; resume it with "
                              "the same encryption flags")
        # An export to S3's managed key names the key flag it lacks.
        managed = self.work / "managed.checkpoint"
        r = self.cli(*base[:-4], "--checkpoint", managed, *base[-2:], "--s3-sse-algorithm", "KMS")
        self.assertEqual(r.code, 0, r.stderr)
        r = self.cli(*base[:-4], "--checkpoint", managed, *base[-2:], "--resume", *key)
        self.assert_cli_error(r, "is of an export with --s3-sse-algorithm KMS and no "
                              "--s3-sse-kms-key-id (S3's AWS managed key); resume it with the "
                              "same encryption flags")

    def test_sse_usage_errors(self):
        s3 = f"s3://{self.make_bucket('sse-usage')}/p"
        local = str(self.work / "local")
        for args, fragment in (
                ((s3, "--s3-sse-algorithm", "aws:kms"),
                 "--s3-sse-algorithm must be AES256 or KMS, not 'aws:kms'"),
                ((s3, "--s3-sse-algorithm", "DSSE"),
                 "--s3-sse-algorithm must be AES256 or KMS, not 'DSSE'"),
                ((s3, "--s3-sse-kms-key-id", "alias/k"),
                 "--s3-sse-kms-key-id needs --s3-sse-algorithm KMS"),
                ((s3, "--s3-sse-algorithm", "AES256", "--s3-sse-kms-key-id", "alias/k"),
                 "--s3-sse-kms-key-id needs --s3-sse-algorithm KMS"),
                ((s3, "--s3-sse-algorithm", "KMS", "--s3-sse-kms-key-id", ""),
                 "--s3-sse-kms-key-id is empty"),
                ((local, "--s3-sse-algorithm", "AES256"),
                 "--s3-sse-algorithm applies to an S3 location (s3://bucket/prefix), not to the "
                 "directory"),
                ((local, "--s3-sse-algorithm", "KMS", "--s3-sse-kms-key-id", "alias/k"),
                 "--s3-sse-algorithm applies to an S3 location (s3://bucket/prefix), not to the "
                 "directory"),
                ((local, "--s3-sse-kms-key-id", "alias/k"),
                 "--s3-sse-kms-key-id needs --s3-sse-algorithm KMS")):
            with self.subTest(" ".join(args[1:])):
                s3_flags = ("--s3-endpoint-url", self.moto_endpoint) if args[0] == s3 else ()
                r = self.cli("export", "--table", self.src, "--to", args[0], *args[1:],
                             *s3_flags)
                self.assert_usage_error(r, fragment)
        self.assertFalse(Path(local).exists())


class IncrementalImportTest(ExportImportTestBase):
    """Two incremental exports (no full one) applied in window order, and inside each export in
    (WriteTimestampMicros, file, line) order, whatever the lines' positions."""

    def setUp(self):
        super().setUp()
        self.root = self.work / "incremental"
        shutil.copytree(INCREMENTAL_ROOT, self.root)
        self.chain = incremental_chain(self.root)

    def test_fixture_shape(self):
        """What the other test relies on: two chained incremental exports keyed by order (S) and
        line (N), with lines out of timestamp order inside a file."""
        self.assertEqual(len(self.chain), 2)
        self.assertEqual(self.chain[0][0]["exportToTime"], self.chain[1][0]["exportFromTime"])
        for summary, changes in self.chain:
            self.assertEqual(summary["exportType"], "INCREMENTAL_EXPORT")
            for _, _, _, change in changes:
                self.assertEqual({k: list(v) for k, v in change["Keys"].items()},
                                 {"order": ["S"], "line": ["N"]})
        out_of_order = any(
            a[1] == b[1] and a[2] < b[2] and a[0] > b[0]
            for _, changes in self.chain for a in changes for b in changes)
        self.assertTrue(out_of_order)

    def expected_after(self, initial):
        state = {ddbdata.item_key(ddbdata.item_from_wire(i), ORDER_KEYS): i for i in initial}
        deletes = apply_incremental(state, self.chain)
        return [ddbdata.item_from_wire(i) for i in state.values()], deletes

    def test_applied_in_write_timestamp_order(self):
        lines = sum(len(c) for _, c in self.chain)
        files = sum(len({c[1] for c in changes}) for _, changes in self.chain)
        seeded = [{"order": {"S": "o-3"}, "line": {"N": "1"}, "amount": {"N": "5"},
                   "status": {"S": "SHIPPED"}},
                  {"order": {"S": "o-9"}, "line": {"N": "2"}, "status": {"S": "UNTOUCHED"}}]
        for label, initial in (("new table", []), ("existing table", seeded)):
            with self.subTest(label):
                table = self.unique_table("incr")
                if initial:
                    self.create_table(table, keys=ORDER_KEYS)
                    self.write_items(table, [ddbdata.item_from_wire(i) for i in initial])
                    extra = ()
                else:
                    extra = ("--create-target", "--partition-key", "order:S",
                             "--sort-key", "line:N")
                expected, deletes = self.expected_after(initial)
                r, summary = self.run_import(str(self.root), table, *extra)
                self.assert_ok(r, summary)
                self.assertEqual(summary["Exports"], 2, summary)
                self.assertEqual(summary["DataFiles"], files, summary)
                self.assertEqual(summary["ItemsRead"], lines, summary)
                self.assertEqual(summary["Deletes"], deletes, summary)
                self.assertIs(summary["Complete"], True, summary)
                self.assert_items(table, expected)
                # The fixture's documented outcome.
                final = {i["order"]["S"]: i for i in self.scan_all(table)}
                self.assertNotIn("o-1", final)
                self.assertEqual(final["o-2"]["status"]["S"], "REFUNDED")
                self.assertEqual(final["o-2"]["amount"]["N"], "0")
                self.assertEqual(final["o-3"]["status"]["S"], "REOPENED")
                self.assertEqual(ddbdata.key_schema(self.dynamodb(), table),
                                 [("order", "HASH", "S"), ("line", "RANGE", "N")])


    def test_key_flags_that_do_not_fit_the_first_change_create_no_table(self):
        table = self.unique_table("incrkeys")
        for label, flags, fragment in (
                ("type", ("order:S", "line:S"), "Keys: key attribute line has type N"),
                ("no sort key", ("order:S",), "Keys: the key holds attribute line")):
            with self.subTest(label):
                extra = ["--create-target", "--partition-key", flags[0]]
                if len(flags) > 1:
                    extra += ["--sort-key", flags[1]]
                r, _ = self.run_import(str(self.root), table, *extra)
                self.assert_error(r, "line 1: " + fragment, f"table {table} was not created")
                self.assertNotIn(table, self.dynamodb().list_tables()["TableNames"])


class FullThenIncrementalImportTest(ExportImportTestBase):
    """A full export with incremental exports in one location: those whose window ended by the
    full export's exportTime are skipped with a warning (applied after it they would bring back
    older states); the others, the first starting by that time, are applied after it."""

    def test_incremental_exports_that_ended_before_the_full_one_are_skipped(self):
        items = ddbdata.generate_items(40, seed=31)
        export = HandExport(self.work / "chain", [items[:20], items[20:]],
                            export_time="2026-09-01T10:00:00.000Z")
        t = 1_788_000_000_000_000
        # Before the full export: older states of items 0-9 and the deletes of items 10-14.
        older = [change_line(t + n, KEYS, i, new={**i, "status": {"S": "older"}}, old=i)
                 for n, i in enumerate(items[:10])]
        deleted = [change_line(t + 100 + n, KEYS, i, old=i) for n, i in enumerate(items[10:15])]
        export.add_incremental("01788000000000-aaaaaaaa",
                               ("2026-09-01T09:30:00.000Z", "2026-09-01T09:45:00.000Z"),
                               [older, deleted])
        # Ending when the full export was taken: nothing newer than it either.
        export.add_incremental("01788000900000-bbbbbbbb",
                               ("2026-09-01T09:45:00.000Z", "2026-09-01T10:00:00.000Z"),
                               [[change_line(t + 200, KEYS, items[15], old=items[15])]])
        # Across the full export's time, then after it: applied, in this order.
        across = [change_line(t + 300 + n, KEYS, i, new={**i, "status": {"S": "newer"}}, old=i)
                  for n, i in enumerate(items[20:25])]
        after = [change_line(t + 400, KEYS, items[30], old=items[30]),
                 change_line(t + 401, KEYS, items[21],
                             new={**items[21], "status": {"S": "newest"}})]
        export.add_incremental("01788001500000-cccccccc",
                               ("2026-09-01T09:55:00.000Z", "2026-09-01T10:10:00.000Z"), [across])
        export.add_incremental("01788002100000-dddddddd",
                               ("2026-09-01T10:10:00.000Z", "2026-09-01T10:20:00.000Z"), [after])

        table = self.create_table(self.unique_table("fullincr"), keys=KEYS)
        r, summary = self.run_import(str(export.root), table)
        self.assert_ok(r, summary)
        self.assertEqual(summary["Exports"], 3, summary)
        self.assertEqual(summary["ItemsRead"], 40 + len(across) + len(after), summary)
        self.assertIs(summary["Complete"], True, summary)
        for skipped in ("01788000000000-aaaaaaaa", "01788000900000-bbbbbbbb"):
            self.assertRegex(r.stderr, rf"ddbmigrate: warning: incremental export {skipped} "
                             r"\(changes from .* to .*\) ended before full export "
                             rf"{export.export_id} was taken \(2026-09-01T10:00:00.000Z\): "
                             r"skipped")
        self.assertNotIn("cccccccc) ended", r.stderr)
        state = {ddbdata.item_key(i, KEYS): ddbdata.item_to_wire(i) for i in items}
        chain = [(None, [(int(c["Metadata"]["WriteTimestampMicros"]["N"]), 0, n, c)
                         for n, c in enumerate(lines, 1)]) for lines in (across, after)]
        apply_incremental(state, chain, KEYS)
        expected = [ddbdata.item_from_wire(i) for i in state.values()]
        self.assert_items(table, expected)
        # What the skipped exports would have undone is there.
        final = {ddbdata.item_key(i, KEYS): i for i in self.scan_all(table)}
        for item in items[:16]:
            key = ddbdata.item_key(item, KEYS)
            self.assertIn(key, final)
            self.assertNotEqual(final[key].get("status"), {"S": "older"})
        self.assertEqual(final[ddbdata.item_key(items[21], KEYS)]["status"], {"S": "newest"})
        self.assertNotIn(ddbdata.item_key(items[30], KEYS), final)

    def test_a_gap_after_the_full_export_is_refused(self):
        items = ddbdata.generate_items(10, seed=32)
        export = HandExport(self.work / "gap", [items], export_time="2026-09-01T10:00:00.000Z")
        export.add_incremental("01788000000000-aaaaaaaa",
                               ("2026-09-01T09:30:00.000Z", "2026-09-01T09:50:00.000Z"),
                               [[change_line(1, KEYS, items[0], old=items[0])]])
        export.add_incremental("01788002100000-dddddddd",
                               ("2026-09-01T10:05:00.000Z", "2026-09-01T10:20:00.000Z"),
                               [[change_line(2, KEYS, items[1], old=items[1])]])
        table = self.create_table(self.unique_table("fullgap"), keys=KEYS)
        r, _ = self.run_import(str(export.root), table)
        self.assertEqual(r.code, 1, r.stderr)
        self.assertIn("ddbmigrate: error: incremental export 01788002100000-dddddddd starts at "
                      "2026-09-01T10:05:00.000Z, after full export", r.stderr)
        self.assertEqual(count_items(self.dynamodb(), table), 0)


class UnfinishedExportImportTest(ExportImportTestBase):
    """An export folder with _started or data/ but no manifest-summary.json (an export still
    running, or stopped) beside a finished one is skipped with a warning naming it; picked with
    --export-id it is an error saying it is unfinished."""

    MOTO = True
    UNFINISHED = "01790000900000-0badf00d"

    def make(self, label):
        items = ddbdata.generate_items(30, seed=41)
        export = HandExport(self.work / label, [items])
        # A newer export stopped before its manifests: _started and one data file.
        folder = f"AWSDynamoDB/{self.UNFINISHED}/"
        export.put(folder + "_started", b"")
        export.put(folder + "data/" + data_file_name("unfinished"),
                   gzip.compress(item_line(items[0]).encode() + b"\n", mtime=0))
        return export, items, folder

    def check(self, source, where, items, extra=()):
        """where: how the unfinished export's folder is named in messages."""
        table = self.create_table(self.unique_table("unf"), keys=KEYS)
        r, summary = self.run_import(source, table, *extra)
        self.assert_imported(r, summary, len(items), files=1)
        self.assertEqual(summary["Exports"], 1, summary)
        warnings = [line for line in r.stderr.splitlines()
                    if line.startswith("ddbmigrate: warning: ")]
        self.assertEqual(len(warnings), 1, r.stderr)
        self.assertIn(f"skipped the unfinished export {where}: it has no manifest-summary.json",
                      warnings[0])
        self.assertIn("--resume", warnings[0])
        self.assert_items(table, items)

        # Picked by id, it is unfinished, not absent; nothing is written.
        table = self.create_table(self.unique_table("unfid"), keys=KEYS)
        r, _ = self.run_import(source, table, "--export-id", self.UNFINISHED, *extra)
        self.assert_error(r, f"export {self.UNFINISHED} ({where}) is unfinished",
                          "no manifest-summary.json")
        self.assertNotIn("no export", r.stderr)
        self.assertEqual(count_items(self.dynamodb(), table), 0)

    def test_in_a_directory(self):
        export, items, folder = self.make("dir")
        self.check(str(export.root), f"{export.root}/{folder}", items)

    def test_in_s3(self):
        export, items, folder = self.make("s3")
        bucket = self.make_bucket("unfinished")
        upload_tree(self.client("s3"), bucket, export.root)
        self.check(f"s3://{bucket}", f"s3://{bucket}/{folder}", items,
                   extra=("--s3-endpoint-url", self.moto_endpoint))


class NativeTransferTest(ExportImportTestBase):
    """export --native and import --native: against moto, which serves ExportTableToPointInTime
    and ImportTable (and runs them at once), their JSON summaries after a success, a failed
    job and a failed DescribeImport; against DynamoDB Local, which has neither, one line saying
    to drop --native."""

    MOTO = True

    def moto_cli(self, *args, endpoint=None):
        """The binary with moto as DynamoDB (or `endpoint`, a proxy in front of it) and S3."""
        return self.cli(*args, "--output", "json", "--endpoint-url", endpoint or self.moto_endpoint,
                        "--s3-endpoint-url", self.moto_endpoint, endpoint=False)

    def upload_export(self, label, lines):
        export = HandExport(self.work / label, [lines])
        bucket = self.make_bucket(label)
        upload_tree(self.client("s3"), bucket, export.root)
        return export, bucket

    @staticmethod
    def simple_items(count):
        return [{"pk": {"S": f"k{i}"}, "sk": {"N": str(i)}, "v": {"S": "x" * i}}
                for i in range(count)]

    def native_import(self, bucket, table, endpoint=None):
        return self.moto_cli("import", "--from", f"s3://{bucket}", "--table", table, "--native",
                             "--create-target", "--partition-key", "pk:S", "--sort-key", "sk:N",
                             endpoint=endpoint)

    def assert_native_import_summary(self, output, summary, bucket, export, table,
                                     interrupted=False):
        """output: what to show when there is no summary."""
        self.assertIsNotNone(summary, f"no JSON summary on stdout:\n{output}")
        self.assertEqual(summary["Source"], f"s3://{bucket}", summary)
        self.assertEqual(summary["Table"], table, summary)
        self.assertEqual(summary["ExportId"], export.export_id, summary)
        self.assertRegex(summary["ImportArn"], f":table/{table}/import/", summary)
        self.assertEqual(summary["TargetSettingsNotApplied"], [], summary)
        self.assertIsInstance(summary["Seconds"], (int, float), summary)
        self.assertIs(summary["Interrupted"], interrupted, summary)

    def assert_failed_with_summary(self, r, summary, *fragments):
        """Exit 1, the error as stderr's last line, and the same error as the summary's."""
        self.assertEqual(r.code, 1, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        self.assertIs(summary["Complete"], False, summary)
        last = r.stderr.splitlines()[-1]
        self.assertEqual(last, "ddbmigrate: error: " + summary["Error"])
        for fragment in fragments:
            self.assertIn(fragment, summary["Error"])

    def test_import_prints_its_summary(self):
        items = self.simple_items(5)
        export, bucket = self.upload_export("nimp", [item_line(i) for i in items])
        table = self.unique_table("nimp")
        r = self.native_import(bucket, table)
        summary = summary_of(r.stdout)
        self.assert_ok(r, summary)
        self.assert_native_import_summary(r.stdout + r.stderr, summary, bucket, export, table)
        self.assertEqual(summary["ImportStatus"], "COMPLETED", summary)
        self.assertEqual(summary["ItemsRead"], 5, summary)
        self.assertEqual(summary["ItemsWritten"], 5, summary)
        self.assertEqual(summary["ErrorCount"], 0, summary)
        self.assertIs(summary["Complete"], True, summary)
        self.assertNotIn("Error", summary)
        self.assertEqual(len(r.stdout.splitlines()), 1, r.stdout)

        # Text output: one line saying what was imported.
        table = self.unique_table("nimpt")
        r = self.cli("import", "--from", f"s3://{bucket}", "--table", table, "--native",
                     "--create-target", "--partition-key", "pk:S", "--sort-key", "sk:N",
                     "--endpoint-url", self.moto_endpoint, "--s3-endpoint-url",
                     self.moto_endpoint, endpoint=False)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertRegex(r.stdout, rf"^imported 5 items of export {export.export_id} into "
                                   rf"{table} \(0 errors\), [0-9.]+ s\n$")

    def test_a_failed_import_prints_its_summary_with_the_error(self):
        # moto puts the items one by one and fails the import when one is refused: here a
        # sort key of the wrong type.
        lines = [item_line(i) for i in self.simple_items(3)]
        lines.append(compact({"Item": {"pk": {"S": "bad"}, "sk": {"S": "not a number"}}}))
        export, bucket = self.upload_export("nfail", lines)
        table = self.unique_table("nfail")
        r = self.native_import(bucket, table)
        summary = summary_of(r.stdout)
        self.assert_native_import_summary(r.stdout + r.stderr, summary, bucket, export, table)
        self.assert_failed_with_summary(r, summary, summary["ImportArn"], "has status FAILED",
                                        "Type mismatch for key sk")
        self.assertEqual(summary["ImportStatus"], "FAILED", summary)
        self.assertEqual(summary["ItemsRead"], 4, summary)
        self.assertEqual(summary["ItemsWritten"], 3, summary)
        self.assertEqual(summary["ErrorCount"], 1, summary)

    def test_a_failed_describe_import_prints_the_summary_with_the_error(self):
        export, bucket = self.upload_export("ndesc", [item_line(i) for i in
                                                      self.simple_items(2)])
        proxy = FaultProxy(self.moto_endpoint,
                           [{"fault": "denied", "operations": ["DescribeImport"]}]).start()
        self.addCleanup(proxy.stop)
        table = self.unique_table("ndesc")
        r = self.native_import(bucket, table, endpoint=proxy.endpoint)
        summary = summary_of(r.stdout)
        self.assert_native_import_summary(r.stdout + r.stderr, summary, bucket, export, table)
        self.assert_failed_with_summary(r, summary, "DescribeImport", "AccessDeniedException")
        # The status ImportTable answered: moto may have finished the import by then. One
        # still IN_PROGRESS may go on, and the error says how to follow it.
        self.assertIn(summary["ImportStatus"], ("IN_PROGRESS", "COMPLETED"), summary)
        if summary["ImportStatus"] == "IN_PROGRESS":
            self.assertIn("may still be running in DynamoDB: `aws dynamodb describe-import "
                          f"--import-arn {summary['ImportArn']}` tells", summary["Error"])

    def test_ctrl_c_while_waiting_prints_the_summary_interrupted(self):
        export, bucket = self.upload_export("nstop", [item_line(i) for i in
                                                      self.simple_items(2)])
        # Every DescribeImport throttled: the wait goes on until Ctrl-C.
        proxy = FaultProxy(self.moto_endpoint,
                           [{"fault": "throttle", "operations": ["DescribeImport"]}]).start()
        self.addCleanup(proxy.stop)
        table = self.unique_table("nstop")
        proc, out, err = self.start_cli(
            ["import", "--from", f"s3://{bucket}", "--table", table, "--native",
             "--create-target", "--partition-key", "pk:S", "--sort-key", "sk:N", "--output",
             "json", "--endpoint-url", proxy.endpoint, "--s3-endpoint-url", self.moto_endpoint],
            "nstop", directory=self.work)
        deadline = time.monotonic() + 60
        while (time.monotonic() < deadline and proc.poll() is None
               and proxy.fault_count("throttle") < 1):
            time.sleep(0.05)
        self.assertIsNone(proc.poll(), "the import ended before it could be stopped:\n"
                          + self.read_text(err))
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=60), 130, self.read_text(err))
        summary = summary_of(self.read_text(out))
        self.assert_native_import_summary(self.read_text(out) + self.read_text(err), summary,
                                          bucket, export, table, interrupted=True)
        # The status last read: moto may finish the import before ImportTable answers.
        self.assertIn(summary["ImportStatus"], ("IN_PROGRESS", "COMPLETED"), summary)
        self.assertIs(summary["Complete"], False, summary)
        self.assertNotIn("Error", summary)

    def moto_table_with_recovery(self, label, count):
        ddb = self.client("dynamodb", endpoint=self.moto_endpoint)
        table = self.unique_table(label)
        ddbdata.create_table(ddb, table, KEYS)
        ddb.update_continuous_backups(
            TableName=table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        for item in self.simple_items(count):
            ddb.put_item(TableName=table, Item=item)
        return table

    def test_a_failed_export_prints_its_summary_with_the_error(self):
        table = self.moto_table_with_recovery("nexpf", 2)
        bucket = self.make_bucket("nexpf")
        # moto looks for the bucket in the owner's account, where there is none: FAILED.
        r = self.moto_cli("export", "--table", table, "--to", f"s3://{bucket}/p", "--native",
                          "--s3-bucket-owner", "111122223333")
        summary = summary_of(r.stdout)
        self.assertIsNotNone(summary, r.stdout + r.stderr)
        self.assert_failed_with_summary(r, summary, summary["ExportArn"], "has status FAILED",
                                        "S3NoSuchBucket")
        self.assertEqual(summary["Table"], table, summary)
        self.assertEqual(summary["ExportStatus"], "FAILED", summary)
        self.assertIs(summary["Interrupted"], False, summary)

        # A DescribeExport refused.
        proxy = FaultProxy(self.moto_endpoint,
                           [{"fault": "denied", "operations": ["DescribeExport"]}]).start()
        self.addCleanup(proxy.stop)
        r = self.moto_cli("export", "--table", table, "--to", f"s3://{bucket}/q", "--native",
                          endpoint=proxy.endpoint)
        summary = summary_of(r.stdout)
        self.assertIsNotNone(summary, r.stdout + r.stderr)
        self.assert_failed_with_summary(r, summary, "DescribeExport", "AccessDeniedException")
        # As for imports, moto may answer the ExportTableToPointInTime with the export done.
        self.assertIn(summary["ExportStatus"], ("IN_PROGRESS", "COMPLETED"), summary)
        if summary["ExportStatus"] == "IN_PROGRESS":
            self.assertIn("may still be running in DynamoDB: `aws dynamodb describe-export "
                          f"--export-arn {summary['ExportArn']}` tells", summary["Error"])

    def test_export_prints_its_summary(self):
        table = self.moto_table_with_recovery("nexp", 4)
        bucket = self.make_bucket("nexp")
        r = self.moto_cli("export", "--table", table, "--to", f"s3://{bucket}/p", "--native")
        summary = summary_of(r.stdout)
        self.assert_ok(r, summary)
        self.assertEqual(summary["Table"], table, summary)
        self.assertEqual(summary["ExportStatus"], "COMPLETED", summary)
        self.assertEqual(summary["ItemCount"], 4, summary)
        self.assertTrue(summary["ExportArn"], summary)
        # moto's ExportArn names no export id: the location is then the --to.
        self.assertEqual(summary["ExportId"], "", summary)
        self.assertEqual(summary["Location"], f"s3://{bucket}/p", summary)
        self.assertIs(summary["Complete"], True, summary)
        self.assertIs(summary["Interrupted"], False, summary)
        self.assertNotIn("Error", summary)

    def test_endpoints_without_native_operations_say_to_drop_native(self):
        table = self.create_table(self.unique_table("nlocal"), keys=KEYS)
        bucket = self.make_bucket("nlocal")
        r = self.cli("export", "--table", table, "--to", f"s3://{bucket}/p", "--native",
                     "--output", "json", "--s3-endpoint-url", self.moto_endpoint)
        self.assert_error(r, "this endpoint does not support DynamoDB's native exports",
                          "drop --native")
        self.assertEqual(r.stdout, "")

        _, bucket = self.upload_export("nlocali", [item_line(i) for i in self.simple_items(1)])
        r = self.cli("import", "--from", f"s3://{bucket}", "--table", self.unique_table("nli"),
                     "--native", "--create-target", "--partition-key", "pk:S", "--sort-key",
                     "sk:N", "--output", "json", "--s3-endpoint-url", self.moto_endpoint)
        self.assert_error(r, "this endpoint does not support DynamoDB's native imports",
                          "drop --native")
        self.assertEqual(r.stdout, "")


class ImportErrorTest(ExportImportTestBase):
    """Broken exports stop with one clear error line, exit code 1 and nothing of the bad file
    written; resuming after a bad file; errors of export and of key schemas."""

    MOTO = True

    def hand_export(self, count=300, files=1, seed=5, **kwargs):
        items = ddbdata.generate_items(count * files, seed=seed)
        chunks = [items[i * count:(i + 1) * count] for i in range(files)]
        root = Path(tempfile.mkdtemp(prefix="hand-", dir=self.work))
        return HandExport(root, chunks, **kwargs), chunks

    def import_fails(self, source, *fragments, table=None, extra=()):
        table = table or self.create_table(self.unique_table("bad"), keys=KEYS)
        r, summary = self.run_import(str(source), table, *extra)
        self.assert_error(r, *fragments)
        if summary is not None:  # a failure once the import ran: its summary says why
            self.assertFalse(summary["Complete"], summary)
            self.assertIn(fragments[0], summary["Error"])
        self.assertEqual(count_items(self.dynamodb(), table), 0,
                         f"items were written; stderr: {r.stderr}")
        return r

    def test_valid_hand_export_imports(self):
        """The broken exports below differ from this one in one thing only."""
        export, chunks = self.hand_export(count=60, files=2)
        for label, source in (("bucket root", export.root),
                              ("AWSDynamoDB", export.root / "AWSDynamoDB"),
                              ("the export's own folder", export.path(export.folder))):
            with self.subTest(label):
                table = self.create_table(self.unique_table("good"), keys=KEYS)
                r, summary = self.run_import(str(source), table)
                self.assert_imported(r, summary, 120, files=2)
                self.assert_items(table, chunks[0] + chunks[1])

    def test_missing_manifest_summary(self):
        export, _ = self.hand_export()
        export.path(export.summary_key).unlink()
        self.import_fails(export.root, "manifest-summary.json")
        self.import_fails(export.path(export.folder), "manifest-summary.json")

    def test_data_file_changed(self):
        export, _ = self.hand_export()
        key = export.data_keys[0]
        data = bytearray(export.get(key))
        data[len(data) // 2] ^= 0x5A
        export.put(key, bytes(data))
        self.import_fails(export.root, export.data_name(0), "MD5")

    def test_manifest_item_counts_disagree(self):
        with self.subTest("files and summary"):
            export, _ = self.hand_export()
            export.counts[0] += 1
            export.write_manifests(summary_count=300)
            self.import_fails(export.root, "manifest-summary.json", "301", "300")
        with self.subTest("lines and files"):
            export, _ = self.hand_export()
            export.counts[0] -= 1
            export.write_manifests()  # the summary agrees with the files: the lines do not
            self.import_fails(export.root, export.data_name(0), "299")

    def test_damaged_gzip(self):
        export, _ = self.hand_export(count=600)
        key = export.data_keys[0]
        good = export.get(key)
        for label, data in (("truncated", good[:len(good) * 2 // 3]),
                            ("trailing garbage", good + b"garbage after the gzip member"),
                            ("empty object", b"")):
            with self.subTest(label):
                export.put(key, data)
                export.write_manifests()  # checksums of the damaged bytes: the gzip check fails
                self.import_fails(export.root, export.data_name(0))

    def test_line_that_is_not_json(self):
        items = ddbdata.generate_items(300, seed=6)
        lines = [item_line(i) for i in items]
        lines[236] = lines[236][:40]  # cut in the middle: not JSON
        export = HandExport(self.work / "notjson", [lines])
        self.import_fails(export.root, export.data_name(0), "line 237")

    def test_key_of_the_wrong_type(self):
        items = ddbdata.generate_items(300, seed=7)
        bad = dict(items[249])
        bad["pk"] = {"N": "250"}  # the table's pk is S
        items[249] = bad
        export = HandExport(self.work / "keytype", [items])
        self.import_fails(export.root, export.data_name(0), "line 250")

    def test_lines_dynamodb_would_refuse_are_named_before_anything_is_written(self):
        """An empty key value, and an attribute given twice in one item (which a JSON parser
        would silently resolve to one of them), stop the import at their file."""
        items = ddbdata.generate_items(300, seed=8)
        empty_key = dict(items[99])
        empty_key["pk"] = {"S": ""}
        lines = [item_line(i) for i in items]
        lines[99] = item_line(empty_key)
        twice = lines[199]
        lines[199] = twice[:-2] + ',"note":{"S":"a"},"note":{"S":"b"}}}'
        self.assertTrue(lines[199].endswith('"note":{"S":"b"}}}'), lines[199])
        for label, bad_line, fragments in (
                ("empty key", 100, ("line 100", "key attribute pk is empty")),
                ("attribute twice", 200, ("line 200", "attribute note: given twice"))):
            with self.subTest(label):
                content = list(lines)
                if bad_line != 100:
                    content[99] = item_line(items[99])
                export = HandExport(self.work / label.replace(" ", "-"), [content])
                self.import_fails(export.root, export.data_name(0), *fragments)

    def test_a_table_keyed_otherwise_than_the_data_is_refused(self):
        """AWS's exports carry no key schema: items keyed pk+sk imported into a table keyed by pk
        alone would overwrite each other there. The line whose key repeats an earlier one's is
        named, and nothing of its file is written."""
        items = ddbdata.generate_items(60, seed=33, partitions=20)  # three items per pk
        export = HandExport(self.work / "otherkeys", [items])
        for label, extra in (("existing table", ()),
                             ("--create-target", ("--create-target", "--partition-key", "pk:S"))):
            with self.subTest(label):
                table = self.unique_table("pkonly")
                if not extra:
                    self.create_table(table, keys=[("pk", "HASH", "S")])
                r, _ = self.run_import(str(export.root), table, *extra)
                self.assertEqual(r.code, 1, r.stderr)
                error = r.stderr.splitlines()[-1]  # after the note of the table's creation
                self.assertTrue(error.startswith("ddbmigrate: error: "), r.stderr)
                for fragment in (export.data_name(0), "line 21",
                                 "is that of another item of the export",
                                 "the table's key schema (pk) does not fit"):
                    self.assertIn(fragment, error)
                self.assertEqual(count_items(self.dynamodb(), table), 0)

        # An export whose table definition was edited to drop the sort key: the items are still
        # checked against the key the definition gives.
        src = self.create_table(self.unique_table("edsrc"), keys=KEYS)
        self.write_items(src, items)
        out = self.work / "edited"
        r, summary = self.run_export(src, out)
        self.assert_ok(r, summary)
        (definition_path,) = out.glob("AWSDynamoDB/*/ddbmigrate-table.json")
        definition = json.loads(definition_path.read_text(encoding="utf-8"))
        table_part = definition.get("Table", definition)
        table_part["KeySchema"] = [k for k in table_part["KeySchema"] if k["KeyType"] == "HASH"]
        table_part["AttributeDefinitions"] = [
            a for a in table_part["AttributeDefinitions"] if a["AttributeName"] != "sk"]
        definition_path.write_text(json.dumps(definition), encoding="utf-8")
        table = self.unique_table("edited")
        r, _ = self.run_import(str(out), table, "--create-target")
        self.assertEqual(r.code, 1, r.stderr)
        self.assertIn("is that of another item of the export", r.stderr.splitlines()[-1])
        self.assertEqual(count_items(self.dynamodb(), table), 0)

        # A definition whose partition key the items do not hold at all creates no table.
        for k in table_part["KeySchema"] + table_part["AttributeDefinitions"]:
            if k["AttributeName"] == "pk":
                k["AttributeName"] = "idx"
        definition_path.write_text(json.dumps(definition), encoding="utf-8")
        table = self.unique_table("renamed")
        r, _ = self.run_import(str(out), table, "--create-target")
        self.assert_cli_error(r, f"line 1: item lacks key attribute idx")
        self.assertIn(f"table {table} was not created: the key schema of {definition_path} does "
                      "not fit the export's items", r.stderr)
        self.assertNotIn(table, self.dynamodb().list_tables()["TableNames"])

        # The changes of an incremental export of that table name their key in full.
        base = HandExport(self.work / "otherkeys-incremental", [])
        base.add_incremental("01790000900000-1a2b3c4d",
                             ("2026-09-01T10:00:00.000Z", "2026-09-01T10:15:00.000Z"),
                             [[change_line(1 + n, KEYS, i, new=i) for n, i in enumerate(items)]])
        table = self.create_table(self.unique_table("pkonlyi"), keys=[("pk", "HASH", "S")])
        self.import_fails(base.root, "line 1: Keys: the key holds attribute sk, which is not in "
                          "the table's key schema (pk)", table=table)

    def test_one_key_spelt_two_ways_is_refused_as_a_duplicate(self):
        """Two lines whose keys are one key to the table, spelt otherwise, would overwrite each
        other: a number written two ways, and binary whose base64 leaves a padding bit set
        ("AR==" decodes to the byte 0x01, as "AQ==" does)."""
        for label, key_type, first, second in (("number", "N", "1", "1.0"),
                                               ("binary", "B", "AQ==", "AR==")):
            with self.subTest(label):
                lines = [compact({"Item": {"id": {key_type: first}, "v": {"S": "first"}}}),
                         compact({"Item": {"id": {key_type: second}, "v": {"S": "second"}}})]
                export = HandExport(self.work / f"twice-{label}", [lines])
                table = self.create_table(self.unique_table(f"twice{key_type}"),
                                          keys=[("id", "HASH", key_type)])
                self.import_fails(export.root, export.data_name(0), "line 2",
                                  "is that of another item of the export", table=table)

    def test_bucket_that_does_not_exist(self):
        bucket = f"no-such-bucket-{os.getpid()}"
        table = self.create_table(self.unique_table("nobucket"), keys=KEYS)
        r, _ = self.run_import(f"s3://{bucket}/exports", table,
                               "--s3-endpoint-url", self.moto_endpoint)
        self.assert_error(r, bucket)

    def test_location_without_an_export(self):
        empty_dir = self.work / "nothing-here"
        empty_dir.mkdir()
        (empty_dir / "readme.txt").write_text("not an export\n")
        self.import_fails(empty_dir, "no export")
        bucket = self.make_bucket("no-export")
        self.client("s3").put_object(Bucket=bucket, Key="exports/readme.txt", Body=b"x")
        self.import_fails(f"s3://{bucket}/exports", "no export",
                          extra=("--s3-endpoint-url", self.moto_endpoint))
        self.import_fails(self.work / "no-such-directory", "no-such-directory")

    # --- a bad file among good ones, --checkpoint and --resume ---

    def damage(self, export, key):
        """Flips a byte of a data file (its manifest unchanged); returns the good bytes."""
        good = export.get(key)
        damaged = bytearray(good)
        damaged[-30] ^= 0xFF
        export.put(key, bytes(damaged))
        return good

    def recorded_files(self, checkpoint):
        saved = json.loads(Path(checkpoint).read_text())
        self.assertEqual(saved["Operation"], "import")
        return {f for e in saved["Exports"] for f in e["Files"]}

    def import_stopped_with_dead_letters(self, name, seed, refused, bad_file):
        """An export of three files of 50 items, the items `refused` ((file, index) pairs) with
        a string where the target's GSI key gk is a number, and data file `bad_file` damaged;
        imported with --checkpoint and --dead-letter, it stops at the damaged file having
        dead-lettered the refused items of the files before. The damage is then repaired.
        Returns the export, the table, the checkpoint and the dead-letter file."""
        items = ddbdata.generate_items(150, seed=seed)
        chunks = [items[0:50], items[50:100], items[100:150]]
        for chunk, i in refused:
            chunks[chunk][i]["gk"] = {"S": "not a number"}
        export = HandExport(Path(tempfile.mkdtemp(prefix="hand-", dir=self.work)), chunks)
        table = self.unique_table(name)
        ddbdata.create_table(self.dynamodb(), table, KEYS,
                             indexes=[("by_gk", "gk", "N", "KEYS_ONLY")])
        bad_key = export.data_keys[bad_file]
        good_bytes = self.damage(export, bad_key)
        checkpoint = self.work / f"{name}.checkpoint"
        dead = self.work / f"{name}-dead.jsonl"
        r, summary = self.run_import(str(export.root), table, "--checkpoint", checkpoint,
                                     "--dead-letter", dead, "--parallel-files", "1")
        self.assert_error(r, bad_key.rsplit("/", 1)[1], "MD5", "--resume")
        self.assertEqual(summary["ItemsDeadLettered"],
                         sum(1 for chunk, _ in refused if chunk < bad_file), summary)
        export.put(bad_key, good_bytes)
        return export, table, checkpoint, dead

    def test_resume_counts_the_dead_letters_of_imported_files(self):
        """Items the target refused in files a stopped import had finished still decide the
        resumed run's exit code (3) and are reported as the earlier runs'."""
        export, table, checkpoint, dead = self.import_stopped_with_dead_letters(
            "deadres", 12, [(0, 3), (0, 17), (0, 41)], bad_file=2)
        self.assertEqual(self.recorded_files(checkpoint), set(export.data_keys[:2]))

        r, summary = self.run_import(str(export.root), table, "--checkpoint", checkpoint,
                                     "--dead-letter", dead, "--resume")
        self.assertEqual(r.code, 3, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        self.assertEqual(summary["ItemsDeadLettered"], 0, summary)
        self.assertEqual(summary["ItemsDeadLetteredByEarlierRuns"], 3, summary)
        self.assertEqual(summary["ItemsFromEarlierRuns"], 100, summary)
        self.assertIn("3 items could not be written", r.stderr)
        self.assertEqual(len([line for line in dead.read_text(encoding="utf-8").split("\n")
                              if line]), 3)
        self.assertEqual(count_items(self.dynamodb(), table), 147)

    def test_resume_keeps_the_dead_letter_file_of_the_checkpoint(self):
        """The checkpoint records the dead-letter file: a resume without --dead-letter appends
        to it (not to the default file), and a resume naming another file is refused."""
        export, table, checkpoint, dead = self.import_stopped_with_dead_letters(
            "deadfile", 13, [(0, 3), (0, 17), (2, 5)], bad_file=1)
        self.assertEqual(json.loads(checkpoint.read_text())["DeadLetterFile"], str(dead))

        other = self.work / "other-dead.jsonl"
        saved = checkpoint.read_text()
        r, _ = self.run_import(str(export.root), table, "--checkpoint", checkpoint,
                               "--dead-letter", other, "--resume")
        self.assert_error(r, f"checkpoint {checkpoint} continues runs whose dead-letter file is "
                          f"{dead}, not {other}; resume with --dead-letter {dead}")
        self.assertFalse(other.exists())
        self.assertEqual(checkpoint.read_text(), saved)

        run_dir = Path(tempfile.mkdtemp(prefix="cwd-", dir=self.work))
        r = self.cli("import", "--from", export.root, "--table", table, "--output", "json",
                     "--checkpoint", checkpoint, "--resume", cwd=run_dir)
        summary = summary_of(r.stdout)
        self.assertEqual(r.code, 3, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        self.assertEqual(summary["ItemsDeadLettered"], 1, summary)
        self.assertEqual(summary["ItemsDeadLetteredByEarlierRuns"], 2, summary)
        self.assertEqual(summary["DeadLetterFile"], str(dead), summary)
        self.assertIn(f"3 items could not be written; see the dead-letter file {dead}", r.stderr)
        self.assertEqual(list(run_dir.iterdir()), [])  # no default dead-letter file
        lines = [json.loads(line) for line in dead.read_text(encoding="utf-8").split("\n") if line]
        self.assertEqual(len(lines), 3, lines)
        self.assertTrue(all(line["Item"]["gk"] == {"S": "not a number"} for line in lines), lines)
        self.assertEqual(json.loads(checkpoint.read_text())["DeadLetterFile"], str(dead))
        self.assertEqual(count_items(self.dynamodb(), table), 147)

        # A checkpoint whose file is gone (moved to another host, say) takes another file, and
        # says what that file lacks, instead of refusing every way forward.
        dead.unlink()
        r, summary = self.run_import(str(export.root), table, "--checkpoint", checkpoint,
                                     "--dead-letter", other, "--resume")
        self.assertEqual(r.code, 3, r.stderr)
        self.assertIn(f"dead-letter file {dead}, which checkpoint {checkpoint} names, no longer "
                      f"exists; {other} lacks the 3 items the checkpoint counts as "
                      f"dead-lettered by earlier runs", r.stderr)
        # The closing warning and the summary do not point at the new file for them.
        self.assertIn(f"3 items could not be written; they were in the dead-letter file {dead}, "
                      "moved or deleted since", r.stderr)
        self.assertNotIn("DeadLetterFile", summary)
        self.assertEqual(summary["EarlierDeadLetterFileGone"], str(dead), summary)
        self.assertFalse(other.exists())
        # The checkpoint now names the other file, which was never made (nothing was refused
        # since): a resume without --dead-letter says so too, instead of pointing at it.
        r = self.cli("import", "--from", export.root, "--table", table, "--output", "json",
                     "--checkpoint", checkpoint, "--resume")
        summary = summary_of(r.stdout)
        self.assertEqual(r.code, 3, r.stderr)
        self.assertIn(f"dead-letter file {other}, which checkpoint {checkpoint} names, no longer "
                      "exists", r.stderr)
        self.assertIn(f"they were in the dead-letter file {other}, moved or deleted since",
                      r.stderr)
        self.assertEqual(summary["EarlierDeadLetterFileGone"], str(other), summary)

    def test_resume_after_a_bad_file(self):
        """A full export (three files) and an incremental one after it (two files, the second
        corrupt): the full export is imported and recorded, the run stops at the bad file
        having applied nothing of the incremental export, and --resume finishes the job."""
        export, chunks = self.hand_export(count=50, files=3, seed=9)
        full = [i for c in chunks for i in c]
        added = ddbdata.generate_items(10, seed=9, start=150)
        t = 1_790_000_000_000_000
        updates = [change_line(t + n, KEYS, i, new={**i, "status": {"S": "updated"}}, old=i)
                   for n, i in enumerate(full[:20])]
        deletes = [change_line(t + 100 + n, KEYS, i, old=i) for n, i in enumerate(full[20:30])]
        inserts = [change_line(t + 200 + n, KEYS, i, new=i) for n, i in enumerate(added)]
        incremental = [updates, deletes + inserts]
        incremental_keys = export.add_incremental(
            "01790000900000-1a2b3c4d", ("2026-09-01T10:00:00.000Z", "2026-09-01T10:15:00.000Z"),
            incremental)
        bad_key = incremental_keys[1]
        good_bytes = self.damage(export, bad_key)
        table = self.create_table(self.unique_table("resume"), keys=KEYS)
        checkpoint = self.work / "resume.checkpoint"
        r, summary = self.run_import(str(export.root), table, "--checkpoint", checkpoint)
        self.assert_error(r, bad_key.rsplit("/", 1)[1], "MD5", "--resume")
        self.assertIsNotNone(summary, r.stdout)
        self.assertIs(summary["Complete"], False, summary)
        self.assertEqual(summary["Exports"], 2, summary)
        self.assert_items(table, full)  # all of the full export, nothing of the incremental
        self.assertEqual(self.recorded_files(checkpoint), set(export.data_keys))

        export.put(bad_key, good_bytes)
        # The same directory spelt otherwise is the same source.
        respelt = f"{export.root.parent}/./{export.root.name}/"
        r, summary = self.run_import(respelt, table, "--checkpoint", checkpoint, "--resume")
        self.assert_ok(r, summary)
        self.assertEqual(summary["ItemsFromEarlierRuns"], len(full), summary)
        self.assertEqual(summary["ItemsRead"], sum(map(len, incremental)), summary)
        self.assertEqual(summary["Deletes"], len(deletes), summary)
        self.assertIs(summary["Complete"], True, summary)
        state = {ddbdata.item_key(i, KEYS): ddbdata.item_to_wire(i) for i in full}
        changes = [(int(c["Metadata"]["WriteTimestampMicros"]["N"]), f, n, c)
                   for f, lines in enumerate(incremental) for n, c in enumerate(lines, 1)]
        apply_incremental(state, [(None, changes)], KEYS)
        self.assert_items(table, [ddbdata.item_from_wire(i) for i in state.values()])

    def test_good_files_checked_before_a_bad_one_are_imported(self):
        export, chunks = self.hand_export(count=150, files=5, seed=11)
        bad = len(chunks) - 1
        good_bytes = self.damage(export, export.data_keys[bad])
        table = self.create_table(self.unique_table("keepgood"), keys=KEYS)
        checkpoint = self.work / "keepgood.checkpoint"
        args = ("--checkpoint", checkpoint, "--parallel-files", "1", "--writers", "2")
        r, summary = self.run_import(str(export.root), table, *args)
        self.assert_error(r, export.data_name(bad))
        self.assertEqual(summary["ItemsRead"], 600, summary)
        self.assert_items(table, [i for c in chunks[:bad] for i in c])
        self.assertEqual(self.recorded_files(checkpoint), set(export.data_keys[:bad]))
        export.put(export.data_keys[bad], good_bytes)
        r, summary = self.run_import(str(export.root), table, *args, "--resume")
        self.assert_ok(r, summary)
        self.assertEqual(summary["ItemsFromEarlierRuns"], 600, summary)
        self.assert_items(table, [i for c in chunks for i in c])

    def test_the_advice_after_a_bad_first_file_works(self):
        export, chunks = self.hand_export(count=100, files=2, seed=12)
        good_bytes = self.damage(export, export.data_keys[0])
        table = self.create_table(self.unique_table("advice"), keys=KEYS)
        checkpoint = self.work / "advice.checkpoint"
        args = ("--checkpoint", checkpoint, "--parallel-files", "1")
        r, _ = self.run_import(str(export.root), table, *args)
        self.assert_error(r, export.data_name(0))
        self.assertEqual(count_items(self.dynamodb(), table), 0)
        export.put(export.data_keys[0], good_bytes)
        again = args + ("--resume",) if "--resume" in r.stderr else args
        r, summary = self.run_import(str(export.root), table, *again)
        self.assert_ok(r, summary)
        self.assert_items(table, chunks[0] + chunks[1])

    def test_native_refuses_the_flags_of_our_own_transfer(self):
        """DynamoDB Local has neither ExportTableToPointInTime nor ImportTable: these are
        refused before anything is sent."""
        for args, fragment in (
                (("export", "--table", "t1x", "--to", "s3://b/p", "--native", "--segments", "4"),
                 "--segments does not apply to --native: DynamoDB runs that export itself"),
                (("export", "--table", "t1x", "--to", "s3://b/p", "--native",
                  "--consumed-capacity", "reads"), "--consumed-capacity does not apply"),
                (("export", "--table", "t1x", "--to", "s3://b/p", "--s3-bucket-owner",
                  "123456789012"), "--s3-bucket-owner only applies with --native"),
                (("import", "--from", "s3://b/p", "--table", "t1x", "--native",
                  "--create-target", "--writers", "4"),
                 "--writers does not apply to --native: DynamoDB runs that import itself; "
                 "drop it, or import without --native")):
            with self.subTest(args[0] + " " + fragment):
                self.assert_error(self.cli(*args), fragment, code=2)

        # Flags --native does use get past those checks, to DynamoDB's own refusal here.
        table = self.create_table(self.unique_table("native"), keys=KEYS)
        bucket = self.make_bucket("native")
        r = self.cli("export", "--table", table, "--to", f"s3://{bucket}/p", "--native",
                     "--s3-bucket-owner", "123456789012", "--s3-endpoint-url", self.moto_endpoint)
        self.assertNotEqual(r.code, 0)
        self.assertNotIn("does not apply to --native", r.stderr)
        self.assertNotIn("only applies with --native", r.stderr)
        self.assertIn("ddbmigrate: error: ", r.stderr)

    def test_export_of_a_missing_table(self):
        out = self.work / "missing-export"
        r, _ = self.run_export("no_such_table_to_export", out)
        self.assert_error(r, "no_such_table_to_export")
        self.assertFalse((out / "AWSDynamoDB").exists(), "files were written")

    def test_existing_table_with_another_key_schema(self):
        src = self.create_table(self.unique_table("kschema"), keys=KEYS)
        self.write_items(src, ddbdata.generate_items(50, seed=10))
        out = self.work / "kschema-export"
        r, summary = self.run_export(src, out, "--segments", "2")
        self.assert_ok(r, summary)
        for label, keys in (("other name", [("id", "HASH", "S"), ("sk", "RANGE", "N")]),
                            ("other type", [("pk", "HASH", "S"), ("sk", "RANGE", "S")]),
                            ("hash only", [("pk", "HASH", "S")])):
            with self.subTest(label):
                dst = self.create_table(self.unique_table("kdst"), keys=keys)
                self.import_fails(out, "key schemas differ", dst, table=dst)
        with self.subTest("--create-target on an existing table"):
            dst = self.create_table(self.unique_table("kexists"), keys=KEYS)
            self.import_fails(out, "already exists", dst, table=dst,
                              extra=("--create-target",))


class ImportTableArnTest(ExportImportTestBase):
    """A table named by an ARN is imported into in the ARN's account, or not at all: DynamoDB
    Local's tables are all in account 000000000000."""

    def test_a_table_named_in_another_account_is_refused(self):
        export = HandExport(self.work / "arn", [ddbdata.generate_items(30, seed=61)])
        existing = self.create_table(self.unique_table("arnexists"), keys=KEYS)
        missing = self.unique_table("arnmissing")
        for label, name, extra in (
                ("existing table", existing, ()),
                ("--create-target", missing,
                 ("--create-target", "--partition-key", "pk:S", "--sort-key", "sk:N"))):
            with self.subTest(label):
                arn = f"arn:aws:dynamodb:us-east-1:123456789012:table/{name}"
                r = self.cli("import", "--from", export.root, "--table", arn, *extra)
                self.assert_cli_error(r, f"table {name} is named in account 123456789012, but "
                                         "these settings reach")
                self.assertEqual(count_items(self.dynamodb(), existing), 0)
                self.assertNotIn(missing, self.dynamodb().list_tables()["TableNames"])
        # The ARN of the account reached works.
        arn = f"arn:aws:dynamodb:us-east-1:000000000000:table/{existing}"
        r = self.cli("import", "--from", export.root, "--table", arn)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(count_items(self.dynamodb(), existing), 30)


class ImportCreateTargetResumeTest(ExportImportTestBase):
    """`import --create-target --checkpoint` resumes as the same command plus --resume, whether
    it was killed while importing or while creating the table; a run refused by its checkpoint
    creates no table."""

    def setUp(self):
        super().setUp()
        self.items = ddbdata.generate_items(600, seed=41)
        self.export = HandExport(self.work / "export",
                                 [self.items[i:i + 100] for i in range(0, 600, 100)])
        self.table = self.unique_table("ctres")
        self.checkpoint = self.work / "import.checkpoint"

    def import_args(self, *extra):
        return ["import", "--from", self.export.root, "--table", self.table, "--create-target",
                "--partition-key", "pk:S", "--sort-key", "sk:N", "--checkpoint",
                self.checkpoint, "--dead-letter", self.work / "dead.jsonl", "--output", "json",
                *extra]

    def recorded_files(self):
        try:
            saved = json.loads(self.checkpoint.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return 0
        return sum(len(e["Files"]) for e in saved["Exports"])

    def resume(self):
        r = self.cli(*self.import_args("--resume"), timeout=240)
        summary = summary_of(r.stdout)
        self.assert_ok(r, summary)
        self.assertIs(summary["Complete"], True, summary)
        self.assert_items(self.table, self.items)
        return r, summary

    def test_killed_while_importing(self):
        # Slowly, one file at a time: killed once a file is recorded.
        proc, _, err = self.start_cli(
            [*self.import_args("--write-rate", "40", "--parallel-files", "1"), "--endpoint-url",
             self.ddb_endpoint], "killed", directory=self.work)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and self.recorded_files() < 1:
            time.sleep(0.05)
        self.assertIsNone(proc.poll(), "the import ended before it could be killed:\n"
                          + self.read_text(err))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.assertGreaterEqual(self.recorded_files(), 1)

        # Without --resume the checkpoint is refused, and no other table is created.
        other = self.unique_table("ctother")
        args = self.import_args()
        args[args.index(self.table)] = other
        r = self.cli(*args)
        self.assert_cli_error(r, "already exists; pass --resume")
        self.assertNotIn(other, self.dynamodb().list_tables()["TableNames"])

        _, summary = self.resume()
        self.assertGreaterEqual(summary["ItemsFromEarlierRuns"], 100, summary)

    def test_key_flags_that_do_not_fit_the_first_item_create_no_table(self):
        args = self.import_args()
        args[args.index("pk:S")] = "pk:N"  # the export's pk is a string
        r = self.cli(*args)
        self.assertEqual(r.code, 1, r.stderr)
        last = r.stderr.strip().splitlines()[-1]
        self.assertIn(f"{self.export.data_keys[0]} line 1: key attribute pk has type S", last)
        self.assertTrue(last.endswith(
            f"; table {self.table} was not created: give --partition-key and --sort-key as the "
            "export's items are keyed"), last)
        self.assertNotIn(self.table, self.dynamodb().list_tables()["TableNames"])
        # The corrected command then runs as a first run.
        r = self.cli(*self.import_args())
        self.assert_ok(r, summary_of(r.stdout))
        self.assert_items(self.table, self.items)

    def test_a_run_that_fails_before_writing_says_its_new_table_is_empty(self):
        # The first item fits the key flags; the second of its file does not, so nothing of the
        # file, the only one, is written.
        bad = dict(self.items[1])
        bad["pk"] = {"N": "7"}
        export = HandExport(self.work / "badsecond", [[self.items[0], bad]])
        args = self.import_args()
        args[args.index(self.export.root)] = export.root
        r = self.cli(*args)
        self.assertEqual(r.code, 1, r.stderr)
        last = r.stderr.strip().splitlines()[-1]
        self.assertIn("line 2: key attribute pk has type N", last)
        self.assertTrue(last.endswith(
            f"; table {self.table}, created by this run, holds nothing yet: if the command was "
            "wrong, delete the table and the checkpoint before running the corrected one, "
            "otherwise fix the cause and rerun with --resume"), last)
        self.assertEqual(self.dynamodb().scan(TableName=self.table, Select="COUNT")["Count"], 0)

    def test_ctrl_c_says_how_to_resume(self):
        proc, out, err = self.start_cli(
            [*self.import_args("--write-rate", "40", "--parallel-files", "1"), "--endpoint-url",
             self.ddb_endpoint], "stopped", directory=self.work)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and self.recorded_files() < 1:
            time.sleep(0.05)
        self.assertIsNone(proc.poll(), "the import ended before it could be stopped:\n"
                          + self.read_text(err))
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=60), 130, self.read_text(err))
        self.assertIn(f"import stopped; {self.checkpoint} records the data files imported so "
                      "far: run the same command with --resume", self.read_text(err))
        self.assertIs(summary_of(self.read_text(out))["Complete"], False)
        _, summary = self.resume()
        self.assertGreaterEqual(summary["ItemsFromEarlierRuns"], 100, summary)

    def test_killed_while_creating_the_table(self):
        """What a kill during the CreateTable leaves: a checkpoint saying the table is being
        created, and the table (here made with boto3, without the run's settings) or none."""
        # The checkpoint's Source as a run writes it, from a run into another table.
        scratch = self.work / "scratch.checkpoint"
        r = self.cli("import", "--from", self.export.root, "--table",
                     self.unique_table("ctscratch"), "--create-target", "--partition-key",
                     "pk:S", "--sort-key", "sk:N", "--checkpoint", scratch, "--output", "json",
                     "--dead-letter", self.work / "scratch-dead.jsonl", timeout=240)
        self.assertEqual(r.code, 0, r.stderr)
        source = json.loads(scratch.read_text(encoding="utf-8"))["Source"]

        for label, table_exists in (("table created", True), ("table not yet created", False)):
            with self.subTest(label):
                self.table = self.unique_table("ctres")
                self.checkpoint = self.work / f"{self.table}.checkpoint"
                self.checkpoint.write_text(json.dumps(
                    {"Version": 1, "Operation": "import", "Source": source,
                     "Target": self.table, "Exports": [], "CreatingTarget": True}))
                if table_exists:
                    ddbdata.create_table(self.dynamodb(), self.table, KEYS)
                # A resume without --create-target could not finish the table.
                args = self.import_args("--resume")
                args.remove("--create-target")
                for flag in ("--partition-key", "pk:S", "--sort-key", "sk:N"):
                    args.remove(flag)
                r = self.cli(*args)
                self.assert_cli_error(r, "was creating table " + self.table)
                r, summary = self.resume()
                self.assertEqual(summary["ItemsFromEarlierRuns"], 0, summary)
                self.assertIn("waiting for table" if table_exists else "creating table",
                              r.stderr)
                saved = json.loads(self.checkpoint.read_text(encoding="utf-8"))
                self.assertNotIn("CreatingTarget", saved)

    def test_resume_of_an_import_whose_table_is_gone_is_refused(self):
        r = self.cli(*self.import_args(), timeout=240)
        self.assertEqual(r.code, 0, r.stderr)
        self.dynamodb().delete_table(TableName=self.table)
        self.dynamodb().get_waiter("table_not_exists").wait(TableName=self.table)
        r = self.cli(*self.import_args("--resume"))
        self.assert_cli_error(r, f"table {self.table} does not exist, but checkpoint")
        # Without --create-target the same: creating it would not help.
        args = self.import_args("--resume")
        at = args.index("--create-target")
        del args[at:at + 5]  # and the key flags, which only apply with it
        r = self.cli(*args)
        self.assert_cli_error(r, f"table {self.table} does not exist, but checkpoint")


    def test_resume_of_an_import_whose_table_was_created_again_is_refused(self):
        r = self.cli(*self.import_args(), timeout=240)
        self.assertEqual(r.code, 0, r.stderr)
        self.recreate_table(self.table, keys=KEYS)
        r = self.cli(*self.import_args("--resume"))
        self.assert_cli_error(r, f"target table {self.table} is not the table checkpoint")
        self.assertEqual(self.dynamodb().scan(TableName=self.table, Select="COUNT")["Count"], 0)


class ExportResumeTest(ExportImportTestBase):
    """An export with --checkpoint survives kill -9 and Ctrl-C: --resume finishes it in the same
    folder, and the result holds every item exactly once (checked with Python alone, then by
    importing it). After kill -9 the resume also removes what the killed run left of the files
    it was writing: temporary files in a directory, incomplete multipart uploads in S3."""

    MOTO = True
    ITEMS = 16_000
    SEGMENTS = 4
    # Beside a data file of the export, the name of a temporary file as LocalStore's writers
    # make it: ".<name>.<pid>-<counter>-<8 hex digits>.ddbm-tmp".
    TEMP_RE = re.compile(r"^\..+\.[0-9]+-[0-9]+-[0-9a-f]{8}\.ddbm-tmp$")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.items = ddbdata.generate_items(cls.ITEMS, seed=23)

    def setUp(self):
        super().setUp()
        self.src = self.create_table(self.unique_table("xsrc"), keys=KEYS)
        self.write_items(self.src, self.items)
        self.out = self.work / "exports"
        self.checkpoint = self.work / "export.checkpoint.json"

    def export_args(self, *extra, to=None):
        # Files of 1 MiB, so that each segment finishes several; pages of 100 items.
        return [str(harness.binary_path()), "export", "--table", self.src, "--to",
                str(self.out) if to is None else to,
                "--segments", str(self.SEGMENTS), "--page-size", "100", "--file-size", "1",
                "--checkpoint", str(self.checkpoint), "--output", "json",
                "--endpoint-url", self.ddb_endpoint, *extra]

    def start(self, args, name):
        out, err = self.work / f"{name}.out", self.work / f"{name}.err"
        with open(out, "wb") as stdout, open(err, "wb") as stderr:
            proc = subprocess.Popen(args, env=self.env(), cwd=self.work,
                                    stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        return proc, out, err

    @staticmethod
    def read(path):
        return path.read_text(encoding="utf-8", errors="replace")

    def checkpointed(self):
        """The manifest entries of the data files the checkpoint records; none without one."""
        try:
            cp = json.loads(self.checkpoint.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [f for s in cp["Segments"] for f in s.get("State", {}).get("Files", [])]

    def checkpointed_files(self):
        return len(self.checkpointed())

    def assert_summary_figures(self, summary, entries, get, earlier_items, complete):
        """The summary's figures are those of the data files `entries` lists (manifest entries)
        as they are in the store, every run's; the rate is of this run's items alone."""
        data = [get(e["dataFileS3Key"]) for e in entries]
        self.assertIs(summary["Complete"], complete, summary)
        self.assertEqual(summary["ItemCount"], sum(e["itemCount"] for e in entries), summary)
        self.assertEqual(summary["ItemsFromEarlierRuns"], earlier_items, summary)
        self.assertEqual(summary["DataFiles"], len(entries), summary)
        self.assertEqual(summary["CompressedBytes"], sum(len(d) for d in data), summary)
        self.assertEqual(summary["UncompressedBytes"], sum(len(gunzip_one_member(d))
                                                           for d in data), summary)
        this_run = summary["ItemCount"] - earlier_items
        self.assertGreater(summary["Seconds"], 0, summary)
        self.assertAlmostEqual(summary["ItemsPerSecond"], this_run / summary["Seconds"],
                               delta=0.01 * this_run / summary["Seconds"] + 1e-6, msg=summary)

    def kill_9_export(self, *extra, to=None):
        """Starts a slow export and kills it with SIGKILL once two data files are recorded."""
        proc, _, err = self.start(self.export_args("--read-rate", "100", *extra, to=to),
                                  "killed")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if self.checkpointed_files() >= 2:
                break
            time.sleep(0.05)
        self.assertIsNone(proc.poll(), "the export ended before it could be killed:\n"
                          + self.read(err))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.assertGreaterEqual(self.checkpointed_files(), 2)
        return proc.pid

    def finish_and_check(self, *extra, to=None, bucket=None, prefix=None):
        """Resumes the export to its end; checks it file by file and by importing it. Without
        `bucket` the export is in self.out. Returns the resume's stderr and JSON summary."""
        earlier = sum(f["itemCount"] for f in self.checkpointed())
        resumed = harness.run(*self.export_args("--resume", *extra, to=to)[1:], env=self.env(),
                              timeout=240)
        summary = summary_of(resumed.stdout)
        self.assert_ok(resumed, summary)
        self.assertIn("resuming the export of", resumed.stderr)
        self.assertEqual(summary["ItemCount"], self.ITEMS, summary)
        if bucket is None:
            # Temporary files outside data/ (a test plants one) are not the resume's to remove;
            # anything else must be listed.
            every = [p.relative_to(self.out).as_posix() for p in self.out.rglob("*")
                     if p.is_file() and not p.name.endswith(".ddbm-tmp")]
            get, list_keys = (lambda key: (self.out / key).read_bytes()), (lambda: every)
        else:
            get, list_keys = self.s3_reader(bucket)
        _, entries, lines = self.check_our_export(get, list_keys, prefix, bucket,
                                                  summary["ExportId"], self.src, 8 * MIB)
        self.assertGreater(len(entries), self.SEGMENTS, "expected several files per segment")
        self.assert_summary_figures(summary, entries, get, earlier, complete=True)
        exported = items_of(lines)
        self.assertEqual(len(exported), self.ITEMS, "an item is missing or exported twice")
        problem = diff_items(self.scan_all(self.src), exported, ["pk", "sk"])
        self.assertEqual(problem, "", f"the data files differ from the table:\n{problem}")
        dst = self.unique_table("xdst")
        r, isummary = self.run_import(str(self.out) if to is None else to, dst, "--create-target",
                                      *extra)
        self.assert_imported(r, isummary, self.ITEMS, files=len(entries))
        return resumed.stderr, summary

    def test_kill_9_then_resume(self):
        pid = self.kill_9_export()
        self.assertFalse(list(self.out.rglob("manifest-summary.json")),
                         "a killed export wrote its manifest")
        # A file finished after the checkpoint's last save is not in it; plant one more such
        # file: the resume must delete what the checkpoint does not name.
        data = next(self.out.rglob("data"))
        (data / data_file_name("stale")).write_bytes(gzip.compress(b"{}\n"))
        # The files the killed run was writing stay as temporary files; plant one more, and one
        # of a manifest beside data/, which the resume must leave alone.
        left = [p.name for p in data.iterdir() if p.name.endswith(".ddbm-tmp")]
        for name in left:
            self.assertRegex(name, self.TEMP_RE)
        (data / f".{data_file_name('writing')}.{pid}-999-0badc0de.ddbm-tmp").write_bytes(b"x")
        outside = data.parent / f".manifest-files.json.{pid}-998-0badc0de.ddbm-tmp"
        outside.write_bytes(b"x")
        stderr, summary = self.finish_and_check()
        self.assertRegex(stderr, r"note: deleted [0-9]+ data files? the stopped run finished")
        self.assertGreaterEqual(summary["StaleFilesDeleted"], 1, summary)
        aborted = len(left) + 1
        self.assertIn(f"note: aborted {aborted} incomplete upload{'' if aborted == 1 else 's'} "
                      "of data files", stderr)
        self.assertEqual(summary["IncompleteUploadsAborted"], aborted, summary)
        self.assertEqual([p.name for p in data.iterdir() if p.name.endswith(".ddbm-tmp")], [])
        self.assertTrue(outside.exists(), "a temporary file outside data/ was removed")

    def test_kill_9_before_the_first_file_is_finished_then_resume(self):
        """The checkpoint is saved before the first Scan: an export killed while it writes its
        first files (at this read rate, filling one takes about a minute) resumes too."""
        proc, _, err = self.start(self.export_args("--read-rate", "5"), "killed-early")
        deadline = time.monotonic() + 60
        writing = []
        while time.monotonic() < deadline and proc.poll() is None and not writing:
            # Data files only: the run renames its own other temporary files (the table's
            # description) into place at any moment.
            writing = [p for p in self.out.rglob("*.ddbm-tmp") if p.parent.name == "data"]
            time.sleep(0.05)
        self.assertTrue(writing, "no data file was begun:\n" + self.read(err))
        self.assertIsNone(proc.poll(), "the export ended before it could be killed:\n"
                          + self.read(err))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        saved = json.loads(self.checkpoint.read_text(encoding="utf-8"))
        self.assertEqual(saved["Operation"], "export")
        self.assertEqual(len(saved["Segments"]), self.SEGMENTS)
        self.assertEqual(self.checkpointed_files(), 0)
        stderr, summary = self.finish_and_check()
        self.assertRegex(stderr, r"note: aborted [0-9]+ incomplete uploads? of data files")
        self.assertGreaterEqual(summary["IncompleteUploadsAborted"], 1, summary)

    def test_a_resume_while_the_export_runs_is_refused(self):
        """A --resume in another terminal while the export still runs would delete the files
        that run is writing: it is refused at once, touching nothing, and once the first run is
        gone (kill -9 leaves no lock) the resume finishes the export."""
        proc, _, err = self.start(self.export_args("--read-rate", "5"), "first")
        deadline = time.monotonic() + 60
        writing = []
        while time.monotonic() < deadline and proc.poll() is None and not writing:
            # Data files only: the run renames its own other temporary files (the table's
            # description) into place at any moment.
            writing = [p for p in self.out.rglob("*.ddbm-tmp") if p.parent.name == "data"]
            time.sleep(0.05)
        self.assertTrue(writing, "no data file was begun:\n" + self.read(err))
        self.assertTrue(self.checkpoint.exists())
        refused = harness.run(*self.export_args("--resume")[1:], env=self.env(), timeout=60)
        self.assert_cli_error(refused, contains=(
            f"checkpoint {self.checkpoint} is in use by another ddbmigrate run (process "
            f"{proc.pid}); wait for it to end or stop it, then run again"))
        self.assertEqual(refused.code, 1, refused.stderr)
        self.assertIsNone(proc.poll(), "the refused resume stopped the export:\n"
                          + self.read(err))
        self.assertEqual([p for p in writing if not p.exists()], [],
                         "the refused resume deleted files the export was writing")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.finish_and_check()

    def test_kill_9_then_resume_to_s3(self):
        s3 = self.client("s3")
        bucket, prefix = self.make_bucket("resume"), "backups/orders"
        to = f"s3://{bucket}/{prefix}"
        endpoint = ("--s3-endpoint-url", self.moto_endpoint)
        self.kill_9_export(*endpoint, to=to)
        target = json.loads(self.checkpoint.read_text(encoding="utf-8"))["Target"]
        self.assertTrue(target.startswith(f"{to}/AWSDynamoDB/"), target)
        folder = target[len(f"s3://{bucket}/"):]
        data = folder + "data/"

        def uploads(under):
            pages = s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket,
                                                                         Prefix=under)
            return sorted((u["Key"], u["UploadId"]) for page in pages
                          for u in page.get("Uploads", []))

        # The killed run's unfinished uploads, one more under data/, and one beside data/ (a key
        # that starts with "data" but is not in the folder) that the resume must leave alone.
        left = uploads(data)
        key = data + data_file_name("writing")
        planted = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        s3.upload_part(Bucket=bucket, Key=key, UploadId=planted, PartNumber=1, Body=b"partial")
        beside = s3.create_multipart_upload(Bucket=bucket, Key=folder + "data.partial")
        stderr, summary = self.finish_and_check(*endpoint, "--debug", to=to, bucket=bucket,
                                                prefix=prefix)
        # What a resume sends to S3 is what export's help names.
        sent = set(re.findall(r"^debug: s3 (\w+) ->", stderr, re.MULTILINE))
        help_text = " ".join(self.cli("export", "--help", endpoint=False).stdout.split())
        named = set(re.findall(r"s3:(\w+)", help_text))
        self.assertLessEqual(sent, named, "export --help does not name them")
        aborted = len(left) + 1
        self.assertIn(f"note: aborted {aborted} incomplete upload{'' if aborted == 1 else 's'} "
                      "of data files", stderr)
        self.assertEqual(summary["IncompleteUploadsAborted"], aborted, summary)
        self.assertEqual(uploads(data), [])
        self.assertEqual(uploads(folder), [(folder + "data.partial", beside["UploadId"])])

    def test_ctrl_c_finishes_the_open_files_then_resume(self):
        proc, out, err = self.start(self.export_args("--read-rate", "100"), "interrupted")
        # Interrupted once every segment is writing a data file (its temporary file exists), not
        # after a fixed time, which a slow machine may spend before the first pages arrive.
        deadline = time.monotonic() + 60
        while True:
            self.assertIsNone(proc.poll(), "the export ended before it could be interrupted:\n"
                              + self.read(err))
            writing = [p for p in self.out.rglob("*") if self.TEMP_RE.match(p.name)]
            if len(writing) >= self.SEGMENTS:
                break
            self.assertLess(time.monotonic(), deadline, f"{len(writing)} data files being "
                            f"written after 60 s:\n" + self.read(err))
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        stderr = self.read(err)
        self.assertEqual(code, 130, stderr)
        self.assertIn("stopping: finishing the files being written and saving the checkpoint",
                      stderr)
        self.assertIn("run the same command with --resume", stderr)
        # Every file open at the signal was finished and recorded: one per segment at least.
        recorded = self.checkpointed()
        self.assertGreaterEqual(len(recorded), self.SEGMENTS)
        # A summary of what was done, not complete: the files finished so far, all in data/.
        stopped = summary_of(self.read(out))
        self.assertIsNotNone(stopped, self.read(out))
        data = next(self.out.rglob("data"))
        self.assertEqual(sorted(p.name for p in data.iterdir()),
                         sorted(Path(f["dataFileS3Key"]).name for f in recorded))
        self.assert_summary_figures(stopped, recorded, lambda key: (self.out / key).read_bytes(),
                                    0, complete=False)
        self.assertLess(stopped["ItemCount"], self.ITEMS, stopped)
        _, summary = self.finish_and_check()
        self.assertEqual(summary["ItemsFromEarlierRuns"], stopped["ItemCount"], summary)

    def test_resuming_a_finished_export_keeps_its_manifests(self):
        r = harness.run(*self.export_args()[1:], env=self.env(), timeout=240)
        self.assertEqual(r.code, 0, r.stderr)
        folder = next(self.out.rglob("manifest-summary.json")).parent

        def manifests():
            return {p.name: p.read_bytes() for p in folder.iterdir()
                    if p.name.startswith("manifest-")}

        before = manifests()
        self.assertEqual(len(before), 4, sorted(before))
        stderr, summary = self.finish_and_check()
        self.assertIn("had already finished; its manifests are kept", stderr)
        self.assertEqual(summary["ItemsFromEarlierRuns"], self.ITEMS, summary)
        self.assertEqual(summary["ItemsPerSecond"], 0, summary)
        # The text summary says the same.
        args = ["table" if a == "json" else a for a in self.export_args("--resume")[1:]]
        r = harness.run(*args, env=self.env(), timeout=240)
        self.assertEqual(r.code, 0, r.stderr)
        sizes = [p.stat().st_size for p in (folder / "data").iterdir()]
        self.assertIn(f"exported {self.ITEMS:,} items of {self.src} to ", r.stdout)
        self.assertIn(f", {self.ITEMS:,} from earlier runs\n", r.stdout)
        self.assertIn(f"  {len(sizes)} data files  {sum(sizes) / 1e6:.1f} MB gzip (", r.stdout)
        self.assertIn(" 0 items/s ", r.stdout)
        self.assertEqual(manifests(), before, "the manifests of a finished export changed")

        # The summary's checksum lost, as a crash between the two writes would leave it: both
        # are written again, and agree.
        (folder / "manifest-summary.md5").unlink()
        stderr, _ = self.finish_and_check()
        self.assertNotIn("had already finished", stderr)
        summary = (folder / "manifest-summary.json").read_bytes()
        self.assertEqual((folder / "manifest-summary.md5").read_bytes(),
                         md5_base64(summary).encode())

    def ctrl_c_export(self, *extra, to=None):
        """Starts a slow export and stops it with Ctrl-C once two data files are recorded;
        returns the manifest entries of the files its checkpoint records."""
        proc, _, err = self.start(self.export_args("--read-rate", "100", *extra, to=to),
                                  "stopped")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if self.checkpointed_files() >= 2:
                break
            time.sleep(0.05)
        self.assertIsNone(proc.poll(), "the export ended before it could be stopped:\n"
                          + self.read(err))
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=60), 130, self.read(err))
        recorded = self.checkpointed()
        self.assertGreaterEqual(len(recorded), 2)
        return recorded

    def test_resume_refuses_when_finished_files_are_gone(self):
        recorded = self.ctrl_c_export()
        count = len(recorded)
        folder = self.out / recorded[0]["dataFileS3Key"].rsplit("data/", 1)[0]
        # An unfinished export alone is not imported, and the error says why.
        r, _ = self.run_import(str(self.out), self.create_table(self.unique_table("xnone"),
                                                                  keys=KEYS))
        self.assert_error(r, "no finished export at", f"{folder}/ is unfinished",
                          "no manifest-summary.json")

        gone = self.out / recorded[1]["dataFileS3Key"]
        gone.unlink()
        checkpoint = self.checkpoint.read_bytes()
        r = harness.run(*self.export_args("--resume")[1:], env=self.env(), timeout=240)
        self.assert_error(r, f"1 of the {count} data files that checkpoint {self.checkpoint} "
                          f"records as finished is missing from {folder}/data/",
                          f"(e.g. {gone})", "restore them",
                          f"delete the export's folder {folder}/ and {self.checkpoint}",
                          "without --resume")
        self.assertNotIn("exported", r.stdout)
        self.assertEqual(self.checkpoint.read_bytes(), checkpoint, "the checkpoint changed")
        self.assertFalse(list(self.out.rglob("manifest-*")), "a manifest was written")
        for entry in recorded:
            if self.out / entry["dataFileS3Key"] != gone:
                self.assertTrue((self.out / entry["dataFileS3Key"]).exists(), entry)

        # The whole directory deleted: every file is missing.
        shutil.rmtree(self.out)
        r = harness.run(*self.export_args("--resume")[1:], env=self.env(), timeout=240)
        self.assert_error(r, f"{count} of the {count} data files", " are missing from ")
        self.assertFalse(self.out.exists(), "the refused resume made the directory again")

        # The advice: start over.
        self.checkpoint.unlink()
        r = harness.run(*self.export_args()[1:], env=self.env(), timeout=240)
        self.assertEqual(r.code, 0, r.stderr)
        self.finish_and_check()

    def test_resume_to_s3_refuses_when_a_finished_file_is_gone(self):
        s3 = self.client("s3")
        bucket, prefix = self.make_bucket("gone"), "backups/orders"
        to = f"s3://{bucket}/{prefix}"
        endpoint = ("--s3-endpoint-url", self.moto_endpoint)
        recorded = self.ctrl_c_export(*endpoint, to=to)
        gone = recorded[-1]["dataFileS3Key"]
        folder = gone.rsplit("data/", 1)[0]
        s3.delete_object(Bucket=bucket, Key=gone)
        r = harness.run(*self.export_args("--resume", *endpoint, to=to)[1:], env=self.env(),
                        timeout=240)
        self.assert_error(r, f"1 of the {len(recorded)} data files",
                          f"is missing from s3://{bucket}/{folder}data/",
                          f"(e.g. s3://{bucket}/{gone})",
                          f"delete the export's folder s3://{bucket}/{folder} and")
        _, list_keys = self.s3_reader(bucket)
        keys = set(list_keys())
        self.assertFalse([k for k in keys if "/manifest-" in k], sorted(keys))
        self.assertEqual({e["dataFileS3Key"] for e in recorded} - keys, {gone})

    def test_checkpoint_misuse_is_refused(self):
        r = self.cli("export", "--table", self.src, "--to", str(self.out), "--resume")
        self.assert_usage_error(r, "--resume needs --checkpoint")
        r = self.cli("export", "--table", self.src, "--to", str(self.out), "--checkpoint",
                     str(self.checkpoint), "--resume")
        self.assert_cli_error(r, "no checkpoint at")
        self.assertFalse(self.out.exists(), "a refused resume created the --to directory")
        r = harness.run(*self.export_args()[1:], env=self.env(), timeout=240)
        self.assertEqual(r.code, 0, r.stderr)
        # A second export must not overwrite the first one's checkpoint.
        r = harness.run(*self.export_args()[1:], env=self.env(), timeout=60)
        self.assert_cli_error(r, "already exists")
        # Resuming into another location, or for another table, is refused.
        elsewhere = self.work / "elsewhere"
        r = self.cli("export", "--table", self.src, "--to", str(elsewhere), "--checkpoint",
                     str(self.checkpoint), "--resume")
        self.assert_cli_error(r, "not an export of")
        self.assertFalse(elsewhere.exists(), "a refused resume created the --to directory")
        other = self.create_table(self.unique_table("xother"), keys=KEYS)
        r = self.cli("export", "--table", other, "--to", str(self.out), "--checkpoint",
                     str(self.checkpoint), "--resume")
        self.assert_cli_error(r, "not an export of")
        # A finished export's checkpoint resumes to the same manifests.
        self.finish_and_check()
        # With its folder gone, the resume is refused and makes no directory.
        moved = self.work / "moved-away"
        self.out.rename(moved)
        r = harness.run(*self.export_args("--resume")[1:], env=self.env(), timeout=60)
        self.assertEqual(r.code, 1, r.stderr)
        self.assertFalse(self.out.exists(), "a refused resume created the --to directory")
        moved.rename(self.out)
        # A fresh run its location refuses (AWSDynamoDB is a file there) leaves no checkpoint
        # behind to refuse the same command run again.
        refusing = self.work / "refusing"
        refusing.mkdir()
        (refusing / "AWSDynamoDB").write_text("in the way")
        fresh = self.work / "fresh.checkpoint.json"
        args = self.export_args(to=str(refusing))[1:]
        args[args.index(str(self.checkpoint))] = str(fresh)
        r = harness.run(*args, env=self.env(), timeout=60)
        self.assertEqual(r.code, 1, r.stderr)
        self.assertNotIn("--resume", r.stderr)
        self.assertFalse(fresh.exists(), "a refused fresh export left its checkpoint")
        # Not into a source table deleted and created again since.
        self.recreate_table(self.src, keys=KEYS)
        r = harness.run(*self.export_args("--resume")[1:], env=self.env(), timeout=60)
        self.assert_cli_error(r, f"source table {self.src} is not the table checkpoint")


if __name__ == "__main__":
    unittest.main()
