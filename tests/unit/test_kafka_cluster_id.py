"""The Kafka cluster id never looks like a command-line option."""

import base64
import uuid
from unittest import mock

from stack import kafka


def test_cluster_id_is_urlsafe_base64_of_a_uuid() -> None:
    cluster_id = kafka.new_cluster_id()
    assert len(cluster_id) == 22
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_cluster_id_never_starts_with_a_dash() -> None:
    dashed = uuid.UUID(bytes=base64.urlsafe_b64decode("-" + "A" * 21 + "=="))
    plain = uuid.UUID(int=1)
    with mock.patch.object(kafka.uuid, "uuid4", side_effect=[dashed, dashed, plain]):
        assert kafka.new_cluster_id() == base64.urlsafe_b64encode(plain.bytes).decode().rstrip("=")
