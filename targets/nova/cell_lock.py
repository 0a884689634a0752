"""A reader-preferring, re-entrant lock for Nova's CellDatabases test fixture.

The fixture guards its "which cell DB is current" state with a writer-preferring
ReaderWriterLock written for eventlet greenthreads. Under native threads (this
target serves with a thread pool, as a deployed nova-api does) a thread that holds
the read lock and takes it again (a DB call inside a targeted cell) blocks behind a
waiting writer, which waits for that reader: seen with 12 boots at once, every API
thread stuck in fasteners' _acquire_read_lock / _acquire_write_lock (py-spy dump).
A deployed Nova has no such lock: each cell is its own database.

Here readers may always enter unless another thread holds the write lock, any
thread may re-enter what it holds, and a writer waits only for other threads'
readers. Writers can wait longer under constant reads; nothing waits forever.
"""
import contextlib
import threading


class CellLock:
    def __init__(self):
        self._cond = threading.Condition()
        self._reads = {}        # thread id -> read depth
        self._writer = None     # thread id holding the write lock
        self._write_depth = 0

    def _others_reading(self, me):
        return any(n for t, n in self._reads.items() if t != me)

    @contextlib.contextmanager
    def read_lock(self):
        me = threading.get_ident()
        with self._cond:
            while self._writer not in (None, me):
                self._cond.wait()
            self._reads[me] = self._reads.get(me, 0) + 1
        try:
            yield self
        finally:
            with self._cond:
                self._reads[me] -= 1
                if not self._reads[me]:
                    del self._reads[me]
                self._cond.notify_all()

    @contextlib.contextmanager
    def write_lock(self):
        me = threading.get_ident()
        with self._cond:
            while (self._writer not in (None, me)
                   or self._others_reading(me)):
                self._cond.wait()
            self._writer = me
            self._write_depth += 1
        try:
            yield self
        finally:
            with self._cond:
                self._write_depth -= 1
                if not self._write_depth:
                    self._writer = None
                self._cond.notify_all()


def install():
    """Makes every CellDatabases fixture created from now on use CellLock."""
    import importlib
    # By module path: the package's own `nova` attribute is the top-level nova
    # package (a star import re-exports it), not this submodule.
    module = importlib.import_module('nova.tests.fixtures.nova')
    assert hasattr(module, 'CellDatabases'), module
    module.ReaderWriterLock = CellLock
