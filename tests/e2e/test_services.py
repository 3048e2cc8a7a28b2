"""Smoke tests of the end-to-end harness itself: the local servers answer real clients, the
environment given to the binary is isolated, and the data helpers compare exactly."""

import os
import unittest

import harness
from harness import ServiceTestCase


class DynamoDBLocalTest(ServiceTestCase):

    def test_list_tables_answers(self):
        self.assertIn("TableNames", self.dynamodb().list_tables())

    def test_round_trip_is_exact_and_compare_detects_differences(self):
        src, dst = self.unique_table("src"), self.unique_table("dst")
        self.create_table(src)
        self.create_table(dst)
        items = self.generate_items(300, seed=7)
        self.write_items(src, items)
        self.write_items(dst, items)
        self.assertEqual(sorted(map(harness.ddbdata.canonical_item, self.scan_all(src))),
                         sorted(map(harness.ddbdata.canonical_item, items)))
        self.assert_tables_equal(src, dst)

        changed = dict(items[5], big_number={"N": "12345678901234567890123456789012345670"})
        self.dynamodb().put_item(TableName=dst, Item=changed)
        self.dynamodb().delete_item(TableName=dst, Key={k: items[6][k] for k in ("pk", "sk")})
        result = harness.ddbdata.compare_tables(self.dynamodb(), src, dst)
        self.assertFalse(result.equal)
        self.assertEqual((len(result.different), len(result.missing), len(result.extra)), (1, 1, 0))

    def test_databases_are_per_access_key_without_shared_db(self):
        name = self.create_table(self.unique_table("own"))
        other = self.dynamodb(access_key="otherkey")
        self.assertNotIn(name, other.list_tables()["TableNames"])


class SharedDbTest(ServiceTestCase):
    SHARED_DB = True

    def test_all_access_keys_see_one_database(self):
        name = self.create_table(self.unique_table("shared"))
        other = self.dynamodb(access_key="otherkey", region="eu-west-1")
        self.assertIn(name, other.list_tables()["TableNames"])


class MotoTest(ServiceTestCase):
    DYNAMODB_LOCAL = False
    MOTO = True

    def test_sts_get_caller_identity_answers(self):
        identity = self.client("sts").get_caller_identity()
        self.assertRegex(identity["Account"], r"^\d{12}$")

    def test_s3_round_trip(self):
        s3 = self.client("s3")
        s3.create_bucket(Bucket="harness-smoke")
        s3.put_object(Bucket="harness-smoke", Key="a/b.json", Body=b'{"x":1}')
        body = s3.get_object(Bucket="harness-smoke", Key="a/b.json")["Body"].read()
        self.assertEqual(body, b'{"x":1}')


class HarnessTest(unittest.TestCase):

    def test_isolated_env_hides_the_users_aws_setup(self):
        env = harness.isolated_env(AWS_REGION="eu-central-1", AWS_PROFILE=None)
        self.assertEqual(env["AWS_REGION"], "eu-central-1")
        self.assertEqual(env["AWS_EC2_METADATA_DISABLED"], "true")
        self.assertNotIn("AWS_PROFILE", env)
        self.assertNotEqual(env["HOME"], os.environ.get("HOME"))
        for var in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            self.assertEqual(os.path.getsize(env[var]), 0)
        self.assertTrue(env["AWS_ACCESS_KEY_ID"].isalnum())
        self.assertEqual({k for k in env if k.startswith("AWS_")},
                         {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
                          "AWS_DEFAULT_REGION", "AWS_EC2_METADATA_DISABLED", "AWS_CONFIG_FILE",
                          "AWS_SHARED_CREDENTIALS_FILE"})

    def test_servers_stop_and_free_their_port(self):
        server = harness.MotoServer(log_prefix="HarnessTest-") if harness.moto_available() \
            else harness.DynamoDBLocal(log_prefix="HarnessTest-")
        with server:
            process, port = server.process, server.port
            self.assertTrue(server.alive())
        self.assertIsNotNone(process.poll())
        with harness.socket.socket() as s:
            s.bind(("127.0.0.1", port))  # free again

    def test_run_reports_a_missing_binary(self):
        old = os.environ.get("DDBMIGRATE_BIN")
        os.environ["DDBMIGRATE_BIN"] = "/nonexistent/ddbmigrate"
        try:
            with self.assertRaises(FileNotFoundError):
                harness.run("--version")
        finally:
            if old is None:
                del os.environ["DDBMIGRATE_BIN"]
            else:
                os.environ["DDBMIGRATE_BIN"] = old


class BinaryTest(ServiceTestCase):
    """The binary starts and answers in the isolated environment (skipped until it is built)."""

    DYNAMODB_LOCAL = False

    def setUp(self):
        if not harness.binary_path().exists():
            self.skipTest(f"{harness.binary_path()} is not built")

    def test_version(self):
        r = self.cli("--version")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertRegex(r.stdout.strip(), r"^ddbmigrate \d+\.\d+\.\d+$")


if __name__ == "__main__":
    unittest.main()
