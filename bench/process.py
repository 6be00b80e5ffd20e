"""Running one step of the benchmark in a fresh process and getting its result back.

Not a multiprocessing Pool: its workers are daemons, and the run itself starts a process (the SMTP server)."""
import multiprocessing
import traceback


def in_fresh_process(function, *args):
    """function(*args) in a spawned process: building the data does not inflate the measured worker's memory, and
    the worker starts as a real one does. Its exception is raised here with the child's traceback."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_call_and_send, args=(sender, function, args))
    process.start()
    sender.close()
    try:
        succeeded, value = receiver.recv()
    except EOFError:
        succeeded, value = False, f"the process ended without an answer (exit code {process.exitcode})"
    process.join()
    if not succeeded:
        raise RuntimeError(f"{function.__name__} failed:\n{value}")
    return value


def _call_and_send(sender, function, args):
    try:
        sender.send((True, function(*args)))
    except BaseException:  # noqa: BLE001  (sent to the parent, which raises it with this traceback)
        sender.send((False, traceback.format_exc()))
    finally:
        sender.close()
