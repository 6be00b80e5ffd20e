"""A local SMTP server (aiosmtpd) in a process of its own that accepts and counts messages: the mail sender is
measured against a separate server, as in production, not one sharing its interpreter (and GIL)."""
import multiprocessing
import time
from contextlib import contextmanager

from tests.fixtures.smtp import free_port


class _Counter:
    def __init__(self, received):
        self.received = received

    async def handle_DATA(self, server, session, envelope):
        with self.received.get_lock():
            self.received.value += 1
        return "250 Message accepted"


def _serve(port, received, ready, stop):
    from aiosmtpd.controller import Controller

    controller = Controller(_Counter(received), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


@contextmanager
def smtp_sink():
    """Yields (port, received) where received.value counts the messages accepted so far."""
    context = multiprocessing.get_context("spawn")
    port, received, ready, stop = free_port(), context.Value("i", 0), context.Event(), context.Event()
    process = context.Process(target=_serve, args=(port, received, ready, stop), daemon=True)
    process.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("the SMTP server did not start")
        time.sleep(0.2)  # the controller's own readiness check has returned; let its loop settle
        yield port, received
    finally:
        stop.set()
        process.join(10)
