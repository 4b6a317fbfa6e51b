"""The worker's connections (the twin of sdk/connections.ts): one pool for take/ack/renew, one for
at-least-once output pushes, one per lane for BLMOVE (on a cluster, to the master owning Q's
slot), and a control connection there for CLIENT UNBLOCK."""

import inspect
import os
import re
import tempfile
import threading
import time
from urllib.parse import urlparse

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

_TRANSIENT = re.compile(r"^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)")


_ca_files = {}


def tls_options(url, ca):
    """redis-py options for a rediss:// URL: verify the server's certificate and its name against
    the system CAs plus `ca` (PEM, REDIS_TLS_CA) when given. redis-py before 4.1 has no
    ssl_ca_data, so there the CA goes through a file written once per process."""
    if not url.lower().startswith("rediss://"):
        return {}
    options = {"ssl_cert_reqs": "required", "ssl_check_hostname": True}
    if ca:
        if "ssl_ca_data" in inspect.signature(redis.connection.SSLConnection.__init__).parameters:
            options["ssl_ca_data"] = ca
        else:
            if ca not in _ca_files:
                fd, path = tempfile.mkstemp(prefix="gridcore-redis-ca-", suffix=".pem")
                with os.fdopen(fd, "w") as f:
                    f.write(ca)
                _ca_files[ca] = path
            options["ssl_ca_certs"] = _ca_files[ca]
    return options


def client(url, name, single=False, tls_ca=None):
    pool = redis.ConnectionPool.from_url(url, decode_responses=True, retry=Retry(NoBackoff(), 0),
                                         retry_on_timeout=False, socket_connect_timeout=5,
                                         socket_keepalive=True, client_name=name, **tls_options(url, tls_ca))
    return redis.Redis(connection_pool=pool, single_connection_client=single)


def connect(url, name, tls_ca=None):
    """A connection that never resends a command on its own (no retries); a cluster client
    when the server says cluster_enabled:1 (it still follows redirects)."""
    conn = client(url, name, tls_ca=tls_ca)
    conn.ping()
    if conn.info("cluster").get("cluster_enabled") == 1:
        from redis.cluster import RedisCluster
        conn.close()
        conn = RedisCluster.from_url(url, decode_responses=True, retry=Retry(NoBackoff(), 0),
                                     retry_on_timeout=False, socket_connect_timeout=5, **tls_options(url, tls_ca))
        conn.gridcore_cluster = True
    return conn


def is_connection_problem(err):
    """A lost connection or a reply that says "try again" (error_rule.py); not an unknown error."""
    from .error_rule import classify_error
    return classify_error(err) in ("connection", "transient", "briefly")


class Connections:
    def __init__(self, settings, where, log):
        self.s, self.where, self.log = settings, where, log
        self.main = self.out = self.control = None
        self.cluster = False
        self.lost = False
        self._lock = threading.Lock()

    def open(self, node, instance):
        self.main = connect(self.s["input_url"], "gridcore-worker:%s:%s" % (node, instance), self.s.get("tls_ca"))
        self.cluster = getattr(self.main, "gridcore_cluster", False)

    def open_output(self):
        self.out = connect(self.s["output_url"], "gridcore-worker-output", self.s.get("tls_ca"))

    def call(self, fn, *args):
        """Runs one Redis call, printing one line when the connection is lost and one when it is back."""
        try:
            result = fn(*args)
        except Exception as err:
            if is_connection_problem(err) and not self.lost:
                self.lost = True
                self.log("gridcore: lost connection to redis %s (%s); reconnecting" % (self.where, str(err).split("\n")[0]))
            raise
        if self.lost:
            self.lost = False
            self.log("gridcore: reconnected to redis %s" % self.where)
        return result

    def owner_client(self, name):
        """A single connection to the server holding the input queue: the URL's server, or on a
        cluster the master owning Q's slot (BLMOVE and CLIENT UNBLOCK must go there)."""
        if not self.cluster:
            return client(self.s["input_url"], name, single=True, tls_ca=self.s.get("tls_ca"))
        node = self.main.get_node_from_key(self.s["input_queue"])
        u = urlparse(self.s["input_url"])
        netloc = u.netloc.rsplit("@", 1)[0] + "@" if "@" in u.netloc else ""
        return client("%s://%s%s:%s" % (u.scheme, netloc, node.host, node.port), name, single=True,
                      tls_ca=self.s.get("tls_ca"))

    def blocking_connection(self, lane):
        if lane.blocking_conn is None:
            lane.blocking_conn = self.owner_client("gridcore-worker-block-%d" % lane.index)
        return lane.blocking_conn

    def unblock_all(self, lanes):
        """Ends pending BLMOVEs with CLIENT UNBLOCK (one not yet blocking is tried again)."""
        deadline = time.monotonic() + self.s["block_s"] + 2
        with self._lock:
            if self.cluster and self.control is None:
                try:
                    self.control = self.owner_client("gridcore-worker-control")
                except Exception:
                    pass
        control = self.control or self.main
        for lane in lanes:
            while lane.blocked and time.monotonic() < deadline:
                try:
                    if lane.blocking_id is not None:
                        control.client_unblock(lane.blocking_id)
                except Exception:
                    pass
                # A BLMOVE not yet blocking missed the UNBLOCK: the lane says when it ends.
                lane.unblocked.wait(0.05)
