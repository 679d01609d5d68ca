"""The stack's development CA and component certificates: names, chain, usages, key files, renewal."""

import datetime
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from stack import certificates
from stack.config import StackConfig


@pytest.fixture
def cfg(tmp_path: Path) -> StackConfig:
    return StackConfig(state_dir=tmp_path)


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_every_component_gets_a_certificate_from_the_ca(cfg: StackConfig) -> None:
    certificates.ensure(cfg)
    ca = load(cfg.path("tls", "ca.crt"))
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    for component in ("bank", "card_adapter", "analytics", "gateway", "stack"):
        files = certificates.identity(cfg, component)
        leaf = load(files.cert_file)
        leaf.verify_directly_issued_by(ca)
        sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert sans.get_values_for_type(x509.DNSName) == [component, "localhost"]
        assert sans.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
        usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert set(usages) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
        assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert files.key_file.stat().st_mode & 0o777 == 0o600
    assert cfg.path("tls", "ca.key").stat().st_mode & 0o777 == 0o600


def test_created_once(cfg: StackConfig) -> None:
    certificates.ensure(cfg)
    before = {path.name: path.read_bytes() for path in cfg.path("tls").iterdir()}
    certificates.ensure(cfg)
    assert {path.name: path.read_bytes() for path in cfg.path("tls").iterdir()} == before


def test_a_missing_certificate_is_created_again(cfg: StackConfig) -> None:
    certificates.ensure(cfg)
    ca_before = cfg.path("tls", "ca.crt").read_bytes()
    certificates.identity(cfg, "bank").key_file.unlink()
    certificates.ensure(cfg)
    assert cfg.path("tls", "ca.crt").read_bytes() == ca_before
    load(certificates.identity(cfg, "bank").cert_file).verify_directly_issued_by(load(cfg.path("tls", "ca.crt")))


def test_a_ca_expiring_within_30_days_renews_everything(cfg: StackConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(certificates, "CA_VALIDITY", datetime.timedelta(days=29))
    certificates.ensure(cfg)
    old_leaf = certificates.identity(cfg, "gateway").cert_file.read_bytes()
    monkeypatch.undo()
    certificates.ensure(cfg)
    ca = load(cfg.path("tls", "ca.crt"))
    assert ca.not_valid_after_utc - datetime.datetime.now(datetime.UTC) > datetime.timedelta(days=30)
    assert certificates.identity(cfg, "gateway").cert_file.read_bytes() != old_leaf
    load(certificates.identity(cfg, "gateway").cert_file).verify_directly_issued_by(ca)


def test_a_stack_on_another_host_gets_it_in_its_names(tmp_path: Path) -> None:
    certificates.ensure(StackConfig(state_dir=tmp_path))
    certificates.ensure(StackConfig(state_dir=tmp_path, host="10.1.2.3"))
    sans = load(certificates.identity(StackConfig(state_dir=tmp_path), "bank").cert_file).extensions
    addresses = sans.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.IPAddress)
    assert ipaddress.ip_address("10.1.2.3") in addresses
