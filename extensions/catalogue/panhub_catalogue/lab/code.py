"""Python code that opens a file, for the Lab's "copy code" and "insert cell" (pure).

Paths go into the code through :func:`repr`, never by pasting text between quotes: file
names under ``processed/`` are chosen by users, and only Python's own quoting keeps a
quote, a backslash or a newline in a name from ending the string literal.
"""

from __future__ import annotations

#: The kinds of code :func:`make_open_code` writes, in the order the Lab offers them.
CODE_KINDS = ("viewer", "h5py")


def make_open_code(path: str) -> dict[str, str]:
    """Code that opens the file at ``path`` (as the server sees it) in each way.

    Parameters
    ----------
    path
        Absolute path of the file in the user's server (``/data/<proposal>/raw/...``).

    Returns
    -------
    dict
        ``viewer``: the NeXus viewer widget on the file; ``h5py``: the file opened
        read-only without HDF5 file locking (files may still be written at the beamline,
        and the viewer opens them the same way).

    Examples
    --------
    >>> print(make_open_code("/data/20260001/raw/scan.nxs")["viewer"])
    from panhub_nexus import NexusViewer
    <BLANKLINE>
    viewer = NexusViewer('/data/20260001/raw/scan.nxs')
    viewer
    """
    literal = repr(path)
    return {
        "viewer": (
            f"from panhub_nexus import NexusViewer\n\nviewer = NexusViewer({literal})\nviewer"
        ),
        "h5py": f"import h5py\n\nf = h5py.File({literal}, 'r', locking=False)\nlist(f)",
    }
