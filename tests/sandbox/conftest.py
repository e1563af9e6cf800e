"""Fixtures shared by the sandbox's tests (the ``sandbox`` fixture itself is tests/conftest.py's)."""

import boto3
import pytest
from botocore.config import Config


@pytest.fixture
def raw_r53(sandbox):
    """A Route 53 client without botocore's own parameter checks, so the sandbox's validation is what answers."""
    return boto3.client(
        "route53",
        region_name="us-east-1",
        endpoint_url=sandbox.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(parameter_validation=False),
    )
