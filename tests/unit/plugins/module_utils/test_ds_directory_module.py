"""module_utils/ds_directory_module: the two directory kinds and the main() body of their modules."""

from unittest.mock import MagicMock

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import ds
from ansible_collections.multiregion.client_vpn.plugins.module_utils import ds_directory_module


def params(**kw):
    base = dict(
        name="corp.example.com",
        short_name=None,
        description=None,
        vpc_id="vpc-1",
        subnet_ids=["subnet-b", "subnet-a"],
        tags=None,
    )
    base.update(kw)
    return base


def test_predicted_microsoft_ad():
    predicted = ds_directory_module.predicted_microsoft_ad(params(edition=None, network_type="IPv4", short_name="CORP"))
    assert predicted == {
        "name": "corp.example.com",
        "type": "MicrosoftAD",
        "edition": "Enterprise",
        "vpc_settings": {"vpc_id": "vpc-1", "subnet_ids": ["subnet-a", "subnet-b"]},
        "tags": {},
        "short_name": "CORP",
        "network_type": "IPv4",
    }
    assert ds_directory_module.predicted_microsoft_ad(params(edition="Standard"))["edition"] == "Standard"


def test_predicted_connector():
    predicted = ds_directory_module.predicted_connector(
        params(size=None, customer_user_name="svc", subnet_ids=None, tags={"k": "v"}, description="d")
    )
    assert predicted == {
        "name": "corp.example.com",
        "type": "ADConnector",
        "size": "Small",
        "connect_settings": {"vpc_id": "vpc-1", "subnet_ids": [], "customer_user_name": "svc"},
        "tags": {"k": "v"},
        "description": "d",
    }
    assert list(predicted["connect_settings"]) == ["vpc_id", "subnet_ids", "customer_user_name"]


@pytest.mark.parametrize(
    "kind, directory_type, replicable",
    [(ds_directory_module.MICROSOFT_AD, "MicrosoftAD", True), (ds_directory_module.AD_CONNECTOR, "ADConnector", False)],
)
def test_each_kind_predicts_its_own_type(kind, directory_type, replicable):
    assert kind.directory_type == directory_type and kind.replicable == replicable
    assert kind.predict(params(customer_user_name="svc"))["type"] == directory_type
    assert kind.check_password == replicable  # only Managed AD has an admin password AWS checks


def test_run_directory_module_uses_a_create_client_that_never_resends(monkeypatch):
    made, ran = [], []

    def aws_client(module, service, resend_unanswered=True):
        made.append((service, resend_unanswered))
        return len(made)

    monkeypatch.setattr(ds_directory_module, "aws_client", aws_client)
    monkeypatch.setattr(ds, "aws_client", aws_client)  # create_client's
    monkeypatch.setattr(ds_directory_module, "run_module", lambda module, logic, *args: ran.append((logic, args)))
    module = MagicMock(params={"state": "present"}, check_mode=True)
    ds_directory_module.run_directory_module(module, ds_directory_module.AD_CONNECTOR)
    assert made == [("ds", True), ("ds", False)]
    assert ran == [
        (ds_directory_module.ensure_directory, (1, {"state": "present"}, True, ds_directory_module.AD_CONNECTOR, 2))
    ]
