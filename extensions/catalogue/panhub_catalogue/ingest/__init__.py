"""Getting rows into the catalogue: NeXus files on disk, the membership directory, ICAT.

Modules
-------
indexer     ``Indexer``: walk proposal folders, read files in a process pool, write rows
writer      the database side of a run: one SAVEPOINT per file, no row for a bad file
nexus       read a NeXus/HDF5 file's main entry (root @default, else silx view's first)
fields      small fields of a file (texts, times), never a data array
links       notes on external and soft links whose targets are missing (none followed)
techniques  PaNET terms, the beamline setting and the technique precedence
proposal    does a file's experiment identifier agree with its path's proposal?
beneath     open a path below a root without following symbolic links (also for downloads)
prune       remove the rows of files gone from disk, and datasets left empty
members     the hub's directory file: parse, apply (members, staff, admins), export
icat        a small ICAT REST client and ``IcatImport``
progress    the indexer's progress bar
"""
