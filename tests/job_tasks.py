"""Small tasks for the worker-pool tests (imported by spawned workers)."""

import os
import time


def echo(params, ctx):
    return {"echo": params, "pid": os.getpid()}


def count(params, ctx):
    for i in range(params["n"]):
        ctx.checkpoint()
        ctx.emit({"i": i})
        time.sleep(params.get("delay", 0.01))
    return params["n"]


def crash(params, ctx):
    ctx.emit({"about": "to die"})
    os._exit(3)


def fail(params, ctx):
    raise ValueError("bad parameters")


def ignore_stop(params, ctx):
    time.sleep(60)
