"""End-to-end fault tests of `ddbmigrate copy`: the copy runs through fault_proxy.py in front of
DynamoDB Local, which injects throttling, partial BatchWriteItem answers, 5xx answers, connection
resets, slow, truncated and corrupted answers. Whatever the faults, the target must end up equal to
the source (checked with boto3, not with the tool), and the summary must count every item exactly
once.

The source table is seeded once per class; each test copies it into a fresh target through its
own proxy. A failing test prints the tool's exit code, stdout, stderr and the proxy's counters;
FAULT_TESTS_VERBOSE=1 prints them for every copy.
"""

import json
import os
import re
import signal
import subprocess
import time
import unittest
from pathlib import Path

import harness
from fault_proxy import FaultProxy
from harness import ServiceTestCase
from test_copy import count_items

ITEMS = 3000
COPY_OPTIONS = ("--segments", "4", "--page-size", "500")
COPY_TIMEOUT = 150
# After the first writes went through, every BatchWriteItem is answered with a connection reset
# for 15 s: longer than 10 attempts' backoff can last (at most 12.8 s).
OUTAGE = {"fault": "reset", "operations": ["BatchWriteItem"], "after": 8, "for_ms": 15000}


def summary_of(stdout):
    """The JSON summary: the last stdout line that is a JSON object."""
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


class CopyFaultsBase(ServiceTestCase):
    """Seeds one source table for the class; copy_through() runs a copy through a fresh proxy."""

    SEED = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.source = cls.unique_table("faultsrc")
        client = cls.dynamodb()
        harness.ddbdata.create_table(client, cls.source, harness.DEFAULT_KEYS)
        cls.source_items = harness.ddbdata.generate_items(ITEMS, seed=cls.SEED)
        harness.ddbdata.write_items(client, cls.source, cls.source_items)

    _supports_dead_letter = None

    def dead_letter_options(self, target):
        """--dead-letter FILE in the class's temporary HOME when the binary knows the flag (so a
        run never leaves a dead-letter file in the working directory); else nothing."""
        cls = type(self)
        if cls._supports_dead_letter is None:
            help_text = self.cli("copy", "--help", endpoint=False).stdout
            cls._supports_dead_letter = "--dead-letter" in help_text
        if not cls._supports_dead_letter:
            return None, ()
        path = Path(self.home) / f"{target}-dead-letter.jsonl"
        return path, ("--dead-letter", str(path))

    def copy_through(self, rules, *extra, seed=1, options=COPY_OPTIONS):
        """Copies the source into a new target through a proxy with `rules`, with the scan
        `options`; returns (result, target table, proxy). self.dead_letter is the dead-letter
        file given to the run (None when the binary has no --dead-letter)."""
        target = self.create_table(self.unique_table("faultdst"))
        self.dead_letter, dead_letter_options = self.dead_letter_options(target)
        if "--dead-letter" not in extra:
            extra = (*extra, *dead_letter_options)
        proxy = FaultProxy(self.ddb_endpoint, rules, seed=seed).start()
        self.addCleanup(proxy.stop)
        result = self.cli("copy", "--source-table", self.source, "--target-table", target,
                          *options, "--output", "json", *extra,
                          "--endpoint-url", proxy.endpoint, endpoint=False,
                          timeout=COPY_TIMEOUT)
        if os.environ.get("FAULT_TESTS_VERBOSE"):
            print(f"\n--- {self.id()}{self.describe(result, proxy)}", flush=True)
        return result, target, proxy

    @staticmethod
    def describe(result, proxy):
        return (f"\nexit code: {result.code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
                f"\nproxy: {json.dumps(proxy.stats, sort_keys=True)}")

    def assert_complete_copy(self, result, target, proxy):
        """Exit 0, every item read and written exactly once, target equal to source."""
        info = self.describe(result, proxy)
        self.assertEqual(result.code, 0, info)
        summary = summary_of(result.stdout)
        self.assertIsNotNone(summary, f"no JSON summary on stdout{info}")
        self.assertEqual(summary.get("ItemsRead"), ITEMS, info)
        self.assertEqual(summary.get("ItemsWritten"), ITEMS, info)
        self.assertEqual(summary.get("ItemsDeadLettered", 0), 0, info)
        if self.dead_letter is not None and self.dead_letter.exists():
            self.assertEqual(self.dead_letter.read_text(encoding="utf-8").strip(), "",
                             f"items were dead-lettered{info}")
        self.assert_tables_equal(self.source, target)
        return summary

    def assert_injected(self, proxy, fault, operation=None, at_least=1):
        count = proxy.fault_count(fault, operation)
        self.assertGreaterEqual(count, at_least,
                                f"{fault} on {operation or 'any operation'} was injected "
                                f"{count} times; proxy: {json.dumps(proxy.stats)}")


class CopyFaultsTest(CopyFaultsBase):

    def test_consumed_capacity_is_asked_for_as_told(self):
        """Checked on the wire: the proxy sees every request's ReturnConsumedCapacity. By default,
        with no rate limit, nothing asks; `reads` or a read rate limit asks on Scans, `all` on both,
        `none` on neither."""
        result, target, proxy = self.copy_through([])
        self.assert_complete_copy(result, target, proxy)
        stats = proxy.stats
        self.assertGreater(stats["requests"]["Scan"], 0)
        self.assertEqual(stats["capacity_requested"], {}, self.describe(result, proxy))
        # `reads` asks on Scans, and so does a read rate limit, whose limiter needs the figure.
        for flags in (["--consumed-capacity", "reads"], ["--read-rate", "100000"]):
            result, target, proxy = self.copy_through([], *flags)
            self.assert_complete_copy(result, target, proxy)
            stats = proxy.stats
            self.assertEqual(stats["capacity_requested"].get("Scan"), stats["requests"]["Scan"],
                             self.describe(result, proxy))
            self.assertNotIn("BatchWriteItem", stats["capacity_requested"],
                             self.describe(result, proxy))
        result, target, proxy = self.copy_through([], "--consumed-capacity", "all")
        self.assert_complete_copy(result, target, proxy)
        stats = proxy.stats
        for operation in ("Scan", "BatchWriteItem"):
            self.assertEqual(stats["capacity_requested"].get(operation),
                             stats["requests"][operation], self.describe(result, proxy))
        result, target, proxy = self.copy_through([], "--consumed-capacity", "none")
        self.assert_complete_copy(result, target, proxy)
        stats = proxy.stats
        self.assertGreater(stats["requests"]["BatchWriteItem"], 0)
        self.assertEqual(stats["capacity_requested"], {}, self.describe(result, proxy))
        # --verify scans both tables: by default neither asks; under the source's read limit its
        # Scans ask, the target's (no limit) do not.
        result, target, proxy = self.copy_through([], "--verify")
        self.assertEqual(result.code, 0, self.describe(result, proxy))
        self.assertGreater(proxy.stats["scans_by_table"][target]["requests"], 0)
        self.assertEqual(proxy.stats["capacity_requested"], {}, self.describe(result, proxy))
        result, target, proxy = self.copy_through([], "--read-rate", "100000", "--verify")
        self.assertEqual(result.code, 0, self.describe(result, proxy))
        scans = proxy.stats["scans_by_table"]
        self.assertGreater(scans[target]["requests"], 0, self.describe(result, proxy))
        self.assertEqual(scans[self.source]["capacity_requested"], scans[self.source]["requests"],
                         self.describe(result, proxy))
        self.assertEqual(scans[target]["capacity_requested"], 0, self.describe(result, proxy))

    def test_throttled_scans(self):
        result, target, proxy = self.copy_through([
            # every=3 guarantees a few throttles however few scan pages there are.
            {"fault": "throttle", "operations": ["Scan"], "every": 3},
            {"fault": "throttle", "operations": ["Scan"], "probability": 0.2,
             "code": "ThrottlingException"},
        ])
        self.assert_complete_copy(result, target, proxy)
        self.assert_injected(proxy, "throttle", "Scan", at_least=2)

    def test_throttled_batch_writes(self):
        result, target, proxy = self.copy_through([
            {"fault": "throttle", "operations": ["BatchWriteItem"], "probability": 0.2},
            {"fault": "throttle", "operations": ["BatchWriteItem"], "every": 10,
             "code": "RequestLimitExceeded"},
        ])
        self.assert_complete_copy(result, target, proxy)
        self.assert_injected(proxy, "throttle", "BatchWriteItem", at_least=10)

    def test_an_outage_longer_than_the_attempts_is_ridden_out(self):
        """OUTAGE, longer than 10 attempts can last: only the retry window carries the copy
        through. stderr says when the outage began to count and when the service answered
        again."""
        result, target, proxy = self.copy_through([OUTAGE])
        self.assert_complete_copy(result, target, proxy)
        info = self.describe(result, proxy)
        host = re.escape(proxy.endpoint.split("//", 1)[1])
        # Each told once, however many calls the outage caught.
        began = re.findall(r"ddbmigrate: dynamodb BatchWriteItem: .*; still failing after 10 "
                           rf"attempts, but {host} answered before: each call is retried for up "
                           r"to 300 s", result.stderr)
        self.assertEqual(len(began), 1, info)
        ended = re.findall(rf"ddbmigrate: dynamodb at {host} answers again, after \d+ s of "
                           r"failures", result.stderr)
        self.assertEqual(len(ended), 1, info)
        self.assertEqual(result.stderr.count("still failing"), 1, info)
        self.assertEqual(result.stderr.count("answers again"), 1, info)

    def test_without_the_window_an_outage_ends_the_run_and_a_resume_finishes_it(self):
        """The same outage with `--retry-window 0`, or with `--max-attempts 10` (which bounds
        every request to its attempts): the copy ends with an error naming BatchWriteItem, and
        the same command with --resume, the outage over, finishes it."""
        for flags in (("--retry-window", "0"), ("--max-attempts", "10")):
            with self.subTest(flags=flags):
                checkpoint = Path(self.home) / f"outage{flags[0]}.checkpoint"
                result, target, proxy = self.copy_through(
                    [OUTAGE], *flags, "--checkpoint", str(checkpoint))
                info = self.describe(result, proxy)
                self.assertEqual(result.code, 1, info)
                last = result.stderr.strip().splitlines()[-1]
                self.assertTrue(last.startswith("ddbmigrate: error: "), info)
                self.assertIn("BatchWriteItem", last, info)
                self.assertNotIn("still failing", result.stderr, info)
                resumed = self.cli("copy", "--source-table", self.source, "--target-table",
                                   target, *COPY_OPTIONS, *flags, "--checkpoint", str(checkpoint),
                                   "--resume", timeout=COPY_TIMEOUT)
                self.assertEqual(resumed.code, 0, resumed.stderr)
                self.assert_tables_equal(self.source, target)

    def test_a_read_only_target_is_a_clear_error_and_loses_nothing(self):
        """A target whose credentials may not write (IAM's AccessDeniedException on
        BatchWriteItem): from the first write, the copy ends with one error line naming the
        target, having written nothing; denied from the 20th batch on (a policy changed
        mid-run), the checkpoint claims no more than the target holds, and a resume with write
        access finishes the copy.

        The checkpoint moves a page at a time. So that the 20 batches let through make exactly
        5 whole pages, that run reads one segment in pages of 100 items (4 batches of 25) with
        one writer: the batches are sent one at a time in the order they were cut, so the first
        20 requests are the first 20 batches, and the checkpoint claims their 500 items."""
        denied = {"fault": "denied", "operations": ["BatchWriteItem"]}
        in_order = ("--segments", "1", "--page-size", "100", "--writers", "1")
        for after, options in ((0, COPY_OPTIONS), (20, in_order)):
            with self.subTest(after=after):
                checkpoint = Path(self.home) / f"denied{after}.checkpoint"
                result, target, proxy = self.copy_through([{**denied, "after": after}],
                                                          "--checkpoint", str(checkpoint),
                                                          options=options)
                info = self.describe(result, proxy)
                self.assertEqual(result.code, 1, info)
                errors = [line for line in result.stderr.splitlines()
                          if line.startswith("ddbmigrate: error: ")]
                self.assertEqual(len(errors), 1, info)
                self.assertIn("BatchWriteItem: AccessDeniedException (HTTP 400)", errors[0], info)
                self.assertIn(f"the target table {target}: the credentials used for it are not "
                              "allowed this", errors[0], info)
                self.assertIn("rerun with --resume", errors[0], info)
                # Nothing is retried: a denial is final.
                self.assertEqual(proxy.fault_count("denied", "BatchWriteItem"),
                                 proxy.stats["requests"]["BatchWriteItem"] - after, info)
                held = count_items(self.dynamodb(), target)
                state = json.loads(checkpoint.read_text(encoding="utf-8"))
                claimed = sum(s["Items"] for s in state["Segments"])
                self.assertLessEqual(claimed, held, info)
                if after == 0:
                    self.assertEqual(held, 0, info)
                else:
                    self.assertEqual(claimed, 20 * 25, info)
                resumed = self.cli("copy", "--source-table", self.source, "--target-table",
                                   target, *options, "--checkpoint", str(checkpoint),
                                   "--resume", "--output", "json", timeout=COPY_TIMEOUT)
                self.assertEqual(resumed.code, 0, resumed.stderr)
                summary = summary_of(resumed.stdout)
                self.assertEqual(summary["ItemsFromEarlierRuns"], claimed, summary)
                self.assertEqual(summary["ItemsFromEarlierRuns"] + summary["ItemsRead"], ITEMS,
                                 summary)
                self.assert_tables_equal(self.source, target)

    def test_a_target_that_cannot_be_emptied_still_gets_its_json_summary(self):
        """--truncate-target with deletes denied: one error line, and with --output json the
        one summary object, with the error and nothing copied."""
        target = self.create_table(self.unique_table("nodelete"))
        harness.ddbdata.write_items(self.dynamodb(), target, self.source_items[:30])
        proxy = FaultProxy(self.ddb_endpoint, [{"fault": "denied",
                                                "operations": ["BatchWriteItem"]}]).start()
        self.addCleanup(proxy.stop)
        _, dead_letter_options = self.dead_letter_options(target)
        result = self.cli("copy", "--source-table", self.source, "--target-table", target,
                          "--truncate-target", "--yes", "--output", "json",
                          *dead_letter_options, "--endpoint-url", proxy.endpoint,
                          endpoint=False, timeout=COPY_TIMEOUT)
        info = self.describe(result, proxy)
        self.assert_cli_error(result, "AccessDeniedException")
        summary = summary_of(result.stdout)
        self.assertIsNotNone(summary, info)
        self.assertIn("not allowed this", summary["Error"], info)
        self.assertFalse(summary["Interrupted"], info)
        self.assertEqual(summary["ItemsWritten"], 0, info)
        self.assertNotIn("Checkpoint", summary, info)
        self.assertEqual(count_items(self.dynamodb(), target), 30)

    def test_partial_unprocessed_items(self):
        result, target, proxy = self.copy_through([
            {"fault": "unprocessed", "probability": 0.3, "fraction": 0.5},
        ])
        summary = self.assert_complete_copy(result, target, proxy)
        self.assert_injected(proxy, "unprocessed", "BatchWriteItem", at_least=10)
        info = self.describe(result, proxy)
        self.assertGreater(summary.get("UnprocessedResent", 0), 0, info)
        # Each write the proxy held back was sent again exactly once more.
        self.assertEqual(summary["UnprocessedResent"], proxy.stats["unprocessed_writes"], info)

    def test_internal_errors_and_unavailable(self):
        result, target, proxy = self.copy_through([
            {"fault": "error500", "probability": 0.15},
            # Retry-After: 1 costs a second each time: a few are enough.
            {"fault": "error503", "every": 7, "max_count": 3},
        ])
        self.assert_complete_copy(result, target, proxy)
        self.assert_injected(proxy, "error500", "BatchWriteItem")
        self.assert_injected(proxy, "error503", at_least=3)

    def test_resets_before_forwarding(self):
        result, target, proxy = self.copy_through([
            {"fault": "reset", "when": "before", "probability": 0.1},
            {"fault": "reset", "when": "before", "operations": ["Scan"], "every": 4},
        ])
        self.assert_complete_copy(result, target, proxy)
        self.assert_injected(proxy, "reset", "BatchWriteItem")
        self.assert_injected(proxy, "reset", "Scan")

    def test_resets_after_forwarding(self):
        # The write happened but the client never heard: it must send it again, and count it once.
        result, target, proxy = self.copy_through([
            {"fault": "reset", "when": "after", "probability": 0.1},
            {"fault": "reset", "when": "after", "operations": ["Scan"], "every": 4},
        ])
        self.assert_complete_copy(result, target, proxy)
        self.assert_injected(proxy, "reset", "BatchWriteItem")
        self.assert_injected(proxy, "reset", "Scan")

    def test_slow_responses(self):
        result, target, proxy = self.copy_through([
            {"fault": "slow", "probability": 0.2, "delay_ms": 200},
            {"fault": "slow", "operations": ["Scan"], "every": 2, "delay_ms": 400},
        ])
        self.assert_complete_copy(result, target, proxy)
        self.assert_injected(proxy, "slow", "BatchWriteItem", at_least=5)
        self.assert_injected(proxy, "slow", "Scan")

    def test_truncated_bodies(self):
        result, target, proxy = self.copy_through([
            {"fault": "truncate", "probability": 0.1},
            {"fault": "truncate", "operations": ["Scan"], "every": 3},
        ])
        self.assert_complete_copy(result, target, proxy)
        self.assert_injected(proxy, "truncate", "BatchWriteItem")
        self.assert_injected(proxy, "truncate", "Scan")

    def test_crc_mismatches(self):
        result, target, proxy = self.copy_through([
            {"fault": "corrupt_crc", "probability": 0.1},
            {"fault": "corrupt_crc", "operations": ["Scan"], "every": 3},
        ])
        self.assert_complete_copy(result, target, proxy)
        self.assert_injected(proxy, "corrupt_crc", "BatchWriteItem")
        self.assert_injected(proxy, "corrupt_crc", "Scan")

    def test_all_faults_mixed(self):
        result, target, proxy = self.copy_through([
            {"fault": "slow", "probability": 0.05, "delay_ms": 150},
            {"fault": "throttle", "probability": 0.05},
            {"fault": "throttle", "code": "ThrottlingException", "operations": ["Scan"],
             "every": 5},
            {"fault": "unprocessed", "probability": 0.1, "fraction": 0.4},
            {"fault": "error500", "probability": 0.03},
            {"fault": "error503", "every": 40, "max_count": 2},
            {"fault": "reset", "when": "before", "probability": 0.02},
            {"fault": "reset", "when": "after", "probability": 0.02},
            {"fault": "truncate", "probability": 0.02},
            {"fault": "corrupt_crc", "probability": 0.02},
        ], seed=7)
        summary = self.assert_complete_copy(result, target, proxy)
        self.assertEqual(summary.get("UnprocessedResent"), proxy.stats["unprocessed_writes"],
                         self.describe(result, proxy))
        kinds = set(proxy.stats["faults"])
        self.assertGreaterEqual(len(kinds), 6, f"too few kinds of fault injected: {kinds}")

    # --- faults that never clear ---
    #
    # LOOSE (tighten once the dead-letter rework of `copy` has settled): assert_gives_up accepts
    # either
    #   (a) a fatal stop: a non-zero exit other than 3 whose last stderr line starts with
    #       'ddbmigrate: error: ' (a summary may precede it on stdout), or
    #   (b) dead-lettering: exit 3, `ItemsDeadLettered` in the JSON summary equal to source items
    #       minus ItemsWritten, and the dead-letter file holding exactly the items the target lacks.
    # To tighten: require (b) only, with ItemsWritten == 0, a Code naming the throttle on every
    # dead-letter line, and (for fatal errors elsewhere) exactly one stderr line.

    def assert_gives_up(self, result, target, proxy, error_pattern):
        info = self.describe(result, proxy)
        self.assertNotEqual(result.code, 0, info)
        # Nothing was ever written, so nothing may be counted as written.
        self.assertEqual(proxy.stats["forwarded"].get("BatchWriteItem", 0), 0, info)
        self.assertEqual(self.scan_all(target), [])
        summary = summary_of(result.stdout)
        if summary is not None and "ItemsWritten" in summary:
            self.assertEqual(summary["ItemsWritten"], 0, info)
        if result.code == 3:
            self.assertIsNotNone(summary, f"exit 3 without a JSON summary{info}")
            self.assertIn("ItemsDeadLettered", summary, info)
            self.assertEqual(summary["ItemsDeadLettered"], ITEMS - summary["ItemsWritten"], info)
            self.assertIsNotNone(self.dead_letter,
                                 f"exit 3 though --dead-letter was not given{info}")
            # JSON lines end at "\n" only: items hold U+2028 and other characters that
            # str.splitlines() would also split at.
            lines = [json.loads(line) for line in
                     self.dead_letter.read_text(encoding="utf-8").split("\n") if line.strip()]
            self.assertEqual(len(lines), summary["ItemsDeadLettered"], info)
            # Nothing lost: the dead-lettered items and the target's items are, together,
            # exactly the source's items.
            dead = [harness.ddbdata.item_from_wire(line["Item"]) for line in lines]
            comparison = harness.ddbdata.compare_item_lists(
                self.source_items, dead + self.scan_all(target), harness.DEFAULT_KEYS)
            self.assertTrue(comparison.equal, comparison.describe() + info)
        else:
            lines = result.stderr.strip().splitlines()
            self.assertTrue(lines and lines[-1].startswith("ddbmigrate: error: "), info)
            self.assertRegex(lines[-1], error_pattern, info)
        # With --max-attempts 3 no batch was sent more than 3 times. Batches do not span scan
        # pages, so each page adds at most one short batch.
        stats = proxy.stats
        batches_at_most = -(-ITEMS // 25) + stats["forwarded"].get("Scan", 0)
        self.assertLessEqual(stats["requests"].get("BatchWriteItem", 0), 3 * batches_at_most,
                             info)

    def test_persistent_throttling_gives_up_cleanly(self):
        """Every BatchWriteItem is throttled, forever: the copy must stop with a clear failure
        (see LOOSE above)."""
        result, target, proxy = self.copy_through(
            [{"fault": "throttle", "operations": ["BatchWriteItem"]}], "--max-attempts", "3")
        self.assert_gives_up(result, target, proxy, r"(?i)throttl|throughput|BatchWriteItem")

    def test_persistent_unprocessed_items_give_up_cleanly(self):
        """Every BatchWriteItem comes back with all its writes unprocessed, forever: the resend
        loop must give up like the request retries do (see LOOSE above)."""
        result, target, proxy = self.copy_through(
            [{"fault": "unprocessed", "fraction": 1.0}], "--max-attempts", "3")
        self.assert_gives_up(result, target, proxy, r"(?i)unprocessed|throughput|BatchWriteItem")

    def test_sigint_ends_endless_unprocessed_items(self):
        """Every BatchWriteItem comes back with all its writes unprocessed, and without
        --max-attempts their resends have no limit: Ctrl-C must still stop the copy within
        seconds, with a summary and exit 130, having written nothing."""
        self._sigint_while_every_write_fails(
            {"fault": "unprocessed", "fraction": 1.0}, "unprocessed")

    def test_sigint_ends_endless_throttling(self):
        """Every BatchWriteItem is throttled. Throttled requests are retried for as long as the
        throttling lasts (it slows a copy, it never fails it), so only Ctrl-C ends this copy:
        within seconds, with a summary and exit 130, having written nothing."""
        self._sigint_while_every_write_fails(
            {"fault": "throttle", "probability": 1.0, "operations": ["BatchWriteItem"]},
            "throttle")

    def _sigint_while_every_write_fails(self, rule, fault):
        target = self.create_table(self.unique_table("faultdst"))
        _, dead_letter_options = self.dead_letter_options(target)
        proxy = FaultProxy(self.ddb_endpoint, [rule], seed=1).start()
        self.addCleanup(proxy.stop)
        proc, out, err = self.start_cli(
            ["copy", "--source-table", self.source, "--target-table", target, *COPY_OPTIONS,
             "--output", "json", *dead_letter_options, "--endpoint-url", proxy.endpoint],
            f"sigint-{fault}")
        deadline = time.monotonic() + 60
        while proxy.fault_count(fault, "BatchWriteItem") < 20:
            self.assertIsNone(proc.poll(), self.read_text(err))
            self.assertLess(time.monotonic(), deadline, "no BatchWriteItem within 60 s")
            time.sleep(0.1)
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.fail("the copy did not stop within 30 s of SIGINT")
        stdout, stderr = self.read_text(out), self.read_text(err)
        info = f"\nexit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        self.assertEqual(code, 130, info)
        # The retries wait at most the poll interval once stopped; a generous bound for a
        # loaded machine, far below the backoff cap of 20 s.
        self.assertLess(time.monotonic() - stopped_at, 15, info)
        summary = summary_of(stdout)
        self.assertIsNotNone(summary, info)
        self.assertTrue(summary.get("Interrupted"), info)
        self.assertEqual(summary.get("ItemsWritten"), 0, info)
        self.assertEqual(self.scan_all(target), [])


if __name__ == "__main__":
    unittest.main()
