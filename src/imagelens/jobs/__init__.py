"""Jobs: persisted in the database, run by a queue (in-process here, Celery for scale-out)."""

from imagelens.jobs.base import JobQueue
from imagelens.jobs.inprocess import InProcessQueue
from imagelens.jobs.lease import Lease
from imagelens.jobs.runner import JobRunner
from imagelens.jobs.waiters import JobWaiters

__all__ = ["InProcessQueue", "JobQueue", "JobRunner", "JobWaiters", "Lease"]
