"""Staff-curated kernels: environments as data, built once into a shared prefix.

A kernel is a folder ``kernels/<name>/`` (panhub's, installed with the package under
``<sys.prefix>/share/panhub/kernels``; a site adds its own in ``/etc/panhub/kernels``,
see :class:`panhub.kernels.config.Kernels`):

``kernel.toml``
    ``display_name`` (the technique as users know it: "SAXS/WAXS"), ``technique`` and its
    ``panet`` IRI, ``beamlines``, ``maintainer``, ``version`` (CalVer, ``2026.12``), a
    one-line ``description``; optionally ``python`` (``"3.11"``) and ``[imports]`` (the
    modules ``check`` imports for a requirement whose module has another name).
``requirements.in``
    What staff ask for; technique kernels start with ``-r ../base/requirements.in``.
``requirements.lock``
    Every distribution pinned with its hashes, made by ``panhub kernels lock NAME``
    (``uv pip compile --generate-hashes --python-version 3.11`` against
    ``/usr/bin/python3``).
``logo-svg.svg`` / ``logo-64x64.png``
    What the Launcher shows.

How staff change a kernel: edit ``requirements.in``, run ``panhub kernels lock NAME``,
raise ``version`` in kernel.toml, commit, then (as root on the hub host)
``panhub kernels build NAME`` and ``panhub kernels check``. The old version stays
installed beside the new one (notebooks that name it keep running);
``panhub kernels retire NAME OLDVERSION`` hides it from the Launcher.

Modules: :mod:`.spec` (folders -> validated :class:`~.spec.KernelSource`, pure),
:mod:`.plan` (build, update, skip or refuse, pure), :mod:`.kernelspec` (``kernel.json``,
retiring, pure), :mod:`.prefix` (the layout on disk), :mod:`.build` (venv + uv, atomic
publish), :mod:`.check` (does every kernel work), :mod:`.registry` (installed kernels
for the Launcher and the spawn form, pure), :mod:`.commands` (what the ``panhub
kernels`` subcommands do), :mod:`.config` (the ``c.Kernels`` settings).
"""
