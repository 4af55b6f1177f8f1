"""Reading the next page of a query while the current one is worked on."""

import contextlib
import queue
import threading


def read_ahead(fetch, lock):
    """The pages ``fetch()`` returns, up to an empty one, each next page
    read by a thread while the caller works on the current one (PostgreSQL
    computes it meanwhile, on another core). The thread holds ``lock`` while
    it fetches: whoever else uses the same cursor holds it too. An error of
    the thread is raised here; closing the generator ends the thread."""
    pages = queue.Queue(maxsize=1)
    stop = threading.Event()

    def read():
        try:
            while not stop.is_set():
                with lock:
                    page = fetch()
                pages.put(page)
                if not page:
                    return
        except Exception as error:  # noqa: BLE001  (raised in the caller's thread)
            pages.put(error)

    reader = threading.Thread(target=read, name="xlsx-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            page = pages.get()
            if isinstance(page, Exception):
                raise page
            if not page:
                return
            yield page
    finally:
        stop.set()
        while reader.is_alive():  # (a reader waiting to hand over a page)
            with contextlib.suppress(queue.Empty):
                pages.get(timeout=0.05)
        reader.join()
