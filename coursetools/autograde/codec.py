"""The values and messages that pass between the grader and the student's process, in both directions.

Messages are JSON lines on two pipes (never pickle: the grader must not unpickle what student code made).
Values travel by `encode`/`decode`: arrays as .npy bytes without pickle, tuples, lists, dicts, scalars,
and callables of the grader as handles the other side calls back.
"""
import base64
import io
import json
import os

import numpy as np

MAX_MESSAGE = 64 * 1024 * 1024


def encode(value, callables=None):
    """A JSON-able form of value; callables are registered in `callables` (a list) and sent as handles."""
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(value), allow_pickle=False)
        return {"ndarray": base64.b64encode(buffer.getvalue()).decode("ascii")}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"tuple": [encode(v, callables) for v in value]}
    if isinstance(value, list):
        return [encode(v, callables) for v in value]
    if isinstance(value, dict):
        return {"dict": [[encode(k, callables), encode(v, callables)] for k, v in value.items()]}
    if callable(value) and callables is not None:
        callables.append(value)
        return {"callable": len(callables) - 1}
    raise TypeError(f"cannot pass a value of type {type(value).__name__}")


def decode(data, make_callable=None):
    """The value encode() described; handles become make_callable(handle)."""
    if isinstance(data, list):
        return [decode(v, make_callable) for v in data]
    if not isinstance(data, dict):
        return data
    if "ndarray" in data:
        return np.load(io.BytesIO(base64.b64decode(data["ndarray"])), allow_pickle=False)
    if "tuple" in data:
        return tuple(decode(v, make_callable) for v in data["tuple"])
    if "dict" in data:
        return {decode(k, make_callable): decode(v, make_callable) for k, v in data["dict"]}
    if "callable" in data and make_callable is not None:
        return make_callable(data["callable"])
    raise ValueError(f"unknown value {sorted(data)}")


class Channel:
    """JSON lines over a pair of file descriptors."""

    def __init__(self, read_fd, write_fd):
        self.reader = os.fdopen(read_fd, "r", encoding="utf-8")
        self.writer = os.fdopen(write_fd, "w", encoding="utf-8")

    def send(self, message):
        self.writer.write(json.dumps(message) + "\n")
        self.writer.flush()

    def receive(self):
        line = self.reader.readline(MAX_MESSAGE)
        if not line:
            raise EOFError("the other side closed the channel")
        return json.loads(line)
