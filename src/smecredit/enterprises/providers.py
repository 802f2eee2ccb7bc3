"""Which data provider the platform queries. The default install uses the clearly labelled sandbox;
a bank plugs in its real adapters (registry, tax bureau, credit bureau, bank) behind the
`DataProvider` protocol of `connectors/base.py`."""

from __future__ import annotations

from smecredit.enterprises.connectors import DataProvider


def default_provider() -> DataProvider:
    from smecredit.enterprises.connectors.sandbox import SandboxProvider

    return SandboxProvider()
