"""The stack's development CA and each component's certificate (in `<state>/tls/`) for mutual TLS on gRPC."""

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from stack.config import StackConfig

# Each service's identity as server and as client; "stack" is the stack's own client (probes, tests, benchmarks).
COMPONENTS = ("bank", "card_adapter", "analytics", "gateway", "stack")
CA_VALIDITY = datetime.timedelta(days=3650)
LEAF_VALIDITY = datetime.timedelta(days=365)
RENEW_BEFORE = datetime.timedelta(days=30)


@dataclass(frozen=True)
class Identity:
    ca_file: Path
    cert_file: Path
    key_file: Path

    def tls_settings(self) -> dict[str, Any]:
        """As the `tls_*_file` fields of a service's settings (kernel.settings.ServiceSettings)."""
        return {"tls_ca_file": self.ca_file, "tls_cert_file": self.cert_file, "tls_key_file": self.key_file}

    def channel_credentials(self) -> grpc.ChannelCredentials:
        ca, key, cert = (path.read_bytes() for path in (self.ca_file, self.key_file, self.cert_file))
        return grpc.ssl_channel_credentials(ca, key, cert)


def identity(cfg: StackConfig, component: str) -> Identity:
    folder = cfg.path("tls")
    return Identity(folder / "ca.crt", folder / f"{component}.crt", folder / f"{component}.key")


def client_credentials(cfg: StackConfig) -> grpc.ChannelCredentials:
    """The stack's own client certificate, for a channel to any of the stack's gRPC services."""
    return identity(cfg, "stack").channel_credentials()


def ensure(cfg: StackConfig) -> None:
    """Create the CA and each component's certificate unless it exists, names cfg.host and is valid 30 more days."""
    folder = cfg.path("tls")
    folder.mkdir(parents=True, exist_ok=True)
    ca_cert_file, ca_key_file = folder / "ca.crt", folder / "ca.key"
    ca = _load(ca_cert_file, ca_key_file)
    renew_all = ca is None or _expiring(ca[0])
    if ca is None or renew_all:
        ca = create_ca("Wallet development CA")
        save(ca_cert_file, ca_key_file, *ca)
    for component in COMPONENTS:
        files = identity(cfg, component)
        names = subject_alternative_names(cfg, component)
        leaf = None if renew_all else _load(files.cert_file, files.key_file)
        if leaf is None or not _current(leaf[0], ca[0], names):
            save(files.cert_file, files.key_file, *issue(ca, component, names))


def subject_alternative_names(cfg: StackConfig, component: str) -> list[x509.GeneralName]:
    hosts = ["localhost", "127.0.0.1", *([cfg.host] if cfg.host not in ("localhost", "127.0.0.1") else [])]
    return [x509.DNSName(component), *(_general_name(host) for host in hosts)]


def create_ca(common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    usage = _key_usage(key_cert_sign=True, crl_sign=True)
    cert = (
        _builder(name, name, key.public_key(), CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def issue(
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey], component: str, names: list[x509.GeneralName]
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A certificate for `component`, usable both to serve and to connect as a client."""
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, component)])
    authority = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    both_ends = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])
    cert = (
        _builder(subject, ca_cert.subject, key.public_key(), LEAF_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(), critical=True)
        .add_extension(both_ends, critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(authority), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, validity: datetime.timedelta
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))  # tolerate a little clock skew
        .not_valid_after(now + validity)
    )


def _key_usage(key_cert_sign: bool = False, crl_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _expiring(cert: x509.Certificate) -> bool:
    return cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC) < RENEW_BEFORE


def _current(cert: x509.Certificate, ca_cert: x509.Certificate, names: list[x509.GeneralName]) -> bool:
    """Signed by this CA, valid 30 more days, and naming exactly the hosts it is for."""
    try:
        cert.verify_directly_issued_by(ca_cert)
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    return not _expiring(cert) and set(sans) == set(names)


def _load(cert_file: Path, key_file: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    except (OSError, ValueError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        return None
    return cert, key


def save(cert_file: Path, key_file: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
    """PEM files; the private key readable by its owner only."""
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem_key)
    key_file.chmod(0o600)  # also when the file existed with wider permissions
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
