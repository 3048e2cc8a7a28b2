"""End-to-end tests of HTTPS: a copy through a TLS relay in front of DynamoDB Local, with the
relay's self-signed certificate trusted through --ca-bundle, refused without it, and accepted with
--no-verify-ssl. The relay counts its connections, so the tests also see that requests share kept
connections. boto3 judges the tables."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import unittest
from pathlib import Path

import harness
from harness import ServiceTestCase


class TlsRelay:
    """Accepts TLS on a free loopback port and relays the plain bytes to `upstream` (host, port).
    Its certificate, made at start for 127.0.0.1, is at .cert_path."""

    def __init__(self, upstream, directory: Path):
        self.upstream = upstream
        self.cert_path = directory / "relay-cert.pem"
        key_path = directory / "relay-key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key_path), "-out", str(self.cert_path)],
                       check=True, capture_output=True)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(self.cert_path, key_path)
        # The relay would agree on HTTP/2 if the client offered it; the client must not.
        self.context.set_alpn_protocols(["h2", "http/1.1"])
        self.protocols = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self):
        return f"https://127.0.0.1:{self.port}"

    def close(self):
        self.listener.close()

    def _accept(self):
        while True:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw):
        try:
            client = self.context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()  # a client that refused our certificate
            return
        with self._lock:
            self.connections += 1
            self.protocols.append(client.selected_alpn_protocol())
        upstream = socket.create_connection(self.upstream)

        def pump(src, dst):
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
        back.start()
        pump(client, upstream)
        back.join()
        client.close()
        upstream.close()


class TlsTest(ServiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        host, port = cls.ddb_endpoint.removeprefix("http://").split(":")
        cls.relay = TlsRelay((host, int(port)), Path(cls.home))
        cls.addClassCleanup(cls.relay.close)
        cls.source = cls.unique_table("tls_src")
        client = cls.dynamodb()
        harness.ddbdata.create_table(client, cls.source, harness.DEFAULT_KEYS)
        harness.ddbdata.write_items(client, cls.source, harness.ddbdata.generate_items(600))

    def copy_over_tls(self, *flags):
        target = self.create_table(self.unique_table("tls_dst"))
        result = harness.run("copy", "--source-table", self.source, "--target-table", target,
                             "--endpoint-url", self.relay.endpoint, "--writers", "4",
                             "--segments", "4", *flags, env=self.env())
        return target, result

    def test_copy_with_the_relays_certificate_as_ca_bundle(self):
        before = self.relay.connections
        target, result = self.copy_over_tls("--ca-bundle", str(self.relay.cert_path))
        self.assertEqual(result.code, 0, result.stderr)
        self.assert_tables_equal(self.source, target)
        # 600 items take some 30 requests; they go over a few kept connections, not one each.
        self.assertLessEqual(self.relay.connections - before, 12)
        self.assertNotIn("h2", self.relay.protocols)

    def test_an_untrusted_certificate_is_refused_with_one_line(self):
        target, result = self.copy_over_tls()
        self.assert_cli_error(result)
        self.assertIn("certificate", result.stderr.lower())
        self.assertEqual(self.dynamodb().scan(TableName=target, Select="COUNT")["Count"], 0)

    def test_no_verify_ssl_accepts_the_certificate(self):
        target, result = self.copy_over_tls("--no-verify-ssl")
        self.assertEqual(result.code, 0, result.stderr)
        self.assert_tables_equal(self.source, target)

    def test_an_unreadable_ca_bundle_is_refused_before_any_request(self):
        # Over http too, where no request would have read it.
        missing = str(Path(self.home) / "no-such-bundle.pem")
        for args, env, source in (
                (("--ca-bundle", missing), {}, "--ca-bundle"),
                ((), {"AWS_CA_BUNDLE": missing}, "AWS_CA_BUNDLE")):
            with self.subTest(source):
                result = harness.run("tables", "--endpoint-url", self.ddb_endpoint, *args,
                                     env=self.env(**env))
                self.assert_cli_error(result, f"{source} {missing} cannot be read: No such file")
                self.assertEqual(result.code, 1, result.stderr)


if __name__ == "__main__":
    unittest.main()
