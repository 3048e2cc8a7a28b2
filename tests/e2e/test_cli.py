"""End-to-end tests of the first CLI (tables, copy, whoami) and of its error contract, run
against real DynamoDB Local and moto, with boto3 as the independent judge."""

import json
import os
import re
import selectors
import signal
import socket
import subprocess
import textwrap
import threading
import time
import unittest
from pathlib import Path

import harness
from fault_proxy import FaultProxy
from harness import ACCESS_KEY, SECRET_KEY, ServiceTestCase, free_port, isolated_env, run


def running(pid):
    """Whether process `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


class VersionAndHelpTest(ServiceTestCase):
    DYNAMODB_LOCAL = False

    def test_version(self):
        r = self.cli("--version", endpoint=False)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertRegex(r.stdout.strip(), r"^ddbmigrate \d+\.\d+\.\d+$")

    def test_every_command_help_names_its_apis(self):
        r = self.cli("--help", endpoint=False)
        self.assertEqual(r.code, 0, r.stderr)
        for command in ("tables", "copy", "truncate", "verify", "checksum", "replicate",
                        "migrate", "export", "import", "whoami"):
            self.assertIn(command, r.stdout)
            sub = self.cli(command, "--help", endpoint=False)
            self.assertEqual(sub.code, 0, sub.stderr)
            self.assertIn("[API: ", sub.stdout, f"{command} --help names no API")
        whoami = self.cli("whoami", "--help", endpoint=False).stdout
        self.assertIn("sts:AssumeRole", whoami)
        verify = self.cli("verify", "--help", endpoint=False).stdout
        self.assertIn("[API: DescribeTable, Scan, BatchGetItem]", verify)
        self.assertNotRegex(verify, r"\bGetItem\b")

    def test_unknown_flag_is_a_usage_error(self):
        r = self.cli("tables", "--no-such-flag", endpoint=False)
        self.assert_cli_error(r)
        self.assertEqual(r.code, 2)

    def test_misspelt_commands_and_flags_are_named_with_the_nearest_one(self):
        """A typo is named as such, even where a required flag is also missing (the typo is
        usually that flag), with the nearest command or flag."""
        cases = (
            (("tabels",), "unknown command 'tabels'; did you mean tables?"),
            (("--region", "us-east-1", "copys", "--source-table", "t1x"),
             "unknown command 'copys'; did you mean copy?"),
            (("copy", "--source-tabel", "t1x", "--target-table", "t2x"),
             "unknown flag --source-tabel; did you mean --source-table? "
             "(see ddbmigrate copy --help)"),
            (("export", "--table", "t1x", "--to", "exp", "--gzip-levle=3"),
             "unknown flag --gzip-levle; did you mean --gzip-level?"),
            (("tables", "--frobnicate"), "unknown flag --frobnicate (see ddbmigrate tables"),
            # A flag of the command, placed before its name.
            (("--source-table", "t_a", "verify", "--target-table", "t_b"),
             "--source-table is a flag of verify: put it after the command name"),
        )
        for args, fragment in cases:
            with self.subTest(" ".join(args)):
                self.assert_usage_error(self.cli(*args, endpoint=False), fragment)

    def test_a_failed_write_to_stdout_fails_the_run(self):
        for args in (("--help",), ("copy", "--help")):
            with self.subTest(" ".join(args)), open("/dev/full", "w") as full:
                r = subprocess.run([str(harness.binary_path()), *args], stdout=full,
                                   stderr=subprocess.PIPE, text=True, env=self.env(), timeout=60)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertEqual(r.stderr, "ddbmigrate: error: writing to standard output "
                                           "failed: No space left on device\n")

    def test_empty_file_flags_are_usage_errors(self):
        cases = (
            (("verify", "--source-table", "t1x", "--target-table", "t2x", "--report", ""),
             "--report is given an empty value; give a file name"),
            (("tables", "--ca-bundle", ""), "--ca-bundle is given an empty value"),
            (("copy", "--source-table", "t1x", "--target-table", "t2x", "--checkpoint="),
             "--checkpoint is given an empty value"),
            (("copy", "--source-table", "t1x", "--target-table", "t2x", "--transform", ""),
             "--transform is given an empty value; give a command"),
        )
        for args, fragment in cases:
            with self.subTest(" ".join(args)):
                self.assert_usage_error(self.cli(*args, endpoint=False), fragment)

    def test_parser_errors_say_plainly_what_is_wrong(self):
        url = "http://127.0.0.1:1"
        cases = (
            (("--region", "us-east-1", "tables", "--region", "us-east-2"),
             "--region is given more than once"),
            (("tables", "--profile", "--endpoint-url", url),
             "--profile needs a value, but is followed by the flag --endpoint-url"),
            (("--profile", "--endpoint-url", url, "tables"),
             "--profile needs a value, but is followed by the flag --endpoint-url"),
            (("tables", "--prefix", "--endpoint-url", url),
             "--prefix needs a value, but is followed by the flag --endpoint-url"),
            (("tables", "--region"), "--region needs a value"),
            (("verify", "--source-table", "t1x", "--target-table", "t2x", "--sample", "2"),
             "--sample: '2' is not a fraction"),
        )
        for args, fragment in cases:
            with self.subTest(" ".join(args)):
                self.assert_usage_error(self.cli(*args, endpoint=False), fragment)

    def test_help_as_a_command(self):
        r = self.cli("help", endpoint=False)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("Usage: ddbmigrate", r.stdout)
        r = self.cli("help", "copy", endpoint=False)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("Usage: ddbmigrate copy", r.stdout)
        self.assert_usage_error(self.cli("help", "cpoy", endpoint=False),
                                "unknown command 'cpoy'; did you mean copy?")

    def test_bad_region_and_whole_number_values_name_their_flag(self):
        cases = (
            (("copy", "--source-table", "t1x", "--target-table", "t2x", "--source-region",
              "bad region"), "--source-region: 'bad region' is not a region name"),
            (("copy", "--source-table", "t1x", "--target-table", "t2x", "--target-region",
              "x!"), "--target-region: 'x!' is not a region name"),
            (("tables", "--region", "us east"), "--region: 'us east' is not a region name"),
            (("export", "--table", "t1x", "--to", "s3://bkt/p", "--s3-region", "bad!"),
             "--s3-region: 'bad!' is not a region name"),
            (("copy", "--source-table", "t1x", "--target-table", "t2x", "--segments", "abc"),
             "--segments: 'abc' is not a whole number"),
            (("copy", "--source-table", "t1x", "--target-table", "t2x", "--writers", "2.5"),
             "--writers: '2.5' is not a whole number"),
            (("tables", "--max-attempts", "99999999999999999999"),
             "--max-attempts: 99999999999999999999 is not in the range 1 to 1000"),
        )
        for args, fragment in cases:
            with self.subTest(" ".join(args)):
                self.assert_usage_error(self.cli(*args, endpoint=False), fragment)

    def test_flags_that_need_or_exclude_each_other_are_usage_errors(self):
        """Found after parsing, but by the command line alone: exit 2 like the parser's own
        errors, one line naming the command's help, before any request or file is read."""
        cases = (
            (("import", "--from", "exp", "--table", "t1x", "--sort-key", "sk:N"),
             "--sort-key needs --partition-key"),
            (("import", "--from", "exp", "--table", "t1x", "--partition-key", "pk:S"),
             "--partition-key only applies with --create-target"),
            (("import", "--from", "exp", "--table", "t1x", "--create-target",
              "--partition-key", "pk:X"), "--partition-key 'pk:X' is not NAME:TYPE"),
            (("import", "--from", "exp", "--table", "t1x", "--resume"),
             "--resume needs --checkpoint"),
            (("import", "--from", "exp", "--table", "t1x", "--native", "--create-target"),
             "--native imports only from S3"),
            (("import", "--from", "s3://bkt/p", "--table", "t1x", "--native", "--create-target",
              "--writers", "3"),
             "--writers does not apply to --native"),
            (("import", "--from", "s3://bkt/p", "--table", "t1x", "--native"),
             "--native always creates a new table"),
            (("export", "--table", "t1x", "--to", "exp", "--resume"),
             "--resume needs --checkpoint"),
            (("export", "--table", "t1x", "--to", "s3://bkt/p", "--native", "--segments", "4"),
             "--segments does not apply to --native"),
            (("export", "--table", "t1x", "--to", "exp", "--native"),
             "--native exports only to S3"),
            (("export", "--table", "t1x", "--to", "exp", "--s3-region", "eu-west-1"),
             "--s3-region applies to an S3 location (s3://bucket/prefix), not to the directory "
             "exp"),
            (("import", "--from", "exp", "--table", "t1x", "--s3-endpoint-url",
              "http://127.0.0.1:9"), "--s3-endpoint-url applies to an S3 location"),
            (("copy", "--source-table", "t1x", "--target-table", "t2x", "--resume"),
             "--resume needs --checkpoint"),
            (("copy", "--source-table", "t1x", "--target-table", "t2x",
              "--create-indexes-after"), "--create-indexes-after only applies with"),
            (("copy", "--source-table", "t1x", "--target-table", "t2x",
              "--consumed-capacity", "none", "--read-rate", "5"),
             "--consumed-capacity none cannot go with"),
            (("replicate", "--source-table", "t1x", "--target-table", "t2x", "--from",
              "yesterday"), "--from yesterday: expected trim-horizon"),
            (("migrate", "--source-table", "t1x", "--target-table", "t2x"),
             "migrate needs --live"),
            (("copy", "--source-table", "t1x", "--target-table", "t2x", "--read-rate", "10",
              "--read-percent", "10"), "--read-rate excludes --read-percent"),
            (("import", "--from", "exp", "--table", "t1x", "--write-rate", "10",
              "--write-percent", "10"), "--write-rate excludes --write-percent"),
            (("checksum", "--table", "t1x", "--ignore-attributes", ",,", "--output", "json"),
             "an attribute name is empty"),
            (("verify", "--source-table", "t1x", "--target-table", "t2x",
              "--ignore-attributes", "a,,b"), "an attribute name is empty"),
            (("verify", "--source-table", "t1x", "--target-table", "t2x", "--sample", "0"),
             "--sample: '0' is not a fraction more than 0 and at most 1"),
            (("export", "--table", "bad name!", "--to", "exp"), "invalid table name 'bad name!'"),
            (("copy", "--source-table", "t1x", "--target-table", "arn:aws:s3:::b"),
             "arn:aws:s3:::b"),
            (("export", "--table", "t1x", "--to", "s3://"), 'location "s3://": no bucket'),
            (("import", "--from", "s3://Bad_B/x", "--table", "t1x"),
             'invalid S3 bucket name "Bad_B"'),
            (("checksum", "--table", "t1x", "--endpoint-url", "not-a-url"),
             "--endpoint-url: invalid URL 'not-a-url'"),
            (("copy", "--source-table", "t1x", "--target-table", "t2x", "--target-endpoint-url",
              "nope"), "--target-endpoint-url: invalid URL 'nope'"),
            (("export", "--table", "t1x", "--to", "s3://bucket/p", "--s3-endpoint-url",
              "ftp://x"), "--s3-endpoint-url: invalid URL 'ftp://x'"),
            (("copy", "--source-table", "t1x", "--target-table", "t2x", "--read-rate", "0x10"),
             "--read-rate: '0x10' is not a rate"),
        )
        for args, fragment in cases:
            with self.subTest(" ".join(args)):
                r = self.cli(*args, "--region", "us-east-1", endpoint=False)
                self.assert_usage_error(r, fragment)
                self.assertIn(f"(see ddbmigrate {args[0]} --help)", r.stderr)

    def test_a_number_out_of_range_names_the_range_readably(self):
        for args, fragment in (
                (("replicate", "--max-lag", "-1"), "--max-lag: -1 is not in the range 0 to 86400"),
                (("migrate", "--live", "--max-lag", "90000"),
                 "--max-lag: 90000 is not in the range 0 to 86400"),
                (("copy", "--read-percent", "150"),
                 "--read-percent: 150 is not in the range 1 to 100"),
                (("replicate", "--write-percent", "0.5"),
                 "--write-percent: 0.5 is not in the range 1 to 100"),
                (("replicate", "--max-lag", "soon"), "--max-lag: 'soon' is not a number")):
            with self.subTest(" ".join(args)):
                r = self.cli(args[0], "--source-table", "t1x", "--target-table", "t2x",
                             *args[1:], endpoint=False)
                self.assert_usage_error(r, fragment)
                self.assertNotIn("000000", r.stderr)
                self.assertLess(len(r.stderr), 200, r.stderr)


class TablesTest(ServiceTestCase):
    def test_lists_tables_like_describe_table(self):
        hash_only = self.create_table(self.unique_table("tbl_a"), keys=[("id", "HASH", "N")])
        composite = self.create_table(self.unique_table("tbl_b"))
        self.write_items(composite, self.generate_items(30))
        r = self.cli("tables", "--output", "json")
        self.assertEqual(r.code, 0, r.stderr)
        listed = {t["TableName"]: t for t in json.loads(r.stdout)["Tables"]}
        ddb = self.dynamodb()
        for name in (hash_only, composite):
            self.assertIn(name, listed)
            expected = ddb.describe_table(TableName=name)["Table"]
            got = listed[name]
            self.assertEqual(got["ItemCount"], expected["ItemCount"])
            self.assertEqual(got["TableSizeBytes"], expected["TableSizeBytes"])
            self.assertEqual(got["TableStatus"], expected["TableStatus"])
            types = {d["AttributeName"]: d["AttributeType"]
                     for d in expected["AttributeDefinitions"]}
            self.assertEqual(
                [(k["AttributeName"], k["KeyType"], k["AttributeType"]) for k in got["KeySchema"]],
                [(k["AttributeName"], k["KeyType"], types[k["AttributeName"]])
                 for k in expected["KeySchema"]])
            self.assertEqual(got["BillingMode"],
                             expected.get("BillingModeSummary", {}).get("BillingMode",
                                                                        "PROVISIONED"))

    def test_table_output_has_one_row_per_table(self):
        name = self.create_table(self.unique_table("tbl_row"))
        r = self.cli("tables", "--prefix", name)
        self.assertEqual(r.code, 0, r.stderr)
        lines = r.stdout.strip().splitlines()
        self.assertEqual(len(lines), 2, r.stdout)
        self.assertTrue(lines[0].startswith("TABLE"))
        self.assertTrue(lines[1].startswith(name))
        self.assertIn("PAY_PER_REQUEST", lines[1])

    def test_listing_to_a_full_disk_fails(self):
        name = self.create_table(self.unique_table("tbl_full"))
        for output in ("table", "json"):
            with self.subTest(output), open("/dev/full", "w") as full:
                r = subprocess.run(
                    [str(harness.binary_path()), "tables", "--prefix", name, "--output", output,
                     "--endpoint-url", self.ddb_endpoint],
                    stdout=full, stderr=subprocess.PIPE, text=True, env=self.env(), timeout=60)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertEqual(r.stderr.splitlines(), [
                    "ddbmigrate: error: writing to standard output failed: No space left on "
                    "device"])

    def test_global_flags_work_before_the_command(self):
        r = run("--endpoint-url", self.ddb_endpoint, "--output", "json", "tables",
                env=self.env())
        self.assertEqual(r.code, 0, r.stderr)
        json.loads(r.stdout)

    def test_a_table_that_cannot_be_described_is_named_and_the_others_listed(self):
        prefix = self.unique_table("tbl_denied") + "_"
        names = [self.create_table(prefix + suffix) for suffix in ("a", "b", "c")]
        # The second DescribeTable (of ..._b, ListTables answers in name order) is denied.
        proxy = FaultProxy(self.ddb_endpoint, [
            {"fault": "denied", "operations": ["DescribeTable"], "every": 2, "max_count": 1},
        ]).start()
        self.addCleanup(proxy.stop)
        r = self.cli("tables", "--prefix", prefix, "--endpoint-url", proxy.endpoint,
                     endpoint=False)
        self.assertEqual(r.code, 3, r.stderr)
        rows = [line.split()[0] for line in r.stdout.strip().splitlines()[1:]]
        self.assertEqual(rows, names, r.stdout)  # in ListTables' order
        self.assertIn(names[1] + "  ?", r.stdout)
        self.assertEqual(r.stderr.splitlines(), [r.stderr.splitlines()[0]], r.stderr)
        self.assertIn(f"cannot describe table {names[1]}: ", r.stderr)
        self.assertIn("AccessDeniedException", r.stderr)

        proxy.stop()
        proxy = FaultProxy(self.ddb_endpoint, [
            {"fault": "denied", "operations": ["DescribeTable"], "every": 3, "max_count": 1},
        ]).start()
        self.addCleanup(proxy.stop)
        r = self.cli("tables", "--prefix", prefix, "--output", "json", "--endpoint-url",
                     proxy.endpoint, endpoint=False)
        self.assertEqual(r.code, 3, r.stderr)
        listed = json.loads(r.stdout)
        self.assertEqual([t["TableName"] for t in listed["Tables"]], names[:2])
        self.assertEqual([u["TableName"] for u in listed["Unreadable"]], [names[2]])
        self.assertIn("AccessDeniedException", listed["Unreadable"][0]["Error"])

    def test_endpoint_from_environment_variable(self):
        r = self.cli("tables", "--output", "json", endpoint=False,
                     env=self.env(AWS_ENDPOINT_URL_DYNAMODB=self.ddb_endpoint))
        self.assertEqual(r.code, 0, r.stderr)


class HelpNamesTheApisSentTest(ServiceTestCase):
    def test_typical_runs_send_only_the_apis_their_help_names(self):
        """Every operation --debug shows a run sending is named in that command's --help."""
        source = self.create_table(self.unique_table("api_src"))
        target = self.create_table(self.unique_table("api_dst"))
        items = self.generate_items(20)
        self.write_items(source, items)
        changed = dict(items[0], extra={"S": "changed"})
        runs = (
            ("tables",),
            ("copy", "--source-table", source, "--target-table", target, "--verify"),
            ("copy", "--source-table", source, "--target-table",
             self.unique_table("api_new"), "--create-target"),
            ("checksum", "--table", source),
            ("verify", "--source-table", source, "--target-table", target, "--sample", "0.5"),
            ("truncate", "--table", target, "--yes"),
        )
        for args in runs:
            with self.subTest(" ".join(args[:2])):
                r = self.cli(*args, "--debug")
                self.assertEqual(r.code, 0, r.stderr)
                self.assert_help_names(args[0], r.stderr)
        # A full verify that finds a changed item reads it back from both sides.
        self.dynamodb().put_item(TableName=target, Item=changed)
        r = self.cli("verify", "--source-table", source, "--target-table", target, "--debug")
        self.assertEqual(r.code, 3, r.stderr)
        self.assertIn("dynamodb BatchGetItem", r.stderr)
        self.assert_help_names("verify", r.stderr)

    def test_stream_and_export_runs_send_only_the_apis_their_help_names(self):
        """replicate and migrate on a KEYS_ONLY stream (which looks items up), export to a
        directory and import --create-target of a table with TTL and tags."""
        work = harness._tmp_dir("api-")
        keys_only = {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
        source = self.create_table(self.unique_table("api_ssrc"), StreamSpecification=keys_only,
                                   Tags=[{"Key": "team", "Value": "orders"}])
        self.dynamodb().update_time_to_live(TableName=source, TimeToLiveSpecification={
            "AttributeName": "expires", "Enabled": True})
        self.write_items(source, self.generate_items(20))
        runs = (
            ("replicate", "--source-table", source, "--target-table",
             self.create_table(self.unique_table("api_rdst")), "--until-caught-up",
             "--max-lag", "0", "--checkpoint", str(work / "replicate.json")),
            ("migrate", "--live", "--source-table", source, "--target-table",
             self.unique_table("api_mdst"), "--create-target", "--until-caught-up",
             "--max-lag", "0", "--checkpoint", str(work / "migrate.json")),
            ("export", "--table", source, "--to", str(work / "export")),
            ("import", "--from", str(work / "export"), "--table",
             self.unique_table("api_idst"), "--create-target"),
        )
        for args in runs:
            with self.subTest(args[0]):
                r = self.cli(*args, "--debug", cwd=work)
                self.assertEqual(r.code, 0, r.stderr)
                self.assert_help_names(args[0], r.stderr)
                if args[0] in ("replicate", "migrate"):
                    self.assertIn("dynamodb BatchGetItem", r.stderr)
                if args[0] == "import":
                    self.assertIn("dynamodb UpdateTimeToLive", r.stderr)

    def assert_help_names(self, command, debug_output):
        sent = set(re.findall(r"^debug: \w+ (\w+) ->", debug_output, re.MULTILINE))
        self.assertTrue(sent, debug_output)
        help_text = self.cli(command, "--help", endpoint=False).stdout
        named = set(re.findall(r"\w+", " ".join(re.findall(r"\[API:([^\]]*)\]",
                                                           " ".join(help_text.split())))))
        self.assertLessEqual(sent, named, f"{command} --help does not name them")


class CopyTest(ServiceTestCase):
    def test_copy_is_byte_exact(self):
        src = self.create_table(self.unique_table("src"))
        dst = self.create_table(self.unique_table("dst"))
        self.write_items(src, self.generate_items(3000))
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--segments", "4",
                     "--page-size", "500", "--output", "json")
        self.assertEqual(r.code, 0, r.stderr)
        summary = json.loads(r.stdout)
        self.assertEqual(summary["ItemsRead"], 3000)
        self.assertEqual(summary["ItemsWritten"], 3000)
        self.assert_tables_equal(src, dst)

    def test_missing_source_table(self):
        dst = self.create_table(self.unique_table("dst"))
        r = self.cli("copy", "--source-table", "no_such_table", "--target-table", dst)
        self.assert_cli_error(r, contains="no_such_table")
        self.assertIn("does not exist", r.stderr)

    def test_mismatched_key_schemas_are_refused(self):
        src = self.create_table(self.unique_table("src"))
        dst = self.create_table(self.unique_table("dst"), keys=[("id", "HASH", "S")])
        self.write_items(src, self.generate_items(10))
        r = self.cli("copy", "--source-table", src, "--target-table", dst)
        self.assert_cli_error(r, contains="key schemas differ")
        self.assertEqual(self.scan_all(dst), [] if isinstance(self.scan_all(dst), list) else {})


class BadInputTest(ServiceTestCase):
    """Each bad input gives one clear line, a non-zero exit, and never a secret."""

    @classmethod
    def env(cls, **overrides):
        # A fresh HOME per run: some tests write broken config files.
        return isolated_env(**overrides)

    def assert_no_secret(self, r):
        for secret in (SECRET_KEY, "SuperSecretValue123", "TokenSecretValue456"):
            self.assertNotIn(secret, r.stdout + r.stderr)

    def test_unknown_profile(self):
        r = self.cli("tables", "--profile", "nobody")
        self.assert_cli_error(r, contains="nobody")
        self.assertIn("could not be found", r.stderr)

    def test_unknown_profile_in_the_environment(self):
        r = self.cli("tables", env=self.env(AWS_PROFILE="nobody"))
        self.assert_cli_error(r, contains="The config profile (nobody) named by AWS_PROFILE "
                                          "could not be found")

    def test_aws_default_profile_selects_the_profile(self):
        env = self.env(AWS_DEFAULT_PROFILE="legacy")
        r = self.cli("tables", env=env)
        self.assert_cli_error(r, contains="The config profile (legacy) named by "
                                          "AWS_DEFAULT_PROFILE could not be found")
        with open(env["AWS_CONFIG_FILE"], "w") as f:
            f.write(f"[profile legacy]\nregion = eu-west-3\naws_access_key_id = {ACCESS_KEY}\n"
                    f"aws_secret_access_key = {SECRET_KEY}\n")
        # The region comes from that profile: without it, no region would be found.
        r = self.cli("tables", "--output", "json",
                     env=dict(env, AWS_REGION="", AWS_DEFAULT_REGION=""))
        self.assertEqual(r.code, 0, r.stderr)
        # Set to different profiles, the two variables are refused: tools disagree on the winner.
        r = self.cli("tables", env=dict(env, AWS_PROFILE="other"))
        self.assert_cli_error(r, contains="AWS_PROFILE (other) and AWS_DEFAULT_PROFILE (legacy) "
                                          "name different profiles")
        r = self.cli("tables", "--profile", "legacy", "--output", "json",
                     env=dict(env, AWS_PROFILE="other"))
        self.assertEqual(r.code, 0, r.stderr)

    def test_malformed_config_file(self):
        env = self.env()
        with open(env["AWS_CONFIG_FILE"], "w") as f:
            f.write("[profile broken\naws_secret_access_key = SuperSecretValue123\n")
        r = self.cli("tables", env=env)
        self.assert_cli_error(r, contains=env["AWS_CONFIG_FILE"])
        self.assert_no_secret(r)

    def test_unreachable_endpoint(self):
        port = free_port()  # nothing listens there
        r = self.cli("tables", "--endpoint-url", f"http://127.0.0.1:{port}", "--max-attempts",
                     "2", endpoint=False)
        self.assert_cli_error(r, contains="ListTables")
        self.assert_no_secret(r)

    def test_unreachable_endpoint_fails_after_its_attempts_without_waiting_out_the_window(self):
        # The retry window opens only once the service has answered: a server that never did
        # gets the 10 attempts (at most about 13 s of backoff), not 300 s.
        port = free_port()
        started = time.monotonic()
        r = self.cli("tables", "--endpoint-url", f"http://127.0.0.1:{port}", endpoint=False)
        self.assert_cli_error(r, contains="ListTables")
        self.assertLess(time.monotonic() - started, 60, r.stderr)
        self.assertNotIn("still failing", r.stderr)

    def test_retry_window_and_max_attempts_exclude_each_other(self):
        r = self.cli("tables", "--retry-window", "60", "--max-attempts", "3")
        self.assertEqual(r.code, 2, r.stderr)
        self.assertIn("--retry-window", r.stderr)

    def test_truncate_target_and_create_target_exclude_each_other(self):
        # A table --create-target makes is empty; nothing is sent.
        for command in ("copy", "migrate"):
            r = self.cli(command, "--source-table", "a", "--target-table", "b",
                         "--create-target", "--truncate-target", endpoint=False)
            self.assertEqual(r.code, 2, r.stderr)
            self.assert_cli_error(r, contains="--create-target excludes --truncate-target")

    def test_role_options_without_the_role_are_refused(self):
        # They would apply to nothing (not to a profile's role_arn); nothing is sent.
        for command, flag, role in (("copy", "--source-external-id", "--source-role-arn"),
                                    ("copy", "--target-role-session-name", "--target-role-arn"),
                                    ("export", "--s3-external-id", "--s3-role-arn"),
                                    ("whoami", "--external-id", "--role-arn")):
            args = {"copy": ["--source-table", "a", "--target-table", "b"],
                    "export": ["--table", "a", "--to", "s3://bucket/prefix"],
                    "whoami": []}[command]
            r = self.cli(command, *args, flag, "x", endpoint=False)
            self.assertEqual(r.code, 2, r.stderr)
            self.assert_cli_error(r, contains=f"{flag} requires {role}")

    def test_fips_endpoints_must_be_given(self):
        # Never a silent fall back to the non-FIPS regional endpoints.
        r = self.cli("tables", endpoint=False, env=self.env(AWS_USE_FIPS_ENDPOINT="true"))
        self.assert_cli_error(r, contains="AWS_USE_FIPS_ENDPOINT asks for FIPS endpoints, which "
                                          "ddbmigrate does not choose itself: pass the dynamodb "
                                          "FIPS endpoint with --endpoint-url")
        self.assertEqual(r.code, 1)
        # Only the services a command calls need one: tables calls DynamoDB alone.
        r = self.cli("tables", env=self.env(AWS_USE_FIPS_ENDPOINT="true"))
        self.assertEqual(r.code, 0, r.stderr)
        # An export to S3 calls S3 too, and is refused before it writes anything.
        table = self.create_table(self.unique_table("fips"))
        r = self.cli("export", "--table", table, "--to", "s3://bucket/p",
                     env=self.env(AWS_USE_FIPS_ENDPOINT="true"))
        self.assertEqual(r.code, 1, r.stderr)
        self.assertIn("AWS_USE_FIPS_ENDPOINT asks for FIPS endpoints", r.stderr)
        self.assertIn("--s3-endpoint-url or AWS_ENDPOINT_URL_S3", r.stderr)

    def test_whoami_refuses_a_dynamodb_endpoint(self):
        r = self.cli("whoami", "--endpoint-url", "http://127.0.0.1:1", endpoint=False)
        self.assert_usage_error(r, "--endpoint-url is where DynamoDB requests go, and whoami "
                                   "sends none; set AWS_ENDPOINT_URL_STS")

    def test_a_stop_ends_a_hanging_credential_process(self):
        """SIGTERM to ddbmigrate alone (not its process group) ends the wait for a
        credential_process that hangs, and the helper with it: exit 143 at once."""
        for command in (("checksum", "--table", "t_cp", "--endpoint-url", self.ddb_endpoint),
                        ("whoami",)):
            with self.subTest(command[0]):
                env = self.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
                home = Path(env["HOME"])
                pid_file = home / "helper.pid"
                script = home / "proc.sh"
                script.write_text(f"#!/bin/sh\necho $$ > '{pid_file}'\nsleep 100\n")
                script.chmod(0o755)
                with open(env["AWS_CONFIG_FILE"], "w") as f:
                    f.write(f"[profile p]\ncredential_process = {script}\n")
                # Without a controlling terminal, as in CI: the helper then has a process group
                # of its own, which the stop ends whole (the script's sleep too).
                proc = subprocess.Popen(
                    [str(harness.binary_path()), *command, "--profile", "p"], env=env,
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True, start_new_session=True)
                self.addCleanup(lambda p=proc: p.poll() is None and (p.kill(), p.wait()))
                deadline = time.monotonic() + 30
                while not (pid_file.exists() and pid_file.read_text().strip()):
                    self.assertLess(time.monotonic(), deadline, "the helper never started")
                    time.sleep(0.05)
                helper = int(pid_file.read_text())
                started = time.monotonic()
                proc.send_signal(signal.SIGTERM)
                _, stderr = proc.communicate(timeout=20)
                self.assertLess(time.monotonic() - started, 10, stderr)
                self.assertEqual(proc.returncode, 143, stderr)
                self.assertRegex(stderr, r"ddbmigrate: stopped: .*credential_process of "
                                         r"profile p was still running when the run was stopped")
                self.assertFalse(running(helper), "the helper is still running")

    def test_invalid_endpoint_url(self):
        r = self.cli("tables", "--endpoint-url", "ftp://example", endpoint=False)
        self.assert_cli_error(r, contains="--endpoint-url")

    def test_missing_credentials(self):
        env = self.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
        r = self.cli("tables", env=env)
        self.assert_cli_error(r, contains="Unable to locate credentials")

    def test_missing_region(self):
        env = self.env(AWS_REGION=None, AWS_DEFAULT_REGION=None)
        r = self.cli("tables", env=env)
        self.assert_cli_error(r, contains="region")

    def test_secret_never_printed_on_service_error(self):
        env = self.env(AWS_SECRET_ACCESS_KEY="SuperSecretValue123",
                       AWS_SESSION_TOKEN="TokenSecretValue456")
        r = self.cli("copy", "--source-table", "absent", "--target-table", "absent2", env=env)
        self.assert_cli_error(r)
        self.assert_no_secret(r)


class SilentEndpoint:
    """A TCP listener on 127.0.0.1 that takes every connection and reads what comes, but never
    answers. requests(target) counts the requests received whose X-Amz-Target ends with
    `target`."""

    def __init__(self):
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(50)
        self._listener.setblocking(False)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._received = []  # bytes read, per connection
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        selector = selectors.DefaultSelector()
        selector.register(self._listener, selectors.EVENT_READ)
        connections = []
        while not self._stop.is_set():
            for key, _ in selector.select(timeout=0.1):
                if key.fileobj is self._listener:
                    connection, _ = self._listener.accept()
                    connection.setblocking(False)
                    connections.append(connection)
                    with self._lock:
                        self._received.append(b"")
                    selector.register(connection, selectors.EVENT_READ, len(self._received) - 1)
                    continue
                try:
                    data = key.fileobj.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    selector.unregister(key.fileobj)
                    continue
                with self._lock:
                    self._received[key.data] += data
        for connection in connections:
            connection.close()
        selector.close()
        self._listener.close()

    def requests(self, target):
        with self._lock:
            return sum(len(re.findall(rb"X-Amz-Target: [\w.]*" + target.encode() + rb"\r\n", r))
                       for r in self._received)

    def close(self):
        self._stop.set()
        self._thread.join()


class StopAtStartUpTest(ServiceTestCase):
    """Ctrl-C before a command's main work begins gives up on the request waiting for its
    answer at once, and sends no other."""

    DYNAMODB_LOCAL = False

    def test_a_stop_gives_up_on_a_request_that_is_never_answered(self):
        for command in (("checksum", "--table", "t_silent"),
                        ("verify", "--source-table", "t_src", "--target-table", "t_dst")):
            with self.subTest(command[0]):
                endpoint = SilentEndpoint()
                self.addCleanup(endpoint.close)
                proc = subprocess.Popen(
                    [str(harness.binary_path()), *command, "--endpoint-url", endpoint.url],
                    env=self.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, text=True)
                self.addCleanup(lambda p=proc: p.poll() is None and (p.kill(), p.wait()))
                deadline = time.monotonic() + 30
                while endpoint.requests("DescribeTable") == 0:
                    self.assertIsNone(proc.poll(), "ended before its first request was read")
                    self.assertLess(time.monotonic(), deadline, "no DescribeTable arrived")
                    time.sleep(0.05)
                started = time.monotonic()
                proc.send_signal(signal.SIGINT)
                try:
                    stdout, stderr = proc.communicate(timeout=60)
                except subprocess.TimeoutExpired:
                    self.fail("still waiting for the answer 60 s after SIGINT")
                # The request timeout is 120 s: this is the stop, not the timeout.
                self.assertLess(time.monotonic() - started, 20, stderr)
                self.assertEqual(proc.returncode, 130, stderr)
                self.assertEqual(stdout, "")
                lines = stderr.strip().splitlines()
                self.assertEqual(lines, [
                    "ddbmigrate: stopping: giving up on the requests in flight (interrupt again "
                    "to abort)",
                    lines[-1]], stderr)
                self.assertRegex(lines[-1], r"^ddbmigrate: stopped: dynamodb DescribeTable: gave "
                                            r"up waiting for the answer \(POST 127\.0\.0\.1:\d+, "
                                            r"after \d+ ms\)$")
                # verify's target table is not described after the stop.
                self.assertEqual(endpoint.requests("DescribeTable"), 1)


class AssumeRoleTest(ServiceTestCase):
    """A profile with role_arn + source_profile yields working assumed credentials (moto STS)."""

    MOTO = True
    SHARED_DB = True  # the assumed keys differ from the seeding keys

    def write_profiles(self, env):
        with open(env["AWS_CONFIG_FILE"], "w") as f:
            f.write(textwrap.dedent(f"""\
                [profile base]
                region = us-east-1

                [profile cross]
                role_arn = arn:aws:iam::111111111111:role/migration
                source_profile = base
                role_session_name = e2e-session
                region = us-east-1
                """))
        with open(env["AWS_SHARED_CREDENTIALS_FILE"], "w") as f:
            f.write(f"[base]\naws_access_key_id = AKIDBASE\n"
                    f"aws_secret_access_key = {SECRET_KEY}\n")

    def test_whoami_shows_the_assumed_role(self):
        env = self.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                       AWS_ENDPOINT_URL_STS=self.moto_endpoint)
        self.write_profiles(env)
        r = self.cli("whoami", "--profile", "cross", "--output", "json", env=env, endpoint=False)
        self.assertEqual(r.code, 0, r.stderr)
        identity = json.loads(r.stdout)
        self.assertEqual(identity["Account"], "111111111111")
        self.assertIn("assumed-role/migration/e2e-session", identity["Arn"])
        self.assertNotIn(SECRET_KEY, r.stdout + r.stderr)
        # --debug shows the credential calls too, and no secret.
        r = self.cli("whoami", "--profile", "cross", "--debug", env=env, endpoint=False)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertRegex(r.stderr, r"(?m)^debug: sts AssumeRole -> HTTP 200")
        self.assertRegex(r.stderr, r"(?m)^debug: sts GetCallerIdentity -> HTTP 200")
        self.assertNotIn(SECRET_KEY, r.stdout + r.stderr)

    def test_assumed_credentials_reach_dynamodb(self):
        name = self.create_table(self.unique_table("assumed"))
        env = self.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                       AWS_ENDPOINT_URL_STS=self.moto_endpoint)
        self.write_profiles(env)
        r = self.cli("tables", "--profile", "cross", "--output", "json", env=env)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn(name, [t["TableName"] for t in json.loads(r.stdout)["Tables"]])

    def test_endpoints_from_the_profiles_services_section(self):
        """No endpoint flag or variable: the profile's services section sends STS to moto and
        DynamoDB to DynamoDB Local, as the AWS CLI would."""
        name = self.create_table(self.unique_table("services"))
        env = self.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
        self.write_profiles(env)
        with open(env["AWS_CONFIG_FILE"], "a") as f:
            f.write(textwrap.dedent(f"""                services = local

                [services local]
                dynamodb =
                  endpoint_url = {self.ddb_endpoint}
                sts =
                  endpoint_url = {self.moto_endpoint}
                """))
        r = self.cli("tables", "--profile", "cross", "--output", "json", env=env,
                     endpoint=False)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn(name, [t["TableName"] for t in json.loads(r.stdout)["Tables"]])

    def test_bad_role_arn_is_a_clear_error(self):
        env = self.env(AWS_ENDPOINT_URL_STS=self.moto_endpoint)
        r = self.cli("whoami", "--role-arn", "not-an-arn", env=env, endpoint=False)
        self.assert_usage_error(r, "role ARN 'not-an-arn' is not an IAM role ARN")
        self.assertNotIn(SECRET_KEY, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
