"""The student's side of a trusted check: the child process, run in the sandbox, that runs the student's
code and calls its functions on request. It decides nothing; the grader (grader_side) compares what it
returns with the reference.
"""
import os
import sys

from coursetools.autograde.codec import Channel, decode, encode


def serve(channel):
    """Run cells and calls until the grader closes the channel."""
    namespace = {"__name__": "__main__"}

    def remote(handle):
        def call_grader(*args, **kwargs):
            channel.send({"callback": handle, "args": encode(args), "kwargs": encode(kwargs)})
            reply = channel.receive()
            if "raise" in reply:
                raise AssertionError(reply["raise"])
            return decode(reply["return"])
        return call_grader

    while True:
        try:
            message = channel.receive()
        except EOFError:
            return
        if "cells" in message:
            errors = []
            for index, source in enumerate(message["cells"]):
                try:
                    exec(compile(source, "<solution cell>", "exec"), namespace)
                except BaseException as error:  # a cell that fails is reported, and the next one still runs
                    errors.append([index, f"{type(error).__name__}: {error}"])
            channel.send({"ran": len(message["cells"]), "errors": errors})
        elif "call" in message:
            channel.send(_call(namespace, message, remote))


def _call(namespace, message, remote):
    function = namespace.get(message["call"])
    if not callable(function):
        return {"error": f"NameError: {message['call']} is not defined"}
    args = decode(message["args"], remote)
    kwargs = decode(message["kwargs"], remote)
    try:
        result = function(*args, **kwargs)
        return {"result": encode(result), "args": encode(args, []), "kwargs": encode(kwargs, [])}
    except NotImplementedError as error:
        return {"not_implemented": str(error)}
    except BaseException as error:
        return {"error": f"{type(error).__name__}: {error}", "type": type(error).__name__}


if __name__ == "__main__":
    read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
    channel = Channel(read_fd, write_fd)
    # The student's prints must not reach the grader's channel or flood its log.
    sys.stdout = sys.stderr = open(os.devnull, "w")
    serve(channel)
