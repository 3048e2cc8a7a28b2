"""End-to-end tests of `ddbmigrate truncate` against DynamoDB Local: every item goes, the table
and its indexes stay, other tables are untouched, and nothing is deleted without confirmation.
boto3 judges the tables."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time
import unittest
from pathlib import Path

import harness
from fault_proxy import FaultProxy
from harness import ServiceTestCase
from test_copy import count_items, diff_items

# Key attribute names that only work through ExpressionAttributeNames: spaces, unicode, '.',
# '#', ':' and reserved words.
HASH_NAME = "user id \U0001F511"
RANGE_NAME = "gr\u00f6\u00dfe.#1"


def escaped_items(count):
    items = []
    for i in range(count):
        part, row = i % 400, i // 400
        items.append({
            HASH_NAME: {"S": f"u{part:04d} \u00e9\u6f22" + (" \u05e9" if part % 3 else "")},
            RANGE_NAME: {"N": str(row) if part % 2 else f"-{row}.5"},
            "data": {"S": "x" * (i % 50)},
            "g": {"S": f"g{i % 13}"},
            "n": {"N": str(i)},
            "m": {"M": {"a b": {"L": [{"N": "1"}, {"B": b"\x00"}]}}},
        })
    return items


class TruncateTest(ServiceTestCase):

    def truncate(self, table, *extra, **kwargs):
        return self.cli("truncate", "--table", table, *extra, **kwargs)

    def create_escaped_table(self, name):
        harness.ddbdata.create_table(
            self.dynamodb(), name, [(HASH_NAME, "HASH", "S"), (RANGE_NAME, "RANGE", "N")],
            indexes=[("by_g", "g", "S", "KEYS_ONLY")])
        return name

    def test_empties_a_table_with_escaped_key_names(self):
        ddb = self.dynamodb()
        table = self.create_escaped_table(self.unique_table("trunc"))
        neighbour = self.create_escaped_table(self.unique_table("neighbour"))
        self.write_items(table, escaped_items(3000))
        self.write_items(neighbour, escaped_items(120))
        neighbour_before = self.scan_all(neighbour)
        before = ddb.describe_table(TableName=table)["Table"]

        r = self.truncate(table, "--yes", "--segments", "4", "--page-size", "500")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("deleted 3,000 items", r.stderr)
        self.assertEqual(count_items(ddb, table), 0)
        q = ddb.scan(TableName=table, IndexName="by_g", Select="COUNT")
        self.assertEqual(q["Count"], 0, "the index still holds entries")

        after = ddb.describe_table(TableName=table)["Table"]
        self.assertEqual(after["TableStatus"], "ACTIVE")
        self.assertEqual(after["KeySchema"], before["KeySchema"])
        self.assertEqual(after["TableArn"], before["TableArn"])
        self.assertEqual([i["IndexName"] for i in after.get("GlobalSecondaryIndexes", [])],
                         ["by_g"])
        problem = diff_items(neighbour_before, self.scan_all(neighbour), [HASH_NAME, RANGE_NAME])
        self.assertEqual(problem, "", f"truncate touched another table:\n{problem}")

        # The emptied table takes writes again.
        self.write_items(table, escaped_items(10))
        self.assertEqual(count_items(ddb, table), 10)

    def test_binary_keys_and_reserved_words_by_arn(self):
        ddb = self.dynamodb()
        table = self.create_table(self.unique_table("truncb"),
                                  keys=[("data", "HASH", "B"), ("name:x [0]", "RANGE", "S")])
        items = []
        for i in range(600):
            items.append({"data": {"B": bytes([i % 256]) + (b"\x00\xff" * (i % 5))},
                          "name:x [0]": {"S": f"\u00e9{i // 256} \U0001F600"},
                          "size": {"N": str(i)}, "blob": {"B": bytes(range(256))}})
        self.write_items(table, items)
        r = self.truncate(f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}", "--yes",
                          "--segments", "3", "--page-size", "50", "--writers", "2")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("deleted 600 items", r.stderr)
        self.assertEqual(count_items(ddb, table), 0)

    def test_json_summary_and_write_rate(self):
        ddb = self.dynamodb()
        table = self.create_table(self.unique_table("truncj"))
        self.write_items(table, self.generate_items(120, seed=6))
        rate = 40
        started = time.monotonic()
        r = self.cli("truncate", "--table", table, "--yes", "--write-rate", str(rate),
                     "--output", "json")
        elapsed = time.monotonic() - started  # measured here, not taken from the tool
        self.assertEqual(r.code, 0, r.stderr)
        summary = json.loads(r.stdout)
        self.assertEqual(summary["Table"], table)
        self.assertEqual(summary["ItemsDeleted"], 120)
        self.assertEqual(summary["ItemsDeadLettered"], 0)
        self.assertFalse(summary["Interrupted"])
        self.assertGreaterEqual(summary["WriteCapacityUnits"], 120)
        # One second of burst may go at once; the rest waits for the rate.
        self.assertGreaterEqual(elapsed, (120 - rate) / rate, summary)
        self.assertLessEqual(summary["Seconds"], elapsed, summary)
        self.assertEqual(count_items(ddb, table), 0)

    def test_dry_run_deletes_nothing(self):
        table = self.create_escaped_table(self.unique_table("truncd"))
        self.write_items(table, escaped_items(40))
        r = self.truncate(table, "--dry-run", "--segments", "4")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn(f"plan: delete every item of {table}", r.stdout)
        self.assertIn('"ProjectionExpression":"#k0, #k1"', r.stdout)
        self.assertIn("dry run: nothing was deleted", r.stderr)
        r = self.truncate(table, "--dry-run", "--output", "json")
        self.assertEqual(r.code, 0, r.stderr)
        plan = json.loads(r.stdout)
        self.assertIs(plan["DryRun"], True)
        self.assertEqual([q["Operation"] for q in plan["FirstRequests"]], ["Scan", "BatchWriteItem"])
        self.assertEqual(plan["FirstRequests"][0]["Body"]["ExpressionAttributeNames"],
                         {"#k0": HASH_NAME, "#k1": RANGE_NAME})
        self.assertEqual(count_items(self.dynamodb(), table), 40)

    def test_percent_of_the_provisioned_capacity(self):
        ddb = self.dynamodb()
        on_demand = self.create_table(self.unique_table("truncod"))
        self.write_items(on_demand, self.generate_items(20, seed=7))
        r = self.truncate(on_demand, "--yes", "--write-percent", "50")
        self.assert_cli_error(r, "--write-percent")
        self.assertEqual(count_items(ddb, on_demand), 20)
        provisioned = self.create_table(
            self.unique_table("truncpv"), BillingMode="PROVISIONED",
            ProvisionedThroughput={"ReadCapacityUnits": 100, "WriteCapacityUnits": 100})
        self.write_items(provisioned, self.generate_items(30, seed=8))
        r = self.truncate(provisioned, "--yes", "--write-percent", "50", "--read-percent", "25",
                          "--output", "json")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["ItemsDeleted"], 30)
        self.assertEqual(count_items(ddb, provisioned), 0)
        r = self.truncate(provisioned, "--write-percent", "5", "--write-rate", "10")
        self.assert_usage_error(r)

    def test_arn_of_another_account_deletes_nothing(self):
        """An ARN names the account too; these credentials reach a table of that name in their
        own account (000000000000 on DynamoDB Local), which is not the one named."""
        ddb = self.dynamodb()
        table = self.create_table(self.unique_table("trunca"))
        self.write_items(table, self.generate_items(50, seed=5))
        r = self.truncate(f"arn:aws:dynamodb:us-east-1:999999999999:table/{table}", "--yes")
        self.assert_cli_error(r, "account 999999999999")
        self.assertEqual(count_items(ddb, table), 50)

    def test_number_hash_key_only(self):
        ddb = self.dynamodb()
        table = self.create_table(self.unique_table("truncn"), keys=[("id", "HASH", "N")])
        numbers = ["9.9999999999999999999999999999999999999E+125", "-1E-130",
                   "0.000000000000000000000000000000000000001", "0", "-1"]
        self.write_items(table, [{"id": {"N": n}} for n in numbers]
                         + [{"id": {"N": f"{i}.{i}"}, "v": {"S": "v"}} for i in range(1, 500)])
        r = self.truncate(table, "--yes", "--segments", "20", "--readers", "3", "--page-size", "40")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(count_items(ddb, table), 0)

    def test_without_consumed_capacity(self):
        ddb = self.dynamodb()
        table = self.create_table(self.unique_table("truncncc"))
        self.write_items(table, self.generate_items(300, seed=4))
        r = self.truncate(table, "--yes", "--consumed-capacity", "none", "--segments", "3")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("deleted 300 items", r.stderr)
        self.assertEqual(count_items(ddb, table), 0)

    def test_empty_table(self):
        table = self.create_table(self.unique_table("truncempty"))
        r = self.truncate(table, "--yes")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("deleted 0 items", r.stderr)

    def test_refuses_without_yes_and_without_a_terminal(self):
        ddb = self.dynamodb()
        table = self.create_table(self.unique_table("truncno"))
        self.write_items(table, self.generate_items(200))
        r = self.truncate(table)  # stdin is a pipe
        self.assert_cli_error(r, contains="--yes")
        self.assertIn(table, r.stderr)
        self.assertEqual(count_items(ddb, table), 200)
        r = self.truncate(table, input="y\n" + table + "\n")  # input on a pipe is not consent
        self.assert_cli_error(r, contains="--yes")
        self.assertEqual(count_items(ddb, table), 200)

    def run_on_terminal(self, table, answer):
        """Runs truncate with a pseudo-terminal as stdin and types `answer`."""
        master, slave = pty.openpty()
        try:
            proc = subprocess.Popen(
                [str(harness.binary_path()), "truncate", "--table", table, "--endpoint-url",
                 self.ddb_endpoint], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=self.env(), cwd=self.home)
            os.close(slave)
            slave = None
            time.sleep(0.3)
            os.write(master, answer.encode() + b"\n")
            out, err = proc.communicate(timeout=120)
            return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)

    def test_confirmation_on_a_terminal(self):
        ddb = self.dynamodb()
        table = self.create_table(self.unique_table("truncpty"))
        self.write_items(table, self.generate_items(150))
        code, _, err = self.run_on_terminal(table, "yes")  # not the table's name
        self.assertNotEqual(code, 0, err)
        self.assertIn("not confirmed", err)
        self.assertEqual(count_items(ddb, table), 150)
        code, _, err = self.run_on_terminal(table, table)
        self.assertEqual(code, 0, err)
        self.assertEqual(count_items(ddb, table), 0)

    def test_ctrl_c_at_the_confirmation(self):
        table = self.create_table(self.unique_table("truncint"))
        self.write_items(table, self.generate_items(40))
        master, slave = pty.openpty()
        self.addCleanup(os.close, master)
        proc = subprocess.Popen(
            [str(harness.binary_path()), "truncate", "--table", table, "--endpoint-url",
             self.ddb_endpoint], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=self.env(), cwd=self.home)
        os.close(slave)
        prompt = b""
        deadline = time.monotonic() + 60
        while b"to confirm: " not in prompt:
            self.assertLess(time.monotonic(), deadline, prompt)
            ready, _, _ = select.select([proc.stderr], [], [], 1)
            if ready:
                chunk = os.read(proc.stderr.fileno(), 4096)
                self.assertTrue(chunk, f"stderr closed before the prompt: {prompt!r}")
                prompt += chunk
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        err = err.decode(errors="replace")
        self.assertEqual(proc.returncode, 130, err)
        self.assertIn("nothing was deleted", err)
        self.assertNotIn("in flight", err)
        self.assertEqual(count_items(self.dynamodb(), table), 40)

    def test_a_refused_request_names_the_table(self):
        table = self.create_table(self.unique_table("trunc_denied"))
        self.write_items(table, self.generate_items(30))
        for operation in ("Scan", "BatchWriteItem"):
            with self.subTest(operation):
                proxy = FaultProxy(self.ddb_endpoint,
                                   [{"fault": "denied", "operations": [operation]}]).start()
                self.addCleanup(proxy.stop)
                r = self.truncate(table, "--yes", "--endpoint-url", proxy.endpoint,
                                  endpoint=False)
                self.assert_cli_error(r, f"(the table {table}: the credentials used for it are "
                                         "not allowed this")
                self.assertIn(operation, r.stderr)
        self.assertEqual(count_items(self.dynamodb(), table), 30)

    def test_items_written_meanwhile_are_reported_not_hidden(self):
        """Items written behind the key scan are not deleted: the run says the table is not
        empty and exits 3. (The one page of keys is read first; the deletes are slowed, and the
        new items are written once the Scan has been answered.)"""
        table = self.create_table(self.unique_table("trunc_busy"))
        self.write_items(table, self.generate_items(20))
        proxy = FaultProxy(self.ddb_endpoint, [{"fault": "slow", "delay_ms": 3000,
                                                "operations": ["BatchWriteItem"]}]).start()
        self.addCleanup(proxy.stop)
        proc, out, err = self.start_cli(
            ["truncate", "--table", table, "--yes", "--segments", "1", "--output", "json",
             "--endpoint-url", proxy.endpoint], "busy")
        deadline = time.monotonic() + 30
        while proxy.stats["forwarded"].get("Scan", 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.write_items(table, self.generate_items(3, start=1000))
        self.assertEqual(proc.wait(timeout=60), 3, err.read_text())
        self.assertIn(f"warning: {table} is not empty", err.read_text())
        summary = json.loads(out.read_text())
        self.assertEqual(summary["ItemsDeleted"], 20, summary)
        self.assertFalse(summary["Empty"], summary)
        self.assertEqual(count_items(self.dynamodb(), table), 3)
        r = self.truncate(table, "--yes", "--output", "json")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertTrue(json.loads(r.stdout)["Empty"])

    def test_copy_into_a_target_written_while_emptied_says_so(self):
        """copy --truncate-target goes on with the copy, warns that the target holds items
        written meanwhile, and exits 3 with "TargetEmptied":false."""
        src = self.create_table(self.unique_table("tc_src"))
        self.write_items(src, self.generate_items(10))
        dst = self.create_table(self.unique_table("tc_dst"))
        self.write_items(dst, self.generate_items(20, start=100))
        proxy = FaultProxy(self.ddb_endpoint, [{"fault": "slow", "delay_ms": 3000,
                                                "operations": ["BatchWriteItem"]}]).start()
        self.addCleanup(proxy.stop)
        proc, out, err = self.start_cli(
            ["copy", "--source-table", src, "--target-table", dst, "--truncate-target", "--yes",
             "--segments", "1", "--output", "json", "--endpoint-url", proxy.endpoint,
             "--dead-letter", Path(self.home) / "tc-dead.jsonl"], "tc")
        deadline = time.monotonic() + 30
        while proxy.stats["requests"].get("BatchWriteItem", 0) < 1 and \
                time.monotonic() < deadline:
            time.sleep(0.01)
        self.write_items(dst, self.generate_items(3, start=1000))
        self.assertEqual(proc.wait(timeout=60), 3, err.read_text())
        self.assertIn(f"warning: {dst} is not empty", err.read_text())
        self.assertIn("beside the copied items", err.read_text())
        summary = json.loads(out.read_text())
        self.assertFalse(summary["TargetEmptied"], summary)
        self.assertEqual(summary["ItemsWritten"], 10, summary)
        self.assertEqual(count_items(self.dynamodb(), dst), 13)

    def test_missing_table(self):
        r = self.truncate("no_such_table_to_truncate", "--yes")
        self.assert_cli_error(r, contains="no_such_table_to_truncate")
        self.assertIn("does not exist", r.stderr)


if __name__ == "__main__":
    unittest.main()
