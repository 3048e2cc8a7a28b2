"""End-to-end tests of `ddbmigrate verify`, `checksum` and `copy --verify` against DynamoDB Local.
boto3 makes controlled differences between two tables; each must be reported exactly, and
nothing else."""

from __future__ import annotations

import json
import os
import signal
import tempfile
import time
import unittest

from fault_proxy import FaultProxy
from harness import ServiceTestCase

ITEMS = 1500


def read_report(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def key_of(item):
    return {"pk": item["pk"], "sk": item["sk"]}


def wire_key(item):
    """The key as DynamoDB JSON text values (what the report holds)."""
    return {"pk": {"S": item["pk"]["S"]}, "sk": {"N": item["sk"]["N"]}}


class VerifyTest(ServiceTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.items = cls.generate_items(ITEMS, seed=7)

    def make_pair(self, prefix):
        source = self.create_table(self.unique_table(prefix + "_src"))
        target = self.create_table(self.unique_table(prefix + "_dst"))
        self.write_items(source, self.items)
        self.write_items(target, self.items)
        return source, target

    def verify(self, source, target, *extra):
        # A sample picks its own segments (and refuses --segments).
        segments = () if "--sample" in extra else ("--segments", "3")
        return self.cli("verify", "--source-table", source, "--target-table", target,
                        *segments, "--page-size", "400", "--output", "json", *extra)

    def summary(self, result):
        return json.loads(result.stdout.strip().splitlines()[-1])

    def test_identical_tables_match(self):
        source, target = self.make_pair("same")
        r = self.verify(source, target)
        self.assertEqual(r.code, 0, r.stderr)
        s = self.summary(r)
        self.assertTrue(s["Match"])
        self.assertEqual((s["SourceItems"], s["TargetItems"]), (ITEMS, ITEMS))
        self.assertEqual((s["MissingInTarget"], s["ExtraInTarget"], s["Changed"]), (0, 0, 0))

    def test_each_controlled_difference_is_found_exactly(self):
        source, target = self.make_pair("diff")
        ddb = self.dynamodb()
        by_seq = {int(i["seq"]["N"]): i for i in self.items}

        def put(item):
            ddb.put_item(TableName=target, Item=item)

        missing = by_seq[10]
        ddb.delete_item(TableName=target, Key=key_of(missing))
        extra = dict(by_seq[11], pk={"S": "extra-item"})
        put(extra)
        changed_number = dict(by_seq[12], seq={"N": "12.000001"})
        put(changed_number)
        nested = dict(by_seq[13])
        nested["profile"] = {"M": dict(by_seq[13]["profile"]["M"], age={"N": "999"})}
        put(nested)
        reordered_set = dict(by_seq[14], flags={"SS": list(reversed(by_seq[14]["flags"]["SS"]))},
                             scores={"NS": list(reversed(by_seq[14]["scores"]["NS"]))})
        put(reordered_set)  # same set: must match
        reordered_list = dict(by_seq[15], history={"L": [{"N": "1"}, {"S": "two"}]})
        put(reordered_list)
        ddb.put_item(TableName=source, Item=dict(by_seq[15], history={"L": [{"S": "two"},
                                                                           {"N": "1"}]}))
        blob = bytearray(by_seq[16]["blob"]["B"])
        blob[0] ^= 0x01
        put(dict(by_seq[16], blob={"B": bytes(blob)}))
        put(dict(by_seq[17], added={"S": "new"}))
        same_number = dict(by_seq[18], seq={"N": "18.000"})  # equal by value
        put(same_number)

        with tempfile.TemporaryDirectory() as d:
            report = os.path.join(d, "report.jsonl")
            r = self.verify(source, target, "--report", report)
            self.assertEqual(r.code, 3, r.stderr)
            s = self.summary(r)
            self.assertFalse(s["Match"])
            self.assertEqual((s["SourceItems"], s["TargetItems"]), (ITEMS, ITEMS))
            self.assertEqual((s["MissingInTarget"], s["ExtraInTarget"], s["Changed"]), (1, 1, 5))
            lines = read_report(report)

        found = {(line["Difference"], json.dumps(line["Key"], sort_keys=True)):
                 line.get("Paths", []) for line in lines}
        k = lambda item: json.dumps(wire_key(item), sort_keys=True)  # noqa: E731
        expected = {
            ("MissingInTarget", k(missing)): [],
            ("ExtraInTarget", k(extra)): [],
            ("Changed", k(by_seq[12])): ["seq"],
            ("Changed", k(by_seq[13])): ["profile.age"],
            ("Changed", k(by_seq[15])): ["history[0]", "history[1]"],
            ("Changed", k(by_seq[16])): ["blob"],
            ("Changed", k(by_seq[17])): ["added"],
        }
        self.assertEqual(found, expected)

    def test_ignored_attributes_are_left_out(self):
        source, target = self.make_pair("ign")
        ddb = self.dynamodb()
        for item in self.items[:50]:
            ddb.put_item(TableName=target, Item=dict(item, migrated_at={"N": "1700000000"}))
        r = self.verify(source, target)
        self.assertEqual(r.code, 3, r.stderr)
        self.assertEqual(self.summary(r)["Changed"], 50)
        r = self.verify(source, target, "--ignore-attributes", "migrated_at,other")
        self.assertEqual(r.code, 0, r.stderr)
        # Blanks around a name are not part of it.
        r = self.verify(source, target, "--ignore-attributes", "other, migrated_at ")
        self.assertEqual(r.code, 0, r.stderr)
        r = self.verify(source, target, "--ignore-attributes", "pk")
        self.assert_usage_error(r, "key attribute pk")
        r = self.cli("checksum", "--table", source, "--ignore-attributes", "sk")
        self.assert_usage_error(r, "key attribute sk")
        for empty in ("", "migrated_at, ", " "):
            r = self.verify(source, target, "--ignore-attributes", empty)
            self.assertEqual(r.code, 2, (empty, r.stderr))
            self.assert_cli_error(r, "attribute name is empty")
        r = self.cli("checksum", "--table", source, "--ignore-attributes", "text, ")
        self.assertEqual(r.code, 2, r.stderr)

    def test_sample_looks_items_up_in_the_target(self):
        source, target = self.make_pair("smp")
        r = self.verify(source, target, "--sample", "0.2")
        self.assertEqual(r.code, 0, r.stderr)
        s = self.summary(r)
        self.assertTrue(s["Sampled"])
        r = self.cli("verify", "--source-table", source, "--target-table", target, "--sample",
                     "0.2", "--segments", "8")
        self.assert_cli_error(r, "--segments does not apply to --sample")
        self.assertEqual(r.code, 2)
        self.assertTrue(0 < s["SourceItems"] < ITEMS, s)
        self.assertEqual(s["LookedUp"], s["SourceItems"], s)
        self.assertEqual(s["TargetItems"], s["SourceItems"], s)
        ddb = self.dynamodb()
        for item in self.items:
            ddb.put_item(TableName=target, Item=dict(item, text={"S": "changed"}))
        r = self.verify(source, target, "--sample", "0.2")
        self.assertEqual(r.code, 3, r.stderr)
        s = self.summary(r)
        self.assertEqual(s["Changed"], s["SourceItems"])
        self.assertFalse(s["EmptySample"], s)

    def test_a_sample_says_how_many_keys_it_looked_up_and_found(self):
        source, _ = self.make_pair("smpfound")
        target = self.create_table(self.unique_table("smpfound_empty"))
        self.write_items(target, self.items[:1])
        r = self.cli("verify", "--source-table", source, "--target-table", target,
                     "--sample", "0.3")
        self.assertEqual(r.code, 3, r.stderr)
        first = r.stdout.splitlines()[0]
        sampled = int(first.split(": ")[1].split(" ")[0].replace(",", ""))
        self.assertGreater(sampled, 1, r.stdout)
        found = int(first.rsplit(", ", 1)[1].split(" ")[0])
        self.assertIn(found, (0, 1), r.stdout)
        self.assertIn(f"{target}: {sampled:,} looked up, {found} found", first)
        self.assertIn(f"missing in target: {sampled - found} ", r.stdout)

    def test_a_sample_that_holds_no_item_is_no_match(self):
        source = self.create_table(self.unique_table("esrc"))
        target = self.create_table(self.unique_table("edst"))
        r = self.verify(source, target, "--sample", "0.001")
        self.assertEqual(r.code, 3, r.stderr)
        s = self.summary(r)
        self.assertTrue(s["EmptySample"], s)
        self.assertFalse(s["Match"], s)
        self.assertEqual(s["SourceItems"], 0, s)

    def test_checksum_is_order_independent_and_sees_changes(self):
        source, target = self.make_pair("sum")

        def checksum(table, *extra):
            r = self.cli("checksum", "--table", table, "--output", "json", *extra)
            self.assertEqual(r.code, 0, r.stderr)
            return json.loads(r.stdout)

        a = checksum(source, "--segments", "1")
        b = checksum(target, "--segments", "5", "--page-size", "100")
        self.assertEqual(a["Items"], ITEMS)
        self.assertEqual(a["Checksum"], b["Checksum"])
        self.assertTrue(a["Checksum"].startswith("v1:"))
        item = self.items[3]
        self.dynamodb().put_item(TableName=target, Item=dict(item, text={"S": "other"}))
        self.assertNotEqual(checksum(target)["Checksum"], a["Checksum"])
        ignoring = checksum(target, "--ignore-attributes", "text,other")
        self.assertEqual(ignoring["Checksum"],
                         checksum(source, "--ignore-attributes", "text,other")["Checksum"])
        # Which attributes a digest leaves out is part of it: said in both outputs.
        self.assertEqual(ignoring["IgnoredAttributes"], ["other", "text"])
        self.assertEqual(a["IgnoredAttributes"], [])
        r = self.cli("checksum", "--table", source, "--ignore-attributes", "text")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertTrue(r.stdout.rstrip().endswith(f"  {source}  (leaving out text)"), r.stdout)

    def test_a_stopped_checksum_says_so_in_json(self):
        source, _ = self.make_pair("sumint")
        slow = FaultProxy(self.ddb_endpoint, [{"fault": "slow", "delay_ms": 1500,
                                               "operations": ["Scan"]}]).start()
        self.addCleanup(slow.stop)
        proc, out, err = self.start_cli(
            ["checksum", "--table", source, "--segments", "2", "--page-size", "50",
             "--output", "json", "--endpoint-url", slow.endpoint], "checksum-interrupted")
        deadline = time.monotonic() + 120
        while slow.stats["requests"].get("Scan", 0) == 0:
            self.assertIsNone(proc.poll(), self.read_text(err))
            self.assertLess(time.monotonic(), deadline, self.read_text(err))
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=60), 130, self.read_text(err))
        s = json.loads(self.read_text(out))
        self.assertEqual(s["Table"], source)
        self.assertTrue(s["Interrupted"], s)
        self.assertNotIn("Checksum", s)
        self.assertLess(s["ItemsDigested"], ITEMS, s)

    def test_scans_ask_for_consumed_capacity_only_when_told(self):
        """Checked on the wire, through a proxy that counts the Scans asking for their consumed
        capacity."""
        source, target = self.make_pair("cap")

        def through_proxy(*args, codes=(0,)):
            proxy = FaultProxy(self.ddb_endpoint, []).start()
            self.addCleanup(proxy.stop)
            r = self.cli(*args, "--endpoint-url", proxy.endpoint, endpoint=False)
            self.assertIn(r.code, codes, r.stderr)
            scans = proxy.stats["requests"]["Scan"]
            self.assertGreater(scans, 0, proxy.stats)
            return scans, proxy.stats["capacity_requested"].get("Scan", 0), proxy.stats

        verify = ("verify", "--source-table", source, "--target-table", target, "--segments",
                  "3", "--page-size", "400")
        checksum = ("checksum", "--table", source, "--segments", "3", "--page-size", "400")
        one_pass = {}  # Scans of each table when they match
        for args in (verify, checksum):
            scans, asked, _ = through_proxy(*args)
            self.assertEqual(asked, 0, args[0])
            for extra in (("--consumed-capacity", "reads"), ("--read-rate", "100000")):
                scans, asked, stats = through_proxy(*args, *extra)
                self.assertEqual(asked, scans, (args[0], extra))
                if args is verify:
                    one_pass = {t: n["requests"] for t, n in stats["scans_by_table"].items()}
            r = self.cli(*args, "--consumed-capacity", "none", "--read-percent", "50")
            self.assert_cli_error(r, "--consumed-capacity none cannot go with --read-rate or "
                                     "--read-percent")
        # A sample scans the source only (the target is read by key); tables that differ are
        # scanned a second time, for the keys of the differing buckets. Under the read limit
        # every Scan of either asks; by default none does.
        self.dynamodb().put_item(TableName=target, Item=dict(self.items[5], text={"S": "other"}))
        sampling = tuple(a for a in verify if a not in ("--segments", "3"))
        for extra, codes, tables in ((("--sample", "0.5"), (0, 3), {source}),
                                     ((), (3,), {source, target})):
            args = sampling if extra else verify
            _, asked, _ = through_proxy(*args, *extra, codes=codes)
            self.assertEqual(asked, 0, extra)
            _, _, stats = through_proxy(*args, *extra, "--read-rate", "100000", codes=codes)
            by_table = stats["scans_by_table"]
            self.assertEqual(set(by_table), tables, stats)
            for table in tables:
                self.assertEqual(by_table[table]["capacity_requested"],
                                 by_table[table]["requests"], (extra, table, stats))
                if not extra:  # a second pass over each table
                    self.assertGreater(by_table[table]["requests"], one_pass[table], stats)

    def test_readers_bound_the_segments_read_at_once(self):
        source, target = self.make_pair("rdr")
        r = self.cli("verify", "--source-table", source, "--target-table", target,
                     "--segments", "64", "--readers", "2", "--output", "json")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(self.summary(r)["SourceItems"], ITEMS)
        sums = set()
        for extra in (("--segments", "40", "--readers", "1"), ("--segments", "3")):
            r = self.cli("checksum", "--table", source, "--output", "json", *extra)
            self.assertEqual(r.code, 0, r.stderr)
            sums.add(json.loads(r.stdout)["Checksum"])
        self.assertEqual(len(sums), 1, sums)
        r = self.verify(source, target, "--readers", "0")
        self.assertEqual(r.code, 2, r.stderr)

    def test_sample_lookups_keep_to_the_targets_read_rate(self):
        """Under a read rate the target's BatchGetItems ask for their consumed capacity (which
        feeds the limiter), as the Scans do; without one they do not."""
        source, target = self.make_pair("smprate")
        for extra, asking in (((), False), (("--read-rate", "100000"), True)):
            proxy = FaultProxy(self.ddb_endpoint, []).start()
            self.addCleanup(proxy.stop)
            r = self.cli("verify", "--source-table", source, "--target-table", target,
                         "--sample", "0.3", "--page-size", "200", "--output", "json",
                         "--source-endpoint-url", self.ddb_endpoint,
                         "--target-endpoint-url", proxy.endpoint, *extra, endpoint=False)
            self.assertEqual(r.code, 0, r.stderr)
            stats = proxy.stats
            gets = stats["requests"].get("BatchGetItem", 0)
            self.assertGreater(gets, 0, stats)
            self.assertEqual(stats["capacity_requested"].get("BatchGetItem", 0),
                             gets if asking else 0, (extra, stats))

    def test_a_side_that_fails_stops_the_other_and_is_named(self):
        """The source's Scans are refused; the target, read slowly, must not be read on to its
        end before the error, which names the source table."""
        source, target = self.make_pair("fail")
        denied = FaultProxy(self.ddb_endpoint, [{"fault": "denied", "operations": ["Scan"]}])
        slow = FaultProxy(self.ddb_endpoint, [{"fault": "slow", "delay_ms": 300,
                                               "operations": ["Scan"]}])
        for proxy in (denied.start(), slow.start()):
            self.addCleanup(proxy.stop)
        r = self.cli("verify", "--source-table", source, "--target-table", target,
                     "--segments", "2", "--page-size", "50",
                     "--source-endpoint-url", denied.endpoint,
                     "--target-endpoint-url", slow.endpoint, endpoint=False)
        self.assert_cli_error(r, f"the source table {source}")
        self.assertEqual(r.code, 1)
        self.assertIn("AccessDenied", r.stderr)
        # A full scan of the target takes more than 30 pages of 50 items: it stopped within
        # the first half (the source is refused at once, the target's pages take 300 ms each).
        target_scans = slow.stats["requests"].get("Scan", 0)
        self.assertLess(target_scans, 15, slow.stats)

    def test_items_equal_when_read_back_changed_while_verifying(self):
        """Three items differ when the tables are scanned; while the first is read back (slowly,
        through a proxy) the target is set right. Their lines say they read back equal, and a
        warning says they changed while they were verified."""
        source, target = self.make_pair("cwv")
        ddb = self.dynamodb()
        for item in self.items[2:5]:
            ddb.put_item(TableName=target, Item=dict(item, text={"S": "changed"}))
        proxy = FaultProxy(self.ddb_endpoint, [{"fault": "slow", "delay_ms": 4000,
                                                "operations": ["BatchGetItem"], "max_count": 1}])
        proxy.start()
        self.addCleanup(proxy.stop)
        with tempfile.TemporaryDirectory() as d:
            report = os.path.join(d, "report.jsonl")
            proc, out, err = self.start_cli(
                ["verify", "--source-table", source, "--target-table", target, "--segments", "3",
                 "--report", report, "--output", "json", "--source-endpoint-url", proxy.endpoint,
                 "--target-endpoint-url", self.ddb_endpoint], "cwv", directory=d)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None and \
                    proxy.stats["requests"].get("BatchGetItem", 0) == 0:
                time.sleep(0.02)
            self.assertIsNone(proc.poll(), self.read_text(err))
            for item in self.items[2:5]:
                ddb.put_item(TableName=target, Item=item)
            self.assertEqual(proc.wait(timeout=120), 3, self.read_text(err))
            self.assertIn("warning: 3 changed items differed when the tables were scanned but "
                          "not when read back", self.read_text(err))
            lines = read_report(report)
        self.assertEqual([(line["Difference"], line.get("ReadBack")) for line in lines],
                         [("Changed", "Equal")] * 3)

    def test_an_item_that_differs_only_when_scanned_changed_while_verifying(self):
        """A proxy rewrites one item in the target's Scan answers only: it differs in both scans
        and reads back equal. ChangedWhileVerifying counts it (VanishedBuckets counts buckets
        that differed in the first scan only)."""
        source, target = self.make_pair("scanonly")
        item = self.items[3]
        proxy = FaultProxy(self.ddb_endpoint, [{"fault": "rewrite", "table": target,
                                                "match": key_of(item),
                                                "set_attributes": {"text": {"S": "rewritten"}}}])
        proxy.start()
        self.addCleanup(proxy.stop)
        with tempfile.TemporaryDirectory() as d:
            report = os.path.join(d, "report.jsonl")
            r = self.cli("verify", "--source-table", source, "--target-table", target,
                         "--segments", "3", "--report", report, "--output", "json",
                         "--endpoint-url", proxy.endpoint, endpoint=False)
            self.assertEqual(r.code, 3, r.stderr)
            s = self.summary(r)
            self.assertEqual((s["MissingInTarget"], s["ExtraInTarget"], s["Changed"]), (0, 0, 1))
            self.assertEqual((s["ChangedWhileVerifying"], s["VanishedBuckets"]), (1, 0), s)
            self.assertNotIn("LookedUp", s)
            self.assertIn("warning: 1 changed item differed when the tables were scanned but not "
                          "when read back", r.stderr)
            self.assertEqual(read_report(report), [{"Difference": "Changed",
                                                    "Key": wire_key(item), "ReadBack": "Equal"}])
        self.assertGreater(proxy.fault_count("rewrite", "Scan"), 0)

    def test_changed_items_are_read_back_in_batches(self):
        """250 changed items: read back 100 keys per BatchGetItem from each table (3 requests
        each), and each named with what differs."""
        source, target = self.make_pair("batch")
        changed = self.items[:250]
        self.write_items(target, [dict(i, text={"S": "changed"}) for i in changed])
        proxy = FaultProxy(self.ddb_endpoint, []).start()
        self.addCleanup(proxy.stop)
        with tempfile.TemporaryDirectory() as d:
            report = os.path.join(d, "report.jsonl")
            r = self.cli("verify", "--source-table", source, "--target-table", target,
                         "--segments", "3", "--readers", "2", "--report", report,
                         "--output", "json", "--endpoint-url", proxy.endpoint, endpoint=False)
            self.assertEqual(r.code, 3, r.stderr)
            s = self.summary(r)
            self.assertEqual((s["MissingInTarget"], s["ExtraInTarget"], s["Changed"]),
                             (0, 0, 250))
            self.assertEqual(s["ChangedWhileVerifying"], 0, s)
            self.assertIn("reading back 250 changed items", r.stderr)
            self.assertEqual(proxy.stats["requests"].get("BatchGetItem"), 6, proxy.stats)
            lines = read_report(report)
        self.assertEqual(len(lines), 250)
        self.assertEqual(sorted(json.dumps(line, sort_keys=True) for line in lines),
                         sorted(json.dumps({"Difference": "Changed", "Key": wire_key(i),
                                            "Paths": ["text"]}, sort_keys=True)
                                for i in changed))
        # Under a read rate the lookups ask for their consumed capacity, which feeds each
        # table's limiter.
        proxy.reset_stats()
        r = self.cli("verify", "--source-table", source, "--target-table", target,
                     "--segments", "3", "--read-rate", "100000", "--output", "json",
                     "--endpoint-url", proxy.endpoint, endpoint=False)
        self.assertEqual(r.code, 3, r.stderr)
        self.assertEqual(self.summary(r)["Changed"], 250)
        stats = proxy.stats
        self.assertEqual(stats["requests"].get("BatchGetItem"), 6, stats)
        self.assertEqual(stats["capacity_requested"].get("BatchGetItem"), 6, stats)

    def test_changed_items_past_the_first_thousand_are_said_to_have_no_paths(self):
        source, target = self.make_pair("many")
        self.write_items(target, [dict(i, text={"S": "changed"}) for i in self.items[:1200]])
        report = os.path.join(self.home, "many.jsonl")
        r = self.verify(source, target, "--report", report)
        self.assertEqual(r.code, 3, r.stderr)
        self.assertEqual(self.summary(r)["Changed"], 1200)
        self.assertIn("reading back 1,000 changed items to name the attributes that differ (the "
                      "first 1,000: the other 200 are listed by key only)", r.stderr)
        lines = read_report(report)
        self.assertEqual(len([line for line in lines if "Paths" in line]), 1000)
        self.assertEqual(len(lines), 1200)

    def test_stopped_while_reading_back_keeps_the_report(self):
        """Ctrl-C while the changed items are read back (slowly, one batch at a time): exit 130,
        every difference listed, those not read back without paths."""
        source, target = self.make_pair("rbint")
        changed = self.items[:250]
        self.write_items(target, [dict(i, text={"S": "changed"}) for i in changed])
        slow = FaultProxy(self.ddb_endpoint, [{"fault": "slow", "delay_ms": 1500,
                                               "operations": ["BatchGetItem"]}]).start()
        self.addCleanup(slow.stop)
        report = os.path.join(self.home, "readback-interrupted.jsonl")
        proc, out, err = self.start_cli(
            ["verify", "--source-table", source, "--target-table", target, "--segments", "3",
             "--readers", "1", "--report", report, "--output", "json",
             "--endpoint-url", slow.endpoint], "readback-interrupted")
        deadline = time.monotonic() + 120
        while slow.stats["requests"].get("BatchGetItem", 0) == 0:
            self.assertIsNone(proc.poll(), self.read_text(err))
            self.assertLess(time.monotonic(), deadline, self.read_text(err))
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=60), 130, self.read_text(err))
        self.assertIn("stopped looking up the changed items", self.read_text(err))
        s = json.loads(self.read_text(out).strip().splitlines()[-1])
        self.assertTrue(s["Interrupted"], s)
        self.assertEqual(s["Changed"], 250, s)
        self.assertFalse(s["ReportPartial"], s)
        lines = read_report(report)
        self.assertEqual(len(lines), 250)
        with_paths = [line for line in lines if "Paths" in line]
        self.assertTrue(0 < len(with_paths) < 250, len(with_paths))
        self.assertLess(slow.stats["requests"]["BatchGetItem"], 6, slow.stats)

    def test_a_failed_lookup_of_the_changed_items_keeps_the_report(self):
        source, target = self.make_pair("det")
        ddb = self.dynamodb()
        ddb.delete_item(TableName=target, Key=key_of(self.items[1]))
        for item in self.items[2:5]:
            ddb.put_item(TableName=target, Item=dict(item, text={"S": "changed"}))
        proxy = FaultProxy(self.ddb_endpoint,
                           [{"fault": "denied", "operations": ["BatchGetItem"]}])
        proxy.start()
        self.addCleanup(proxy.stop)
        with tempfile.TemporaryDirectory() as d:
            report = os.path.join(d, "report.jsonl")
            r = self.cli("verify", "--source-table", source, "--target-table", target,
                         "--segments", "3", "--report", report, "--output", "json",
                         "--source-endpoint-url", proxy.endpoint,
                         "--target-endpoint-url", self.ddb_endpoint, endpoint=False)
            self.assertEqual(r.code, 3, r.stderr)
            self.assertIn("warning: the attributes that differ are not named for 3 changed",
                          r.stderr)
            self.assertIn(f"the source table {source}", r.stderr)
            s = self.summary(r)
            self.assertEqual((s["MissingInTarget"], s["Changed"]), (1, 3))
            self.assertFalse(s["ReportPartial"])
            lines = read_report(report)
        self.assertEqual(sorted((line["Difference"], json.dumps(line["Key"], sort_keys=True))
                                for line in lines),
                         sorted([("MissingInTarget", json.dumps(wire_key(self.items[1]),
                                                                sort_keys=True))] +
                                [("Changed", json.dumps(wire_key(i), sort_keys=True))
                                 for i in self.items[2:5]]))
        self.assertTrue(all("Paths" not in line for line in lines), lines)

    def test_stopped_during_the_second_pass_lists_nothing(self):
        """Keys collected from scans cut short would look missing or extra: an interrupted
        second pass lists no difference, and the report is marked partial."""
        source, target = self.make_pair("int")
        self.dynamodb().delete_item(TableName=target, Key=key_of(self.items[9]))
        slow = FaultProxy(self.ddb_endpoint, [{"fault": "slow", "delay_ms": 300,
                                               "operations": ["Scan"]}]).start()
        self.addCleanup(slow.stop)
        report = os.path.join(self.home, "interrupted-report.jsonl")
        proc, out, err = self.start_cli(
            ["verify", "--source-table", source, "--target-table", target, "--segments", "3",
             "--page-size", "50", "--report", report, "--output", "json",
             "--endpoint-url", slow.endpoint], "verify-interrupted")
        deadline = time.monotonic() + 120
        while "scanning both tables again" not in self.read_text(err):
            self.assertIsNone(proc.poll(), self.read_text(err))
            self.assertLess(time.monotonic(), deadline, self.read_text(err))
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        self.assertEqual(code, 130, self.read_text(err))
        s = json.loads(self.read_text(out).strip().splitlines()[-1])
        self.assertTrue(s["Interrupted"], s)
        self.assertTrue(s["ReportPartial"], s)
        self.assertEqual((s["MissingInTarget"], s["ExtraInTarget"], s["Changed"]), (0, 0, 0), s)
        self.assertEqual(read_report(report), [])

    def test_copy_then_verify(self):
        source = self.create_table(self.unique_table("cv_src"))
        self.write_items(source, self.items[:400])
        target = self.unique_table("cv_dst")
        r = self.cli("copy", "--source-table", source, "--target-table", target,
                     "--create-target", "--verify", "--segments", "2")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("tables match", r.stdout)
        self.assert_tables_equal(source, target)

    def test_resumed_copy_that_had_finished_still_verifies(self):
        """A copy stopped while it verified has a finished checkpoint: its --resume --verify must
        verify (and find what changed since), not report that there is nothing to do."""
        source = self.create_table(self.unique_table("rv_src"))
        self.write_items(source, self.items[:300])
        target = self.create_table(self.unique_table("rv_dst"))
        with tempfile.TemporaryDirectory() as d:
            checkpoint = os.path.join(d, "copy.checkpoint")
            report = os.path.join(d, "report.jsonl")
            copy = ("copy", "--source-table", source, "--target-table", target, "--segments",
                    "2", "--checkpoint", checkpoint)
            r = self.cli(*copy)
            self.assertEqual(r.code, 0, r.stderr)
            gone = self.items[7]
            self.dynamodb().delete_item(TableName=target, Key=key_of(gone))
            r = self.cli(*copy, "--resume")
            self.assertEqual(r.code, 0, r.stderr)
            self.assertIn("nothing to do", r.stderr)
            r = self.cli(*copy, "--resume", "--verify", "--verify-report", report,
                         "--output", "json")
            self.assertEqual(r.code, 3, r.stderr)
            self.assertIn("verifying it", r.stderr)
            s = self.summary(r)
            self.assertEqual((s["MissingInTarget"], s["ExtraInTarget"], s["Changed"]), (1, 0, 0))
            self.assertEqual(read_report(report),
                             [{"Difference": "MissingInTarget", "Key": wire_key(gone)}])
            self.dynamodb().put_item(TableName=target, Item=gone)
            r = self.cli(*copy, "--resume", "--verify")
            self.assertEqual(r.code, 0, r.stderr)
            self.assertIn("tables match", r.stdout)

    def test_bad_input(self):
        source = self.create_table(self.unique_table("bad_src"))
        other = self.create_table(self.unique_table("bad_other"), keys=[("id", "HASH", "S")])
        r = self.verify(source, other)
        self.assert_cli_error(r, "key schemas differ")
        r = self.verify(source, "no_such_table")
        self.assert_cli_error(r, "does not exist")
        r = self.verify(source, source, "--report", "/nonexistent-dir/report.jsonl")
        self.assert_cli_error(r, "report file")


if __name__ == "__main__":
    unittest.main()
