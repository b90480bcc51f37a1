"""Work done in order by a thread of its own, beside the caller, with bounded waiting."""
from __future__ import annotations

import collections
import threading


class Beside:
    """Runs steps in order in a thread of its own, at most `room` units of them waiting (bytes
    of batches to write, files to fsync): a slow disk holds the caller back instead of filling
    memory. A step that fails is raised by the next put() or by join(), once; the steps after
    it still run (they close what they opened)."""

    def __init__(self, name: str, room: int):
        self.name, self.room = name, room
        self._steps: collections.deque = collections.deque()
        self._waiting = 0
        self._changed = threading.Condition()
        self._failure: BaseException | None = None
        self._thread: threading.Thread | None = None

    @property
    def failed(self) -> bool:
        return self._failure is not None

    def put(self, step, weight: int = 1) -> None:
        self._raise()
        with self._changed:
            while self._waiting and self._waiting + weight > self.room:
                self._changed.wait()
            self._steps.append((step, weight))
            self._waiting += weight
            self._changed.notify_all()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run_all, name=self.name, daemon=True)
            self._thread.start()

    def join(self) -> None:
        if self._thread is not None:
            self.put(None, 0)
            self._thread.join()
            self._thread = None
        self._raise()

    def _raise(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def _run_all(self) -> None:
        while True:
            with self._changed:
                while not self._steps:
                    self._changed.wait()
                step, weight = self._steps.popleft()
            if step is None:
                return
            try:
                step()
            except BaseException as error:  # noqa: BLE001 - raised in the caller's thread
                self._failure = self._failure or error
            with self._changed:
                self._waiting -= weight
                self._changed.notify_all()
