"""Getting rows into the catalogue: NeXus files on disk, the membership directory, ICAT.

Modules
-------
indexer   ``Indexer``: walk proposal folders, read files in a process pool, write rows
nexus     read catalogue metadata from one NeXus/HDF5 file (no links followed)
beneath   open a path below a root without following symbolic links (also for downloads)
prune     remove the rows of files gone from disk, and datasets left empty
members   the hub's directory file: parse, apply (members, staff, admins), export
icat      a small ICAT REST client and ``IcatImport``
progress  the indexer's progress bar
"""
