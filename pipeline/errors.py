"""The one error an input can cause: a line naming the file (and line) and the problem."""

from __future__ import annotations


def shown(name: object) -> str:
    """A name as it is safe to print or write into a one-line header: control characters (a
    newline in a file name, a terminal escape) are written as escapes, everything else as is."""
    text = str(name)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


class PipelineError(Exception):
    """A problem with one input, reported as one line naming the file and what is wrong."""

    def __init__(self, path: object, problem: str):
        super().__init__(f"{shown(path)}: {shown(problem)}")
        self.path = str(path)
        self.problem = problem
