"""Jobs through RQ on Redis: every server process and worker machine shares one job state.

With ``SOFTMAX_LAB_REDIS`` set, `ui.workers.worker_pool` returns a `RedisJobQueue`
instead of the per-process `core.jobs.pool.WorkerPool`. It has the pool's public
methods and semantics (the pages cannot tell them apart), but a job lives in Redis:
a run started by a student on server 1 is found (shared run, same `share_key`) by a
student on server 2, and a run survives the restart of the server that started it.
`core.jobs.rq_worker` runs the jobs, one spawned process each, on any machine that
reaches the Redis.

Keys, under a prefix (default ``sml:jobs:``)::

    job:<id>          hash: target, params (JSON), owner, share_key, status, result,
                      error, submitted_at / started_at / finished_at (epoch seconds),
                      started_warm, tensorflow ("0"/"1"), control ("", "pause", "stop"),
                      stop_by, pid and worker (of the process running it)
    job:<id>:events   list: the events, JSON, in order (a server reads only new ones)
    job:<id>:subs     set: the sessions watching the job
    job:<id>:alive    the running job's heartbeat, refreshed every second by its process,
                      expiring after `HEARTBEAT_TTL`: a running job without it is dead
    shared            hash: share_key -> id of the queued, running or done shared run
    kept              sorted set: the finished shared runs kept, by finishing time
    active            set: ids of running and paused jobs (checked for a heartbeat)
    owner:<owner>     set: the jobs a session watches (for `release_owner`)
    epoch             random, set once: a run token of an emptied Redis is known as such

Every change of a job's state is one Lua script, so servers and workers never see
half a transition. Results and events are JSON; NumPy arrays travel as ``np.save``
bytes without pickle (`encode` / `decode`): a page never unpickles what a shared
store holds. RQ carries only the job's id (its own job record is RQ's business).

Death: a job process refreshes its heartbeat every `HEARTBEAT_EVERY` seconds; any
server that reads a running job without one (when a page polls it, and every second
on the queue's thread) marks it FAILED with `LOST_WORKER`, and its shared run is
dropped, so the next Start runs it again on a live worker.

Pause and stop travel through the ``control`` field: the job's `checkpoint` reads
it (at most every 0.1 s), acknowledges a pause by setting the status to paused and
polls until it is lifted; a stop raises `JobStopped`. A job that ignores a stop is
ended by its own heartbeat thread after `stop_grace` seconds.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import os
import secrets
import threading
import time
from typing import Any

import numpy as np
import redis
from rq import Queue
from rq.job import Job as RQJob

from core.jobs.pool import DEFAULT_STOP_GRACE, FINISHED_RUNS_KEPT, Job, JobStatus, share_key

REDIS_ENV = "SOFTMAX_LAB_REDIS"
DEFAULT_PREFIX = "sml:jobs:"
DEFAULT_QUEUE = "softmax-lab"
HEARTBEAT_TTL = 4.0
"""Seconds a running job's heartbeat lives: a job process killed is FAILED this late."""
HEARTBEAT_EVERY = 1.0
KEY_TTL = 12 * 3600
"""Seconds a job's keys live after it was submitted or finished (a class's length)."""
RQ_JOB_TIMEOUT = 6 * 3600
LOST_WORKER = "the worker process stopped unexpectedly (it was killed, or its machine went away)"
FINISHED = ("done", "failed", "stopped")


class JobStoreUnavailableError(RuntimeError):
    """Redis cannot be reached; ``str()`` is a sentence for the page."""


# ----- values in Redis: JSON, NumPy arrays as np.save bytes ---------------------------------


def _pack(value: Any) -> Any:
    if isinstance(value, np.ndarray | np.generic):
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(value), allow_pickle=False)
        tag = "__ndarray__" if isinstance(value, np.ndarray) else "__npscalar__"
        return {tag: base64.b64encode(buffer.getvalue()).decode("ascii")}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [_pack(v) for v in value]}
    if isinstance(value, list):
        return [_pack(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: _pack(v) for k, v in value.items()}
        return {"__dict__": [[_pack(k), _pack(v)] for k, v in value.items()]}
    raise TypeError(f"a job's events and result are plain data; got {type(value).__name__}")


def _unpack(value: Any) -> Any:
    if isinstance(value, list):
        return [_unpack(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (tag, inner), *_ = value.items()
        if tag in ("__ndarray__", "__npscalar__"):
            array = np.load(io.BytesIO(base64.b64decode(inner)), allow_pickle=False)
            return array if tag == "__ndarray__" else array[()]
        if tag == "__tuple__":
            return tuple(_unpack(v) for v in inner)
        if tag == "__dict__":
            return {_unpack(k): _unpack(v) for k, v in inner}
    return {k: _unpack(v) for k, v in value.items()}


def encode(value: Any) -> str:
    """Return `value` (dicts, lists, tuples, numbers, strings, NumPy arrays) as JSON text."""
    return json.dumps(_pack(value), separators=(",", ":"))


def decode(text: str) -> Any:
    """Return what `encode` was given (arrays loaded without pickle)."""
    return _unpack(json.loads(text))


# ----- the state transitions, one Lua script each -------------------------------------------

_PRELUDE = """
local function jkey(p, id) return p .. 'job:' .. id end
local function is_finished(s) return s == 'done' or s == 'failed' or s == 'stopped' end
local function release_if_unwatched(p, id)
  local j = jkey(p, id)
  local status = redis.call('HGET', j, 'status')
  if not status then return 1 end
  if not is_finished(status) then return 0 end
  if redis.call('SCARD', j .. ':subs') > 0 then return 0 end
  if redis.call('ZSCORE', p .. 'kept', id) then return 0 end
  redis.call('DEL', j, j .. ':events', j .. ':subs', j .. ':alive')
  return 1
end
local function finish(p, id, status, result, err, now, ttl, kept_n)
  local j = jkey(p, id)
  local current = redis.call('HGET', j, 'status')
  if (not current) or is_finished(current) then return 0 end
  redis.call('HSET', j, 'status', status, 'result', result, 'error', err, 'finished_at', now)
  redis.call('DEL', j .. ':alive')
  redis.call('SREM', p .. 'active', id)
  for _, k in ipairs({j, j .. ':events', j .. ':subs'}) do redis.call('EXPIRE', k, ttl) end
  local key = redis.call('HGET', j, 'share_key')
  if key and key ~= '' and redis.call('HGET', p .. 'shared', key) == id then
    if status ~= 'done' then
      redis.call('HDEL', p .. 'shared', key)
    else
      redis.call('ZADD', p .. 'kept', now, id)
      while redis.call('ZCARD', p .. 'kept') > kept_n do
        local oldest = redis.call('ZPOPMIN', p .. 'kept')[1]
        local its = redis.call('HGET', jkey(p, oldest), 'share_key')
        if its and redis.call('HGET', p .. 'shared', its) == oldest then
          redis.call('HDEL', p .. 'shared', its)
        end
        release_if_unwatched(p, oldest)
      end
    end
  end
  return 1
end
local function reap(p, id, now, msg, ttl, kept_n)
  local j = jkey(p, id)
  local status = redis.call('HGET', j, 'status')
  if (status == 'running' or status == 'paused') and redis.call('EXISTS', j .. ':alive') == 0 then
    return finish(p, id, 'failed', '', msg, now, ttl, kept_n)
  end
  if not status then redis.call('SREM', p .. 'active', id) end
  return 0
end
"""

# ARGV: prefix, share key or '', new id, owner or '', target, params, now, ttl, lost, kept
_SUBMIT = """
local p, key, new, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local now, ttl, kept_n = ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[10])
local function watch(id)
  if owner == '' then return end
  local j = jkey(p, id)
  redis.call('SADD', j .. ':subs', owner)
  redis.call('SADD', p .. 'owner:' .. owner, id)
  redis.call('EXPIRE', p .. 'owner:' .. owner, ttl)
  local left = redis.call('TTL', j)
  if left > 0 then redis.call('EXPIRE', j .. ':subs', left) end
end
if key ~= '' then
  local existing = redis.call('HGET', p .. 'shared', key)
  if existing then
    reap(p, existing, now, ARGV[9], ttl, kept_n)
    local status = redis.call('HGET', jkey(p, existing), 'status')
    if status and status ~= 'failed' and status ~= 'stopped' then
      watch(existing)
      if status == 'done' then redis.call('ZADD', p .. 'kept', now, existing) end
      return {existing, 0}
    end
    redis.call('HDEL', p .. 'shared', key)
  end
end
local j = jkey(p, new)
redis.call('HSET', j, 'target', ARGV[5], 'params', ARGV[6], 'owner', owner, 'share_key', key,
  'status', 'queued', 'submitted_at', now, 'control', '', 'tensorflow', '0')
redis.call('EXPIRE', j, ttl)
watch(new)
if key ~= '' then redis.call('HSET', p .. 'shared', key, new) end
return {new, 1}
"""

# ARGV: prefix, id, now, pid, worker, tensorflow, heartbeat ms, ttl
_CLAIM = """
local p, id = ARGV[1], ARGV[2]
local j = jkey(p, id)
if redis.call('HGET', j, 'status') ~= 'queued' then return 0 end
redis.call('HSET', j, 'status', 'running', 'started_at', ARGV[3], 'pid', ARGV[4],
  'worker', ARGV[5], 'started_warm', ARGV[6], 'tensorflow', ARGV[6])
redis.call('SET', j .. ':alive', ARGV[4], 'PX', ARGV[7])
redis.call('SADD', p .. 'active', id)
for _, k in ipairs({j, j .. ':events', j .. ':subs'}) do redis.call('EXPIRE', k, ARGV[8]) end
return 1
"""

# ARGV: prefix, id, status, result, error, now, ttl, kept
_FINISH = """
return finish(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7]),
  tonumber(ARGV[8]))
"""

# ARGV: prefix, id, now, message, ttl, kept
_REAP = """
return reap(ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]))
"""

# ARGV: prefix, id, now, grace, ttl, kept
_STOP = """
local p, id = ARGV[1], ARGV[2]
local j = jkey(p, id)
local status = redis.call('HGET', j, 'status')
if status == 'queued' then
  finish(p, id, 'stopped', '', '', ARGV[3], tonumber(ARGV[5]), tonumber(ARGV[6]))
  return 'queued'
end
if status == 'running' or status == 'paused' then
  if redis.call('HGET', j, 'control') ~= 'stop' then
    redis.call('HSET', j, 'control', 'stop', 'stop_by', tonumber(ARGV[3]) + tonumber(ARGV[4]))
  end
  return 'running'
end
return ''
"""

# ARGV: prefix, id, "pause" or "resume"
_CONTROL = """
local j = jkey(ARGV[1], ARGV[2])
local status, control = unpack(redis.call('HMGET', j, 'status', 'control'))
if ARGV[3] == 'pause' and status == 'running' and control == '' then
  redis.call('HSET', j, 'control', 'pause')
elseif ARGV[3] == 'resume' and control == 'pause' then
  redis.call('HSET', j, 'control', '')
end
return 1
"""

# ARGV: prefix, id, from status, to status
_TRANSITION = """
local j = jkey(ARGV[1], ARGV[2])
if redis.call('HGET', j, 'status') ~= ARGV[3] then return 0 end
redis.call('HSET', j, 'status', ARGV[4])
return 1
"""

# ARGV: prefix, id, owner, ttl
_SUBSCRIBE = """
local p, id, owner = ARGV[1], ARGV[2], ARGV[3]
local j = jkey(p, id)
if redis.call('EXISTS', j) == 0 then return 0 end
redis.call('SADD', j .. ':subs', owner)
redis.call('SADD', p .. 'owner:' .. owner, id)
redis.call('EXPIRE', p .. 'owner:' .. owner, ARGV[4])
local left = redis.call('TTL', j)
if left > 0 then redis.call('EXPIRE', j .. ':subs', left) end
return 1
"""

# ARGV: prefix, id, owner, "leave" or "forget"; returns 'gone', 'watched', 'released',
# 'kept', 'stop' (the caller stops the job: nobody watches it any more) or 'absent' (the
# owner left before: a leave changes nothing, see WorkerPool.leave)
_LEAVE = """
local p, id, owner = ARGV[1], ARGV[2], ARGV[3]
local j = jkey(p, id)
local status = redis.call('HGET', j, 'status')
if not status then return 'gone' end
if ARGV[4] == 'forget' and not is_finished(status) then return 'watched' end
if redis.call('SREM', j .. ':subs', owner) == 0 and ARGV[4] == 'leave' then return 'absent' end
redis.call('SREM', p .. 'owner:' .. owner, id)
if redis.call('SCARD', j .. ':subs') > 0 then return 'watched' end
if not is_finished(status) then return 'stop' end
if release_if_unwatched(p, id) == 1 then return 'released' end
return 'kept'
"""


class Scripts:
    """The Lua scripts of the job states, registered on one Redis client."""

    def __init__(self, client: redis.Redis) -> None:
        def script(body: str):
            return client.register_script(_PRELUDE + body)

        self.submit = script(_SUBMIT)
        self.claim = script(_CLAIM)
        self.finish = script(_FINISH)
        self.reap = script(_REAP)
        self.stop = script(_STOP)
        self.control = script(_CONTROL)
        self.transition = script(_TRANSITION)
        self.subscribe = script(_SUBSCRIBE)
        self.leave = script(_LEAVE)


def job_key(prefix: str, job_id: str) -> str:
    """Return the Redis key of a job's hash (``:events``, ``:subs``, ``:alive`` follow it)."""
    return f"{prefix}job:{job_id}"


def connect(url: str) -> redis.Redis:
    """Return a client for `url` with short timeouts and text replies."""
    return redis.Redis.from_url(
        url, decode_responses=True, socket_connect_timeout=2, socket_timeout=5
    )


def _where(url: str) -> str:
    # host:port of a Redis URL, never its password.
    kwargs = redis.connection.parse_url(url)
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"


def _guarded(method):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except redis.RedisError as error:
            raise JobStoreUnavailableError(
                f"The job store (Redis at {self.where}) cannot be reached, so training and "
                "TensorFlow checks can neither start nor be followed right now. The page "
                "tries again on its next run."
            ) from error

    return call


class RedisJobQueue:
    """`core.jobs.pool.WorkerPool`'s interface, with the jobs in Redis and run by RQ workers.

    Parameters
    ----------
    url : str, optional
        The Redis URL; defaults to ``SOFTMAX_LAB_REDIS``.
    prefix : str, optional
        Prefix of every key of the job state (tests use one of their own).
    queue_name : str, optional
        The RQ queue; `core.jobs.rq_worker` listens on `DEFAULT_QUEUE` unless told.
    stop_grace : float, optional
        Seconds a running job gets to honour a stop before its process ends itself.

    Attributes
    ----------
    started_at : float
        ``time.time()`` when this queue object was created.

    Notes
    -----
    `get` and `submit` return a `core.jobs.pool.Job`, one object per job id and
    process, refreshed from Redis by every `get` (only new events are fetched).
    Unlike the pool's, it does not change between `get` calls.
    """

    def __init__(
        self,
        url: str | None = None,
        prefix: str = DEFAULT_PREFIX,
        queue_name: str = DEFAULT_QUEUE,
        stop_grace: float = DEFAULT_STOP_GRACE,
    ) -> None:
        self.url = url or os.environ[REDIS_ENV]
        self.where = _where(self.url)
        self.prefix = prefix
        self.stop_grace = stop_grace
        self.started_at = time.time()
        self.keeps_tensorflow = False  # a process per job: see `core.jobs.pool.waiting_text`
        self.redis = connect(self.url)
        self._rq_redis = redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5)
        self.queue = Queue(queue_name, connection=self._rq_redis)
        self.scripts = Scripts(self.redis)
        self._lock = threading.RLock()
        self._jobs: dict[str, Job] = {}
        self._tensorflow: dict[str, bool] = {}
        self._owner_deadlines: dict[str, float] = {}
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="redis-job-queue", daemon=True)
        self._thread.start()

    # ----- submitting and watching -----

    @_guarded
    def submit(
        self, target: str, params: dict, owner: str | None = None, share: bool = False
    ) -> Job:
        """Queue a job, or subscribe to an equal shared run (see `WorkerPool.submit`)."""
        key = share_key(target, params) if share else ""
        new_id = f"job-{secrets.token_hex(6)}"
        job_id, created = self.scripts.submit(
            args=[
                self.prefix,
                key,
                new_id,
                owner or "",
                target,
                json.dumps(params),
                time.time(),
                KEY_TTL,
                LOST_WORKER,
                FINISHED_RUNS_KEPT,
            ]
        )
        if int(created):
            self.queue.enqueue(
                "core.jobs.rq_worker.run_job",
                args=(self.prefix, job_id),
                job_id=job_id,
                job_timeout=RQ_JOB_TIMEOUT,
                result_ttl=0,
                failure_ttl=3600,
                description=f"{target} ({job_id})",
            )
        job = self.get(job_id)
        if job is None:  # released between the two calls: a run that finished at once
            raise redis.RedisError("the job vanished")
        return job

    @_guarded
    def get(self, job_id: str) -> Job | None:
        """Return the job with this id, refreshed from Redis, or None if Redis has it no more."""
        key = job_key(self.prefix, job_id)
        with self._lock:
            job = self._jobs.get(job_id)
            known = len(job.events) if job is not None else 0
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(key)
        pipe.exists(f"{key}:alive")
        pipe.lrange(f"{key}:events", known, -1)
        pipe.smembers(f"{key}:subs")
        fields, alive, new_events, subscribers = pipe.execute()
        if not fields:
            self._drop(job_id)
            return None
        if fields["status"] in ("running", "paused") and not alive:
            self._reap(job_id)
            return self.get(job_id)
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                job = Job(
                    id=job_id,
                    target=fields["target"],
                    params=json.loads(fields["params"]),
                    owner=fields["owner"] or None,
                    share_key=fields["share_key"] or None,
                    submitted_at=_monotonic(fields["submitted_at"]),
                )
                self._jobs[job_id] = job
            if len(job.events) == known:
                job.events.extend(decode(e) for e in new_events)
            job.subscribers = set(subscribers)
            self._tensorflow[job_id] = fields.get("tensorflow") == "1"
            status = JobStatus(fields["status"])
            if job.started_at is None and fields.get("started_at"):
                job.started_at = _monotonic(fields["started_at"])
                job.started_warm = fields.get("started_warm") == "1"
            if status.finished and not job.status.finished:
                job.finished_at = _monotonic(fields["finished_at"])
                job.error = fields.get("error") or None
                if status is JobStatus.DONE and fields.get("result"):
                    job.result = decode(fields["result"])
            job.status = status
        return job

    @_guarded
    def subscribe(self, job_id: str, owner: str) -> Job | None:
        """Watch a job another session started (a reload of its page); None if not held."""
        if not self.scripts.subscribe(args=[self.prefix, job_id, owner, KEY_TTL]):
            return None
        return self.get(job_id)

    @_guarded
    def subscribers(self, job: Job) -> int:
        """Return how many sessions watch `job` (its owner included), on every server."""
        return self.redis.scard(f"{job_key(self.prefix, job.id)}:subs")

    @_guarded
    def leave(self, job_id: str, owner: str) -> None:
        """Stop watching a job: it is stopped once no session watches it any more.

        An owner that left already changes nothing (see `WorkerPool.leave`).
        """
        outcome = self.scripts.leave(args=[self.prefix, job_id, owner, "leave"])
        if outcome == "stop":
            self.stop(job_id)
        elif outcome in ("released", "gone"):
            self._drop(job_id)

    @_guarded
    def forget(self, job_id: str, owner: str) -> None:
        """Say that `owner` keeps what it needs of a finished job (see `WorkerPool.forget`)."""
        if self.scripts.leave(args=[self.prefix, job_id, owner, "forget"]) in ("released", "gone"):
            self._drop(job_id)

    @_guarded
    def run_token(self, job: Job) -> str:
        """Return a name for `job` that outlives the session and the server, for the address."""
        return f"{self._epoch()}.{job.id}"

    @_guarded
    def from_token(self, token: str) -> tuple[bool, Job | None]:
        """Look a `run_token` up: whether this Redis gave it, and the job if still held."""
        epoch, _, job_id = token.partition(".")
        if not job_id or epoch != self._epoch():
            return False, None
        return True, self.get(job_id)

    def lost_run_text(self, ours: bool) -> str:
        """Say why the run a page's address names is not here any more."""
        if ours:
            return (
                "The training run this page showed has ended and is no longer kept. Start it again."
            )
        return (
            "The training run this page showed is no longer kept: the job store (Redis) "
            "was emptied or restarted since. Press Start training to run it again."
        )

    @_guarded
    def job_count(self) -> int:
        """Return how many jobs Redis holds under this prefix."""
        return sum(
            1
            for key in self.redis.scan_iter(f"{self.prefix}job:*", count=500)
            if key.count(":") == self.prefix.count(":") + 1
        )

    @_guarded
    def queue_position(self, job: Job) -> int | None:
        """Return the 1-based place of a queued job in the RQ queue, else None."""
        if job.status is not JobStatus.QUEUED:
            return None
        position = self.queue.get_job_position(job.id)
        return None if position is None else position + 1

    @_guarded
    def busy_workers(self) -> int:
        """Return how many jobs run now (each in a worker's process), on every machine."""
        return self.redis.scard(f"{self.prefix}active")

    @_guarded
    def worker_pids(self) -> list[int]:
        """Return the process ids of the RQ workers listening on the queue (any machine)."""
        from rq import Worker

        return [w.pid for w in Worker.all(queue=self.queue) if w.pid]

    @_guarded
    def warm_workers(self) -> list[int]:
        """Return the process ids of running jobs that have TensorFlow imported.

        A job's process is spawned for it: no worker stays warm between jobs.
        """
        pids = []
        for job_id in self.redis.smembers(f"{self.prefix}active"):
            pid, tf = self.redis.hmget(job_key(self.prefix, job_id), "pid", "tensorflow")
            if tf == "1" and pid:
                pids.append(int(pid))
        return pids

    def tensorflow_loaded(self, job: Job) -> bool | None:
        """Return whether the process running `job` has TensorFlow (None: none runs it).

        As of the latest `get` of the job.
        """
        if job.status not in (JobStatus.RUNNING, JobStatus.PAUSED):
            return None
        return self._tensorflow.get(job.id)

    # ----- control -----

    @_guarded
    def pause(self, job_id: str) -> None:
        """Ask a running job to pause at its next checkpoint."""
        self.scripts.control(args=[self.prefix, job_id, "pause"])

    @_guarded
    def resume(self, job_id: str) -> None:
        """Let a paused job go on."""
        self.scripts.control(args=[self.prefix, job_id, "resume"])

    @_guarded
    def stop(self, job_id: str) -> None:
        """Stop a job: a queued one at once, a running one at its next checkpoint.

        A running job that does not stop within ``stop_grace`` seconds is ended by
        its own process's heartbeat thread.
        """
        outcome = self.scripts.stop(
            args=[self.prefix, job_id, time.time(), self.stop_grace, KEY_TTL, FINISHED_RUNS_KEPT]
        )
        if outcome == "queued":
            self.queue.remove(job_id)
            self._rq_redis.delete(RQJob.key_for(job_id))

    def release_owner(self, owner: str, grace: float) -> None:
        """Leave the owner's jobs unless it comes back within `grace` seconds.

        A session lives in one server process, so the deadline is kept here.
        """
        with self._lock:
            self._owner_deadlines[owner] = time.monotonic() + grace

    def claim_owner(self, owner: str) -> None:
        """Cancel a pending release: the owner's session is back."""
        with self._lock:
            self._owner_deadlines.pop(owner, None)

    def wait(self, job: Job, timeout: float | None = None) -> bool:
        """Block until `job` is finished (polling Redis); return whether it is."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            current = self.get(job.id) or job
            if current.status.finished:
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def shutdown(self) -> None:
        """End this server's thread (jobs go on: other servers may watch them)."""
        self._closed.set()
        self._thread.join(timeout=2)
        self.redis.close()
        self._rq_redis.close()

    # ----- internals -----

    def _epoch(self) -> str:
        key = f"{self.prefix}epoch"
        fresh = secrets.token_hex(4)
        old = self.redis.set(key, fresh, nx=True, get=True)
        return old or fresh

    def _reap(self, job_id: str) -> bool:
        return bool(
            self.scripts.reap(
                args=[
                    self.prefix,
                    job_id,
                    time.time(),
                    LOST_WORKER,
                    KEY_TTL,
                    FINISHED_RUNS_KEPT,
                ]
            )
        )

    def _drop(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)
            self._tensorflow.pop(job_id, None)

    def _leave_expired_owners(self) -> None:
        now = time.monotonic()
        with self._lock:
            expired = [o for o, t in self._owner_deadlines.items() if t <= now]
            for owner in expired:
                del self._owner_deadlines[owner]
        for owner in expired:
            for job_id in self.redis.smembers(f"{self.prefix}owner:{owner}"):
                self.leave(job_id, owner)

    def _run(self) -> None:
        last_reap = 0.0
        while not self._closed.wait(0.2):
            try:
                self._leave_expired_owners()
                if time.monotonic() - last_reap >= 1.0:
                    last_reap = time.monotonic()
                    for job_id in self.redis.smembers(f"{self.prefix}active"):
                        self._reap(job_id)
            except (redis.RedisError, JobStoreUnavailableError):
                continue  # Redis away: the pages say so; try again


def _monotonic(epoch_seconds: str) -> float:
    # A wall-clock time from Redis as this process's time.monotonic(), for Job's fields.
    return time.monotonic() - (time.time() - float(epoch_seconds))
