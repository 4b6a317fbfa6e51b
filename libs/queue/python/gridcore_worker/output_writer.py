"""At-least-once output pushes (the twin of sdk/output-writer.ts): a batch's results go out with
their own LPUSH before its ack, retried through connection problems."""

from .connections import is_connection_problem


class OutputPushError(Exception):
    """A push failed for good (not a connection problem): the worker stops."""


class OutputWriter:
    def __init__(self, out, queue, stop):
        self.out, self.queue, self.stop = out, queue, stop

    def push(self, results):
        """True once pushed; False when the worker stopped first (the batch then must not be acked)."""
        while True:
            try:
                if results:
                    self.out.lpush(self.queue, *results)
                return True
            except Exception as err:
                if not is_connection_problem(err):
                    raise OutputPushError("cannot push results to output list %s: %s" % (self.queue, err))
                if self.stop.wait(0.2):
                    return False
