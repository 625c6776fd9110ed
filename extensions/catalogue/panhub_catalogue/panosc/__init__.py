"""The PaNOSC search API (Datasets, Documents, Instruments) over the catalogue, public data only.

Mapping: Document = Investigation (``type`` "proposal"), Dataset = Dataset,
Instrument = Instrument, File = Datafile, Sample = Sample, Technique = Technique
(``panetId`` = ``pid``), Parameter = Dataset/Investigation parameter (``unit`` =
``ParameterType.units``), Member = InvestigationUser, Person = User.

The ``filter`` is the LoopBack JSON subset the PaN data portal sends: ``where`` (field
equality; ``neq``, ``lt``, ``lte``, ``gt``, ``gte``, ``between``, ``inq``, ``nin``,
``like``, ``nlike``, ``ilike``; ``and``/``or`` lists; ``text`` on Documents), ``include``
(``relation`` + ``scope`` with ``where`` and nested ``include``), ``limit``, ``skip``.
A scoped ``where`` keeps only parents that have at least one matching child (as the
PaNOSC reference does) and lists only the matching children. Parameter values are
compared in the stored unit (no unit conversion yet). Every query passes through the
public rule of :func:`panhub_catalogue.visibility.visible_investigations` for an
anonymous caller.

Modules
-------
entities  the PaNOSC classes: filterable fields, JSON, relations (public rows only)
filters   the LoopBack ``filter``: ``where`` to SQL, ``include`` scopes
search    one PaNOSC call: list, count or one pid, with ``query`` scores
"""
