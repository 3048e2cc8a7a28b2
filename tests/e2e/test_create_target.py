"""End-to-end tests of `copy --create-target`: the target is created from the source's
description on DynamoDB Local, then boto3 judges both tables' descriptions and their data."""

import json
import re
import signal
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import harness
from fault_proxy import FaultProxy
from harness import ServiceTestCase

TTL_ATTRIBUTE = "expires_at"
FAR_FUTURE = str(4_102_444_800)  # 2100-01-01: never expires during the test


def projection(p):
    """A Projection in a comparable form (NonKeyAttributes as a sorted list)."""
    return {"ProjectionType": p["ProjectionType"],
            "NonKeyAttributes": sorted(p.get("NonKeyAttributes", []))}


def capacity(description):
    t = description.get("ProvisionedThroughput", {})
    return t.get("ReadCapacityUnits", 0), t.get("WriteCapacityUnits", 0)


def billing_mode(table):
    return table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")


class CreateTargetBase(ServiceTestCase):

    def describe(self, table):
        return self.dynamodb().describe_table(TableName=table)["Table"]

    def items_with_index_keys(self, count, seed):
        """Generated items (pk S, sk N, seq N, blob B, ...) plus a plain ASCII "category" (S)
        for a global index: DynamoDB Local's index backfill skips items whose key contains
        U+2028/U+2029, which the generated "text" may. Every third item also carries the TTL
        attribute, far in the future."""
        items = self.generate_items(count, seed=seed)
        for i, item in enumerate(items):
            item["category"] = {"S": f"cat-{i % 7}"}
            if i % 3 == 0:
                item[TTL_ATTRIBUTE] = {"N": FAR_FUTURE}
        return items

    def create_source(self, name, billing, deletion_protection=False):
        """A source with two GSIs (INCLUDE, KEYS_ONLY), two LSIs (ALL, KEYS_ONLY), a
        NEW_AND_OLD_IMAGES stream and TTL; provisioned capacities differ everywhere so a
        mix-up shows."""
        provisioned = billing == "PROVISIONED"

        def throughput(read, write):
            return {"ProvisionedThroughput": {"ReadCapacityUnits": read,
                                              "WriteCapacityUnits": write}} if provisioned else {}

        extra = {}
        if provisioned:
            extra.update(throughput(7, 9))
        if deletion_protection:
            extra["DeletionProtectionEnabled"] = True
        ddb = self.dynamodb()
        ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"},
                                  {"AttributeName": "category", "AttributeType": "S"},
                                  {"AttributeName": "seq", "AttributeType": "N"},
                                  {"AttributeName": "blob", "AttributeType": "B"}],
            BillingMode=billing,
            GlobalSecondaryIndexes=[
                {"IndexName": "ByCategory",
                 "KeySchema": [{"AttributeName": "category", "KeyType": "HASH"},
                               {"AttributeName": "seq", "KeyType": "RANGE"}],
                 "Projection": {"ProjectionType": "INCLUDE",
                                "NonKeyAttributes": ["flags", "scores"]},
                 **throughput(3, 4)},
                {"IndexName": "BySeq",
                 "KeySchema": [{"AttributeName": "seq", "KeyType": "HASH"}],
                 "Projection": {"ProjectionType": "KEYS_ONLY"},
                 **throughput(2, 5)},
            ],
            LocalSecondaryIndexes=[
                {"IndexName": "ByBlob",
                 "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                               {"AttributeName": "blob", "KeyType": "RANGE"}],
                 "Projection": {"ProjectionType": "ALL"}},
                {"IndexName": "BySeqLocal",
                 "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                               {"AttributeName": "seq", "KeyType": "RANGE"}],
                 "Projection": {"ProjectionType": "KEYS_ONLY"}},
            ],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            **extra)
        ddb.get_waiter("table_exists").wait(TableName=name,
                                            WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
            "AttributeName": TTL_ATTRIBUTE, "Enabled": True})
        return name

    def index_count(self, table, index):
        ddb, total, kwargs = self.dynamodb(), 0, {"TableName": table, "IndexName": index,
                                                  "Select": "COUNT"}
        while True:
            page = ddb.scan(**kwargs)
            total += page["Count"]
            if "LastEvaluatedKey" not in page:
                return total
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def assert_same_schema(self, source, target):
        """Everything --create-target promises to copy that DynamoDB Local reports."""
        src, dst = self.describe(source), self.describe(target)
        self.assertEqual(dst["TableStatus"], "ACTIVE")
        self.assertEqual(dst["KeySchema"], src["KeySchema"])
        self.assertEqual(sorted(dst["AttributeDefinitions"], key=lambda d: d["AttributeName"]),
                         sorted(src["AttributeDefinitions"], key=lambda d: d["AttributeName"]))
        self.assertEqual(billing_mode(dst), billing_mode(src))
        if billing_mode(src) == "PROVISIONED":
            self.assertEqual(capacity(dst), capacity(src))
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            src_indexes = {i["IndexName"]: i for i in src.get(kind, [])}
            dst_indexes = {i["IndexName"]: i for i in dst.get(kind, [])}
            self.assertEqual(sorted(dst_indexes), sorted(src_indexes), kind)
            for name, s in src_indexes.items():
                d = dst_indexes[name]
                self.assertEqual(d["KeySchema"], s["KeySchema"], name)
                self.assertEqual(projection(d["Projection"]), projection(s["Projection"]), name)
                if kind == "GlobalSecondaryIndexes":
                    self.assertEqual(d["IndexStatus"], "ACTIVE", name)
                    if billing_mode(src) == "PROVISIONED":
                        self.assertEqual(capacity(d), capacity(s), name)
                self.assertEqual(self.index_count(target, name), self.index_count(source, name),
                                 f"items in index {name}")
        self.assertEqual(dst.get("StreamSpecification"), src.get("StreamSpecification"))
        self.assertTrue(dst.get("LatestStreamArn"))
        self.assertNotEqual(dst.get("LatestStreamArn"), src.get("LatestStreamArn"))
        self.assertEqual(dst.get("DeletionProtectionEnabled", False),
                         src.get("DeletionProtectionEnabled", False))
        ttl = {t: self.dynamodb().describe_time_to_live(TableName=t)["TimeToLiveDescription"]
               for t in (source, target)}
        self.assertEqual(ttl[source], {"TimeToLiveStatus": "ENABLED",
                                       "AttributeName": TTL_ATTRIBUTE})
        self.assertEqual(ttl[target], ttl[source])


class CreateTargetTest(CreateTargetBase):

    def test_provisioned_source_with_indexes_stream_and_ttl(self):
        src = self.create_source(self.unique_table("ct_src"), "PROVISIONED")
        dst = self.unique_table("ct_dst")
        self.write_items(src, self.items_with_index_keys(300, seed=41))
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--create-target")
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_same_schema(src, dst)
        self.assert_tables_equal(src, dst)
        # DynamoDB Local has neither tagging nor continuous backups: reported, not fatal.
        self.assertIn("tags", r.stderr)
        self.assertIn("point-in-time recovery", r.stderr)
        self.assertIn("UnknownOperationException", r.stderr)

    def test_on_demand_source_with_indexes_created_after_the_load(self):
        src = self.create_source(self.unique_table("ct_src"), "PAY_PER_REQUEST",
                                 deletion_protection=True)
        dst = self.unique_table("ct_dst")
        self.write_items(src, self.items_with_index_keys(200, seed=42))
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--create-target",
                     "--create-indexes-after")
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_same_schema(src, dst)
        self.assertTrue(self.describe(dst)["DeletionProtectionEnabled"])
        self.assert_tables_equal(src, dst)

    def test_interrupted_copy_with_indexes_after_resumes_and_adds_them(self):
        """Ctrl-C after --create-target made the table: the same command with --resume copies
        into the table it made (it is not refused as an existing one) and still adds the GSIs
        --create-indexes-after deferred."""
        src = self.create_source(self.unique_table("ct_src"), "PAY_PER_REQUEST")
        dst = self.unique_table("ct_dst")
        self.write_items(src, self.items_with_index_keys(300, seed=44))
        checkpoint = Path(tempfile.mkdtemp(dir=self.home)) / "copy.checkpoint.json"
        args = ["--source-table", src, "--target-table", dst, "--create-target",
                "--create-indexes-after", "--checkpoint", str(checkpoint)]
        proc = subprocess.Popen([str(harness.binary_path()), "copy", *args, "--read-rate", "2",
                                 "--endpoint-url", self.ddb_endpoint], env=self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Interrupted once the table it made holds some items, while the scan (about 36 RCU at
        # 2 RCU/s) is still reading.
        ddb, deadline = self.dynamodb(), time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                if ddb.scan(TableName=dst, Select="COUNT")["Count"] >= 10:
                    break
            except ddb.exceptions.ResourceNotFoundException:
                pass
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 130, stdout + stderr)
        self.assertNotIn("GlobalSecondaryIndexes", self.describe(dst))
        self.assertIs(json.loads(checkpoint.read_text())["CreateIndexesAfter"], True)

        # Without --create-indexes-after the resume would never add the indexes: refused.
        without = [a for a in args if a != "--create-indexes-after"]
        r = self.cli("copy", *without, "--resume")
        self.assert_cli_error(r, contains="resume it with --create-indexes-after")

        r = self.cli("copy", *args, "--resume")
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_same_schema(src, dst)
        self.assert_tables_equal(src, dst)

    def test_existing_target_is_refused_and_left_alone(self):
        src = self.create_source(self.unique_table("ct_src"), "PAY_PER_REQUEST")
        dst = self.create_table(self.unique_table("ct_dst"))
        self.write_items(src, self.items_with_index_keys(20, seed=43))
        before = self.describe(dst)
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--create-target")
        self.assert_cli_error(r, contains="already exists")
        self.assertIn("--create-target", r.stderr)
        after = self.describe(dst)
        self.assertEqual(self.scan_all(dst), [])
        self.assertNotIn("GlobalSecondaryIndexes", after)
        self.assertEqual(after["CreationDateTime"], before["CreationDateTime"])

    def test_a_refused_create_table_still_tells_what_was_left_out(self):
        """CreateTable denied (IAM's AccessDeniedException, from the fault proxy): the run ends
        with the error, and the settings the plan left out are told before it, since one of
        them may be the cause; none is said to be copied, and no table exists."""
        src = self.create_source(self.unique_table("ct_src"), "PAY_PER_REQUEST")
        dst = self.unique_table("ct_dst")
        self.write_items(src, self.items_with_index_keys(10, seed=47))
        proxy = FaultProxy(self.ddb_endpoint, [
            {"fault": "denied", "operations": ["CreateTable"]}]).start()
        self.addCleanup(proxy.stop)
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--create-target",
                     "--endpoint-url", proxy.endpoint, endpoint=False)
        self.assertEqual(r.code, 1, r.stderr)
        self.assertIn("CreateTable: AccessDeniedException", r.stderr.strip().splitlines()[-1])
        notes = [line for line in r.stderr.splitlines() if line.startswith("create-target: ")]
        self.assertTrue(any(": not copied" in line and line.startswith("create-target: tags")
                            for line in notes), r.stderr)
        self.assertFalse([line for line in notes if ": not copied" not in line], r.stderr)
        self.assertTrue(r.stderr.strip().splitlines()[-1].startswith("ddbmigrate: error: "),
                        r.stderr)
        ddb = self.dynamodb()
        with self.assertRaises(ddb.exceptions.ResourceNotFoundException):
            ddb.describe_table(TableName=dst)


class CreateTargetSettingsTest(CreateTargetBase):
    """Settings that fail to be applied, and a refused CreateTable resumed; on a DynamoDB Local
    of their own, as DeferredIndexResumeTest: on the one the tests above share, run before them,
    a deferred GSI of CreateTargetTest never appeared."""

    def test_settings_that_fail_to_be_enabled_are_named_and_exit_3(self):
        """UpdateTimeToLive denied on the new table (IAM's AccessDeniedException, from the fault
        proxy): the copy goes on, but the run ends with exit 3 and both summaries name the
        setting; DynamoDB Local's lack of continuous backups (not copied by design) is not
        counted."""
        src = self.create_source(self.unique_table("ct_src"), "PAY_PER_REQUEST")
        self.write_items(src, self.items_with_index_keys(30, seed=51))
        proxy = FaultProxy(self.ddb_endpoint, [
            {"fault": "denied", "operations": ["UpdateTimeToLive"]}]).start()
        self.addCleanup(proxy.stop)
        for output in ("json", "table"):
            with self.subTest(output):
                dst = self.unique_table("ct_dst")
                r = self.cli("copy", "--source-table", src, "--target-table", dst,
                             "--create-target", "--output", output, "--endpoint-url",
                             proxy.endpoint, endpoint=False)
                self.assertEqual(r.code, 3, r.stderr)
                self.assertIn("create-target: time to live: not applied: enabling it on "
                              f"attribute {TTL_ATTRIBUTE} failed", r.stderr)
                self.assertIn("AccessDeniedException", r.stderr)
                if output == "json":
                    summary = json.loads(r.stdout.strip().splitlines()[-1])
                    self.assertEqual(summary["TargetSettingsNotApplied"], ["time to live"])
                    self.assertEqual(summary["ItemsWritten"], 30, summary)
                else:
                    self.assertIn("the target table lacks settings of the source that enabling "
                                  "failed: time to live", r.stdout)
                self.assert_tables_equal(src, dst)

    def test_import_names_settings_that_fail_to_be_enabled(self):
        """import --create-target shares the table's making with copy: the same exit 3 and
        TargetSettingsNotApplied."""
        src = self.create_source(self.unique_table("ct_src"), "PAY_PER_REQUEST")
        self.write_items(src, self.items_with_index_keys(12, seed=55))
        folder = Path(tempfile.mkdtemp(dir=self.home)) / "export"
        r = self.cli("export", "--table", src, "--to", str(folder))
        self.assertEqual(r.code, 0, r.stderr)
        proxy = FaultProxy(self.ddb_endpoint, [
            {"fault": "denied", "operations": ["UpdateTimeToLive"]}]).start()
        self.addCleanup(proxy.stop)
        dst = self.unique_table("ct_imp")
        r = self.cli("import", "--from", str(folder), "--table", dst, "--create-target",
                     "--output", "json", "--endpoint-url", proxy.endpoint, endpoint=False)
        self.assertEqual(r.code, 3, r.stderr)
        self.assertIn("create-target: time to live: not applied", r.stderr)
        summary = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertEqual(summary["TargetSettingsNotApplied"], ["time to live"])
        self.assertEqual(summary["ItemsWritten"], 12, summary)
        self.assert_tables_equal(src, dst)

    def test_a_copy_without_failed_settings_names_none(self):
        src = self.create_source(self.unique_table("ct_src"), "PAY_PER_REQUEST")
        dst = self.unique_table("ct_dst")
        self.write_items(src, self.items_with_index_keys(5, seed=52))
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--create-target",
                     "--output", "json")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout.strip().splitlines()[-1])["TargetSettingsNotApplied"],
                         [])

    def test_a_refused_create_table_with_a_checkpoint_is_resumed(self):
        """CreateTable denied after the checkpoint said the target was being created: the error
        says to rerun with --resume, and that resume creates the table and copies."""
        src = self.create_source(self.unique_table("ct_src"), "PAY_PER_REQUEST")
        dst = self.unique_table("ct_dst")
        self.write_items(src, self.items_with_index_keys(25, seed=53))
        checkpoint = Path(tempfile.mkdtemp(dir=self.home)) / "copy.checkpoint.json"
        args = ["copy", "--source-table", src, "--target-table", dst, "--create-target",
                "--checkpoint", str(checkpoint)]
        proxy = FaultProxy(self.ddb_endpoint, [
            {"fault": "denied", "operations": ["CreateTable"]}]).start()
        self.addCleanup(proxy.stop)
        r = self.cli(*args, "--endpoint-url", proxy.endpoint, "--output", "json",
                     endpoint=False)
        self.assertEqual(r.code, 1, r.stderr)
        last = r.stderr.strip().splitlines()[-1]
        self.assertIn("CreateTable: AccessDeniedException", last)
        self.assertIn("; fix the cause and rerun with --resume", last)
        # The run had started (its checkpoint exists): its JSON summary says how it ended.
        summary = json.loads(r.stdout)
        self.assertIn("fix the cause and rerun with --resume", summary["Error"])
        self.assertEqual(summary["ItemsWritten"], 0, summary)
        self.assertEqual(summary["Checkpoint"], str(checkpoint), summary)
        self.assertIs(json.loads(checkpoint.read_text(encoding="utf-8"))["CreatingTarget"], True)

        r = self.cli(*args, "--resume")
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_same_schema(src, dst)
        self.assert_tables_equal(src, dst)


class OnDemandMaximumTest(CreateTargetBase):
    """On a DynamoDB Local of its own, as DeferredIndexResumeTest (it defers a GSI)."""

    def test_on_demand_maximum_with_one_side_unset(self):
        """A source with an on-demand maximum for reads only (writes -1, "no maximum"), on the
        table and on a GSI: DynamoDB Local refuses an OnDemandThroughput that lacks one side, so
        the -1 is sent as well."""
        src, dst = self.unique_table("ct_src"), self.unique_table("ct_dst")
        ddb = self.dynamodb()
        ddb.create_table(
            TableName=src,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "category", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            OnDemandThroughput={"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": -1},
            GlobalSecondaryIndexes=[{
                "IndexName": "ByCategory",
                "KeySchema": [{"AttributeName": "category", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "OnDemandThroughput": {"MaxReadRequestUnits": -1, "MaxWriteRequestUnits": 50}}])
        ddb.get_waiter("table_exists").wait(TableName=src,
                                            WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        self.write_items(src, [{"pk": {"S": f"k{i}"}, "category": {"S": f"c{i % 3}"}}
                               for i in range(10)])
        for indexes_after in (False, True):
            with self.subTest(indexes_after=indexes_after):
                target = dst + ("-after" if indexes_after else "")
                r = self.cli("copy", "--source-table", src, "--target-table", target,
                             "--create-target",
                             *(("--create-indexes-after",) if indexes_after else ()))
                self.assertEqual(r.code, 0, r.stderr)
                source, made = self.describe(src), self.describe(target)
                self.assertEqual(made.get("OnDemandThroughput"), source.get("OnDemandThroughput"))
                self.assertEqual(made["GlobalSecondaryIndexes"][0].get("OnDemandThroughput"),
                                 source["GlobalSecondaryIndexes"][0].get("OnDemandThroughput"))
                self.assert_tables_equal(src, target)


class CreateTargetOnMotoTest(CreateTargetBase):
    """moto has continuous backups (DynamoDB Local has not): point-in-time recovery and its
    recovery period reach the new table, and a refused UpdateContinuousBackups is reported."""

    DYNAMODB_LOCAL = False
    MOTO = True

    def moto_dynamodb(self):
        return self.client("dynamodb", endpoint=self.moto_endpoint)

    def moto_source(self, count):
        ddb, src = self.moto_dynamodb(), self.unique_table("pitr_src")
        ddb.create_table(TableName=src, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        ddb.update_continuous_backups(TableName=src, PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7})
        for i in range(count):
            ddb.put_item(TableName=src, Item={"pk": {"S": f"k{i}"}})
        return src

    def pitr(self, table):
        return self.moto_dynamodb().describe_continuous_backups(TableName=table)[
            "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]

    def test_point_in_time_recovery_keeps_the_recovery_period(self):
        src, dst = self.moto_source(5), self.unique_table("pitr_dst")
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--create-target",
                     "--endpoint-url", self.moto_endpoint)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("create-target: point-in-time recovery: copied (enabled once the table "
                      "exists, with the source's recovery period (7 days))", r.stderr)
        self.assertEqual(self.pitr(dst)["PointInTimeRecoveryStatus"], "ENABLED")
        self.assertEqual(self.pitr(dst)["RecoveryPeriodInDays"], 7)

    def test_point_in_time_recovery_refused_is_named_and_exit_3(self):
        src, dst = self.moto_source(5), self.unique_table("pitr_dst")
        proxy = FaultProxy(self.moto_endpoint, [
            {"fault": "denied", "operations": ["UpdateContinuousBackups"]}]).start()
        self.addCleanup(proxy.stop)
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--create-target",
                     "--output", "json", "--endpoint-url", proxy.endpoint)
        self.assertEqual(r.code, 3, r.stderr)
        self.assertIn("create-target: point-in-time recovery: not applied: enabling it failed",
                      r.stderr)
        summary = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertEqual(summary["TargetSettingsNotApplied"], ["point-in-time recovery"])
        self.assertEqual(summary["ItemsWritten"], 5, summary)
        self.assertEqual(self.pitr(dst)["PointInTimeRecoveryStatus"], "DISABLED")


class LostAnswerTestBase(CreateTargetBase):
    """The answer to a table change is lost after DynamoDB carried it out (the fault proxy
    resets the connection after forwarding, or cuts the answer short), so ddbmigrate sends the
    change again and DynamoDB refuses it as already made: the run recognises its own change
    and goes on as if the first answer had arrived."""

    def copy_through_fault(self, rule, seed, extra=()):
        src = self.create_source(self.unique_table("ct_src"), "PAY_PER_REQUEST")
        dst = self.unique_table("ct_dst")
        self.write_items(src, self.items_with_index_keys(60, seed=seed))
        proxy = FaultProxy(self.ddb_endpoint, [rule]).start()
        self.addCleanup(proxy.stop)
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--create-target",
                     *extra, "--endpoint-url", proxy.endpoint, endpoint=False)
        operation = rule["operations"][0]
        self.assertEqual(proxy.fault_count(rule["fault"], operation), 1, proxy.stats)
        self.assertGreaterEqual(proxy.stats["forwarded"].get(operation, 0), 2, proxy.stats)
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_same_schema(src, dst)  # the GSIs and TTL included
        self.assert_tables_equal(src, dst)
        self.assertIn("create-target: time to live: copied", r.stderr)
        self.assertNotIn("already exists", r.stderr)


class CreateTableLostAnswerTest(LostAnswerTestBase):

    def test_connection_reset_after_create_table(self):
        self.copy_through_fault({"fault": "reset", "when": "after",
                                 "operations": ["CreateTable"], "max_count": 1}, seed=48)

    def test_create_table_answer_cut_short(self):
        self.copy_through_fault({"fault": "truncate", "operations": ["CreateTable"],
                                 "max_count": 1}, seed=49)

    def test_connection_reset_after_update_time_to_live(self):
        """Sent again, enabling TTL is refused as already enabled: not a setting left out."""
        self.copy_through_fault({"fault": "reset", "when": "after",
                                 "operations": ["UpdateTimeToLive"], "max_count": 1}, seed=51)


class IndexCreationLostAnswerTest(LostAnswerTestBase):
    """On a DynamoDB Local of its own, as DeferredIndexResumeTest."""

    def test_connection_reset_after_the_update_table_adding_an_index(self):
        self.copy_through_fault({"fault": "reset", "when": "after",
                                 "operations": ["UpdateTable"], "max_count": 1}, seed=50,
                                extra=["--create-indexes-after"])


class CreateTargetKillTest(CreateTargetBase):
    """On a DynamoDB Local of its own, as DeferredIndexResumeTest: the GSIs this test adds after
    the load kept the next test's GSI from ever appearing on a shared one."""

    def test_kill_while_creating_the_target_then_resume(self):
        """kill -9 after CreateTable, while the new table's TTL is being enabled (slowed down by
        the fault proxy): the checkpoint already exists and says the target was being created,
        so the same command with --resume finishes the table (TTL included, GSIs deferred by
        --create-indexes-after added at the end) and copies into it, instead of refusing the
        table it made as an existing one."""
        src = self.create_source(self.unique_table("ct_src"), "PAY_PER_REQUEST")
        dst = self.unique_table("ct_dst")
        self.write_items(src, self.items_with_index_keys(120, seed=46))
        checkpoint = Path(tempfile.mkdtemp(dir=self.home)) / "copy.checkpoint.json"
        args = ["--source-table", src, "--target-table", dst, "--create-target",
                "--create-indexes-after", "--checkpoint", str(checkpoint)]
        proxy = FaultProxy(self.ddb_endpoint, [
            {"fault": "slow", "delay_ms": 60000, "operations": ["UpdateTimeToLive"]}]).start()
        self.addCleanup(proxy.stop)
        proc, _, err = self.start_cli(["copy", *args, "--endpoint-url", proxy.endpoint],
                                      "kill-while-creating")
        deadline = time.monotonic() + 60
        while proxy.fault_count("slow", "UpdateTimeToLive") == 0:
            if proc.poll() is not None or time.monotonic() > deadline:
                self.fail(f"no UpdateTimeToLive within 60 s (exit {proc.poll()}):\n"
                          f"{self.read_text(err)}")
            time.sleep(0.1)
        proc.kill()
        proc.wait()
        saved = json.loads(checkpoint.read_text(encoding="utf-8"))
        self.assertIs(saved.get("CreatingTarget"), True, saved)
        self.assertEqual(self.describe(dst)["TableStatus"], "ACTIVE")
        self.assertEqual(self.scan_all(dst), [])

        r = self.cli("copy", *args, "--resume")
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_same_schema(src, dst)  # TTL and the deferred GSIs included
        self.assert_tables_equal(src, dst)
        self.assertNotIn("CreatingTarget", json.loads(checkpoint.read_text(encoding="utf-8")))


class DeferredIndexResumeTest(CreateTargetBase):
    """On a DynamoDB Local of its own: run after the other tests of this file on the one they
    share, the GSI this test asks for never appeared (three runs of the file in a row); alone,
    or after any one of them, it did."""

    def test_resume_of_a_finished_copy_adds_the_missing_deferred_indexes(self):
        """Stopped while --create-indexes-after was adding the GSIs (here: the copy finished,
        then an index was taken away, as if it had never been asked for): the same command with
        --resume does not copy again, it only adds what is missing."""
        src = self.create_source(self.unique_table("ct_src"), "PAY_PER_REQUEST")
        dst = self.unique_table("ct_dst")
        self.write_items(src, self.items_with_index_keys(50, seed=45))
        checkpoint = Path(tempfile.mkdtemp(dir=self.home)) / "copy.checkpoint.json"
        args = ["copy", "--source-table", src, "--target-table", dst, "--create-target",
                "--create-indexes-after", "--checkpoint", str(checkpoint), "--output", "json"]
        r = self.cli(*args)
        self.assertEqual(r.code, 0, r.stderr)
        ddb = self.dynamodb()
        gsis = [g["IndexName"] for g in self.describe(dst)["GlobalSecondaryIndexes"]]
        ddb.update_table(TableName=dst,
                         GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": gsis[0]}}])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            left = [g["IndexName"] for g in self.describe(dst).get("GlobalSecondaryIndexes", [])]
            if gsis[0] not in left:
                break
            time.sleep(0.2)
        self.assertNotIn(gsis[0], left)

        r = self.cli(*args, "--resume")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("adding the indexes deferred until after the load", r.stderr)
        # The summary says every item was copied by the earlier run, none by this one.
        summary = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertEqual((summary["ItemsRead"], summary["ItemsWritten"]), (0, 0),
                         "the finished copy ran again")
        self.assertEqual(summary["ItemsFromEarlierRuns"], 50, summary)
        self.assert_same_schema(src, dst)
        self.assert_tables_equal(src, dst)


class DeferredIndexFailureTest(CreateTargetBase):
    """On a DynamoDB Local of its own, as DeferredIndexResumeTest."""

    def test_a_refused_index_fails_the_summary_and_a_resume_adds_it(self):
        """UpdateTable adding a deferred GSI denied: the JSON summary carries the Error (not
        "Interrupted"), the error line says to rerun with --resume, and that resume adds the
        indexes without copying again."""
        src = self.create_source(self.unique_table("ct_src"), "PAY_PER_REQUEST")
        dst = self.unique_table("ct_dst")
        self.write_items(src, self.items_with_index_keys(40, seed=54))
        checkpoint = Path(tempfile.mkdtemp(dir=self.home)) / "copy.checkpoint.json"
        args = ["copy", "--source-table", src, "--target-table", dst, "--create-target",
                "--create-indexes-after", "--checkpoint", str(checkpoint), "--output", "json"]
        proxy = FaultProxy(self.ddb_endpoint, [
            {"fault": "denied", "operations": ["UpdateTable"]}]).start()
        self.addCleanup(proxy.stop)
        r = self.cli(*args, "--endpoint-url", proxy.endpoint, endpoint=False)
        self.assertEqual(r.code, 1, r.stderr)
        last = r.stderr.strip().splitlines()[-1]
        self.assertTrue(last.startswith("ddbmigrate: error: "), last)
        self.assertIn("AccessDeniedException", last)
        self.assertIn("run the same command with --resume to add the other deferred indexes",
                      last)
        summary = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertIs(summary["Interrupted"], False, summary)
        self.assertIn("not authorized to perform: dynamodb:UpdateTable", summary["Error"])
        self.assertEqual(summary["ItemsWritten"], 40, summary)

        r = self.cli(*args, "--resume")
        self.assertEqual(r.code, 0, r.stderr)
        summary = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertEqual((summary["ItemsWritten"], summary["ItemsFromEarlierRuns"]), (0, 40))
        self.assert_same_schema(src, dst)
        self.assert_tables_equal(src, dst)


class DeferredIndexStopTest(CreateTargetBase):
    """Ctrl-C while --create-indexes-after waits for an index, on a DynamoDB Local that takes
    seconds to build one (-delayTransientStatuses): the run, and a resume stopped the same way,
    each print a summary that says they were interrupted; a last resume adds what is left."""

    DYNAMODB_LOCAL_OPTIONS = ("-delayTransientStatuses",)

    def setUp(self):
        super().setUp()
        self.work = Path(tempfile.mkdtemp(dir=self.home))

    def stop_while_waiting_for_an_index(self, args, name):
        out, err = self.work / f"{name}.out", self.work / f"{name}.err"
        with open(out, "wb") as stdout, open(err, "wb") as stderr:
            proc = subprocess.Popen([str(harness.binary_path()), *args, "--endpoint-url",
                                     self.ddb_endpoint], env=self.env(), stdout=stdout,
                                    stderr=stderr)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if re.search(r"(adding|waiting for) index \S+ of table",
                         err.read_text(encoding="utf-8", errors="replace")):
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        stderr = err.read_text(encoding="utf-8", errors="replace")
        self.assertEqual(code, 130, stderr)
        self.assertIn("--resume to add the other deferred indexes", stderr)
        summary = json.loads(out.read_text(encoding="utf-8").strip().splitlines()[-1])
        self.assertIs(summary["Interrupted"], True, summary)
        return summary

    def test_ctrl_c_while_waiting_for_an_index(self):
        src = self.create_source(self.unique_table("ct_src"), "PAY_PER_REQUEST")
        dst = self.unique_table("ct_dst")
        self.write_items(src, self.items_with_index_keys(50, seed=48))
        args = ["copy", "--source-table", src, "--target-table", dst, "--create-target",
                "--create-indexes-after", "--checkpoint", str(self.work / "cp.json"),
                "--output", "json"]
        first = self.stop_while_waiting_for_an_index(args, "first")
        self.assertEqual(first["ItemsWritten"], 50, first)
        again = self.stop_while_waiting_for_an_index([*args, "--resume"], "again")
        self.assertEqual((again["ItemsWritten"], again["ItemsFromEarlierRuns"]), (0, 50), again)
        r = self.cli(*args, "--resume", timeout=300)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIs(json.loads(r.stdout.strip().splitlines()[-1])["Interrupted"], False)
        self.assert_same_schema(src, dst)
        self.assert_tables_equal(src, dst)

    def test_ctrl_c_while_waiting_for_an_index_without_a_checkpoint(self):
        """The text summary says the copy is done and the indexes must be added by hand (the
        same command would refuse the target --create-target made)."""
        src = self.create_source(self.unique_table("ct_src"), "PAY_PER_REQUEST")
        dst = self.unique_table("ct_dst")
        self.write_items(src, self.items_with_index_keys(20, seed=49))
        out, err = self.work / "plain.out", self.work / "plain.err"
        with open(out, "wb") as stdout, open(err, "wb") as stderr:
            proc = subprocess.Popen(
                [str(harness.binary_path()), "copy", "--source-table", src, "--target-table", dst,
                 "--create-target", "--create-indexes-after", "--endpoint-url",
                 self.ddb_endpoint], env=self.env(), stdout=stdout, stderr=stderr)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if "adding index" in err.read_text(encoding="utf-8", errors="replace"):
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=60), 130, err.read_text(encoding="utf-8"))
        text = out.read_text(encoding="utf-8")
        self.assertTrue(text.startswith("copied 20 of 20 items"), text)
        self.assertIn("stopped while adding the indexes deferred until after the load; add the "
                      "others with UpdateTable", text)
        self.assertNotIn("copies every item again", text)


if __name__ == "__main__":
    unittest.main()
