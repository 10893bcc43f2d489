"""The Python client over mutual TLS, with certificates from deploy/make-dev-ca.sh."""

import os
import subprocess

import pytest

from conftest import Sccd
from scc_client import Unavailable


@pytest.fixture
def mutual_tls_sccd(tmp_path):
    certs = str(tmp_path / "tls")
    subprocess.run([os.environ["MAKE_DEV_CA"], certs], check=True, capture_output=True)
    server = Sccd(str(tmp_path), ["--tls-cert", certs + "/server.pem", "--tls-key",
                                  certs + "/server.key", "--tls-client-ca", certs + "/ca.pem"])
    server.start()
    yield server, certs
    server.stop()


def test_mutual_tls_client_is_served_and_others_are_not(mutual_tls_sccd):
    server, certs = mutual_tls_sccd
    with server.client("auditor", tls_ca=certs + "/ca.pem", tls_cert=certs + "/client.pem",
                       tls_key=certs + "/client.key") as client:
        assert client.verify_log().ok
    with server.client("auditor", tls_ca=certs + "/ca.pem") as client:
        with pytest.raises(Unavailable):
            client.verify_log()
    with pytest.raises(ValueError, match="a client certificate needs TLS"):
        server.client("auditor", tls_cert=certs + "/client.pem", tls_key=certs + "/client.key")
