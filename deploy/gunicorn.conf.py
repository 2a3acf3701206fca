"""gunicorn settings for the portal (container and plain server alike); each can be overridden by PORTAL_* variables."""
import multiprocessing
import os

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
# One worker per CPU core, a few threads each: requests wait on the database, not the CPU.
workers = int(os.environ.get("PORTAL_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("PORTAL_THREADS", 4))
timeout = int(os.environ.get("PORTAL_REQUEST_TIMEOUT", 60))
graceful_timeout = 30
max_requests = 2000          # a worker is replaced now and then: no slow leak lives for weeks
max_requests_jitter = 200
accesslog = None             # the portal logs one line per request itself (PORTAL_LOG_JSON=1)
errorlog = "-"
forwarded_allow_ips = os.environ.get("PORTAL_FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    """Metrics of a worker that ended are dropped from the live gauges (Prometheus multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
