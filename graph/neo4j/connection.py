"""The connection to Neo4j: opening and checking a driver, sessions and managed transactions
(the driver retries them), driver errors translated into the store's errors, the schema created
on first use, and the version node every write bumps."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit

from neo4j import (
    Driver,
    GraphDatabase,
    ManagedTransaction,
    NotificationDisabledClassification,
    Record,
    Session,
)
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConfigurationError,
    ConnectionAcquisitionTimeoutError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from policykg.graph import cypher
from policykg.ingest.errors import StoreError, StoreUnavailableError

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_BOLT_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}
_DATABASE_NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound"
_UNAVAILABLE = (ServiceUnavailable, SessionExpired, ConnectionAcquisitionTimeoutError)
_INDEX_WAIT_SECONDS = 120
# "Property key does not exist" (an empty database) and "constraint already exists" are noise.
_QUIET_NOTIFICATIONS = [
    NotificationDisabledClassification.UNRECOGNIZED,
    NotificationDisabledClassification.SCHEMA,
]


def open_driver(uri: str, user: str, password: str, database: str | None, timeout: float) -> Driver:
    """A driver for ``uri``, checked: the server, the credentials and the database answer.

    See :func:`graph.neo4j.connect` for the arguments.

    Raises:
        StoreUnavailableError: The URI is malformed, the server cannot be reached, it refuses
            the credentials, or it has no such database.
    """
    _check_uri(uri)
    auth = (user, password) if user or password else None
    try:
        driver = GraphDatabase.driver(
            uri,
            auth=auth,
            connection_timeout=timeout,
            connection_acquisition_timeout=timeout,
            max_transaction_retry_time=timeout,
        )
    except (ConfigurationError, ValueError) as e:
        raise StoreUnavailableError(f"invalid Neo4j URI {uri!r}: {one_line(e)}") from e
    try:
        _check_connection(driver, uri, user, database)
    except BaseException:
        driver.close()
        raise
    logger.info("connected to Neo4j at %s (database %s)", uri, database or "default")
    return driver


def _check_uri(uri: str) -> None:
    """Refuse what is not a Bolt URI before the driver tries to resolve it."""
    try:
        parts = urlsplit(uri)
        port = parts.port  # a port that is not a number raises ValueError
    except ValueError as e:
        raise StoreUnavailableError(f"invalid Neo4j URI {uri!r}: {e}") from e
    if parts.scheme not in _BOLT_SCHEMES or not parts.hostname:
        raise StoreUnavailableError(
            f"invalid Neo4j URI {uri!r}: expected bolt:// or neo4j:// (also +s, +ssc) and a host"
        )
    logger.debug("Neo4j URI %s, port %s", uri, port or "default")


def _check_connection(driver: Driver, uri: str, user: str, database: str | None) -> None:
    try:
        driver.verify_connectivity()
        with driver.session(database=database) as session:
            session.run(cypher.CHECK_DATABASE).consume()
    except AuthError as e:
        raise StoreUnavailableError(
            f"Neo4j refused the credentials for user {user!r} at {uri}: {one_line(e)}"
        ) from e
    except _UNAVAILABLE as e:
        raise StoreUnavailableError(f"cannot reach Neo4j at {uri}: {one_line(e)}") from e
    except ClientError as e:
        if e.code == _DATABASE_NOT_FOUND:
            raise StoreUnavailableError(f"Neo4j at {uri} has no database {database!r}") from e
        raise StoreUnavailableError(f"Neo4j at {uri} refused to connect: {one_line(e)}") from e
    except (Neo4jError, DriverError) as e:
        raise StoreUnavailableError(f"cannot use Neo4j at {uri}: {one_line(e)}") from e
    except ValueError as e:  # e.g. a host name that does not resolve to an address
        raise StoreUnavailableError(f"invalid Neo4j URI {uri!r}: {one_line(e)}") from e


class Tx:
    """A managed transaction that returns rows as lists."""

    def __init__(self, tx: ManagedTransaction) -> None:
        self._tx = tx

    def rows(self, query: str, **parameters: Any) -> list[Record]:
        return list(self._tx.run(query, parameters))

    def run(self, query: str, **parameters: Any) -> None:
        self._tx.run(query, parameters).consume()


class Connection:
    """Sessions and transactions on one database, the schema created before the first.

    Args:
        driver: A connected driver.
        database: Database name; None uses the server's default database.
        owns_driver: Whether :meth:`close` closes the driver.
    """

    def __init__(self, driver: Driver, database: str | None, *, owns_driver: bool) -> None:
        self._driver = driver
        self._database = database
        self._owns_driver = owns_driver
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            with store_errors("creating constraints and indexes"), self._session() as session:
                for statement in (*cypher.CONSTRAINTS, *cypher.INDEXES):
                    session.run(statement).consume()
                session.run(cypher.AWAIT_INDEXES, seconds=_INDEX_WAIT_SECONDS).consume()
            self._schema_ready = True

    def ensure_indexes(self, *statements: str) -> None:
        """Run schema statements (``CREATE … INDEX … IF NOT EXISTS``) and wait until every index
        is online."""
        self._ensure_schema()
        with store_errors("creating indexes"), self._session() as session:
            for statement in statements:
                session.run(statement).consume()
            session.run(cypher.AWAIT_INDEXES, seconds=_INDEX_WAIT_SECONDS).consume()

    def _session(self) -> Session:
        return self._driver.session(
            database=self._database,
            # Every session shares one bookmark manager: reads see earlier writes (clusters too).
            bookmark_manager=self._driver.execute_query_bookmark_manager,
            notifications_disabled_classifications=_QUIET_NOTIFICATIONS,
        )

    def read(self, work: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``work(tx, *args, **kwargs)`` in a read transaction (retried on transient errors)."""
        self._ensure_schema()
        with store_errors("reading the graph"), self._session() as session:
            return session.execute_read(lambda tx: work(Tx(tx), *args, **kwargs))

    def write(self, work: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``work(tx, *args, **kwargs)`` in a write transaction (retried on transient errors)."""
        self._ensure_schema()
        with store_errors("writing the graph"), self._session() as session:
            return session.execute_write(lambda tx: work(Tx(tx), *args, **kwargs))

    def run_auto_commit(self, query: str, action: str) -> None:
        """Run ``query`` in an auto-commit transaction (``CALL … IN TRANSACTIONS`` needs one)."""
        self._ensure_schema()
        with store_errors(action), self._session() as session:
            session.run(query).consume()

    def version(self) -> int:
        """The graph's version in the database, bumped by every write of any client."""
        rows = self.read(_rows, cypher.VERSION)
        return int(rows[0]["version"]) if rows else 0

    def close(self) -> None:
        """Close the driver when this connection owns it."""
        if self._owns_driver:
            self._driver.close()


def bump_version(tx: Tx) -> None:
    """Announce a write to every client, in the transaction of the write."""
    tx.rows(cypher.BUMP_VERSION)


def _rows(tx: Tx, query: str) -> list[Record]:
    return tx.rows(query)


@contextmanager
def store_errors(action: str) -> Iterator[None]:
    """Translate driver errors into the store's errors."""
    try:
        yield
    except AuthError as e:
        raise StoreUnavailableError(
            f"Neo4j refused the credentials while {action}: {one_line(e)}"
        ) from e
    except _UNAVAILABLE as e:
        raise StoreUnavailableError(f"Neo4j is unreachable while {action}: {one_line(e)}") from e
    except (Neo4jError, DriverError) as e:
        raise StoreError(f"Neo4j failed while {action}: {one_line(e)}") from e


def one_line(error: BaseException) -> str:
    """An error message on one line."""
    return " ".join(str(error).split())
