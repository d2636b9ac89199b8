"""The storage contract: every engine's test class subclasses StoreContract.

A subclass provides a `store` fixture that yields an empty store of its engine. The contract
tests each part through the Store protocol only (tm/store/base.py), one mixin per part in
tests/store/contract_*.py; engine-specific checks belong in the engine's own test module.
"""

from __future__ import annotations

from .contract_accounts import AccountsContract
from .contract_comments import CommentsContract
from .contract_common import Boom, unit
from .contract_documents import DocumentsContract
from .contract_feed import FeedContract
from .contract_glossary import GlossaryContract, MTCacheContract
from .contract_imports import ImportsContract
from .contract_jobs import JobsContract
from .contract_review import ReviewContract
from .contract_sessions import SessionsContract
from .contract_throttle import ThrottleContract
from .contract_timing import TimingContract
from .contract_tokens import TokensContract
from .contract_transactions import TransactionsContract
from .contract_units import UnitsContract
from .contract_webhooks import WebhooksContract

__all__ = ["Boom", "StoreContract", "unit"]


class StoreContract(
    UnitsContract,
    FeedContract,
    ImportsContract,
    GlossaryContract,
    MTCacheContract,
    AccountsContract,
    SessionsContract,
    ThrottleContract,
    TokensContract,
    DocumentsContract,
    CommentsContract,
    JobsContract,
    ReviewContract,
    TransactionsContract,
    TimingContract,
    WebhooksContract,
):
    """Every part of a store, tested through the protocol: subclass it and give a `store` fixture."""
