"""Bounded capture of a run's output: the first and last bytes, everything else counted."""

from __future__ import annotations

DEFAULT_HEAD = 32 * 1024
DEFAULT_TAIL = 32 * 1024


class CappedOutput:
    """Keep the first ``head`` bytes and the last ``tail`` bytes fed; count all of them.

    ``feed`` never blocks and uses at most ``head + tail`` bytes of memory (plus one chunk
    while trimming), so a child writing gigabytes can be drained at full speed.
    """

    def __init__(self, head: int = DEFAULT_HEAD, tail: int = DEFAULT_TAIL) -> None:
        if head < 0 or tail < 0:
            raise ValueError("head and tail must be >= 0")
        self.head_limit = head
        self.tail_limit = tail
        self._head = bytearray()
        self._tail = bytearray()
        self.total_bytes = 0

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Add a chunk of output."""
        view = memoryview(data).cast("B")
        size = len(view)
        if size == 0:
            return
        self.total_bytes += size
        room = self.head_limit - len(self._head)
        if room > 0:
            self._head += view[:room]
            view = view[room:]
            if len(view) == 0:
                return
        if self.tail_limit == 0:
            return
        if len(view) >= self.tail_limit:
            self._tail = bytearray(view[len(view) - self.tail_limit :])
            return
        self._tail += view
        excess = len(self._tail) - self.tail_limit
        if excess > 0:
            del self._tail[:excess]

    @property
    def omitted_bytes(self) -> int:
        """How many bytes were dropped between the head and the tail."""
        return self.total_bytes - len(self._head) - len(self._tail)

    @property
    def truncated(self) -> bool:
        return self.omitted_bytes > 0

    def text(self) -> str:
        """The kept bytes as UTF-8 (errors replaced), with a marker where bytes were dropped."""
        head = self._head.decode("utf-8", errors="replace")
        tail = self._tail.decode("utf-8", errors="replace")
        omitted = self.omitted_bytes
        if omitted > 0:
            return f"{head}\n[... {omitted} bytes omitted ...]\n{tail}"
        return head + tail

    @classmethod
    def of(cls, text: str, head: int = DEFAULT_HEAD, tail: int = DEFAULT_TAIL) -> str:
        """Cap a string already in memory the same way (UTF-8 bytes)."""
        out = cls(head, tail)
        out.feed(text.encode("utf-8", errors="replace"))
        return out.text()
