"""The PaNOSC search API (the PaN data portal's federated search) over the catalogue.

Public data only, whoever asks. Routes under ``<base_url>panosc/``: ``Documents``,
``Datasets``, ``Instruments`` (a list, with ``filter`` and ``query``), ``<Kind>/count``
(with ``where`` or ``filter``), ``<Kind>/<pid>`` (one, 404 when not public or absent),
``Datasets/<pid>/files`` and ``Datasets/<pid>/files/count``.

Mapping: Document = Investigation (``type`` "proposal", ``keywords`` its techniques,
``license`` the service's ``data_license``), Dataset = Dataset, Instrument = Instrument,
File = Datafile, Sample = Sample, Technique = Technique (``panetId`` = ``pid``),
Parameter = a dataset's or an investigation's parameter (``unit`` =
``ParameterType.units``), Member = InvestigationUser (``PI`` is "principal
investigator"), Person = User (no login names), Affiliation = Affiliation. Every
relation of the data model works in both directions.

The ``filter`` is LoopBack's JSON, with LoopBack's meaning:

* ``where``: any field of the class; equality (``null`` is IS NULL), ``neq``, ``lt``,
  ``lte``, ``gt``, ``gte``, ``between``, ``inq``, ``nin``, ``like``/``nlike``
  (case-sensitive) and ``ilike``/``nilike``, with ``%`` and ``_`` as wildcards (a
  pattern without ``%`` matches anywhere in the value, as LoopBack's in-memory and
  MongoDB connectors match); ``and``/``or`` lists; ``text``, a substring ignoring case in
  the fields the reference names (Document title and summary, Dataset title, File name,
  Instrument name and facility, Sample name and description, Technique name). ``regexp``
  (``"^Cu"``, ``"/^cu/i"``), run by RE2 in linear time on SQLite (no pattern can hang a
  query) and by PostgreSQL's engine on patterns RE2 accepts. Values are coerced as
  LoopBack does ("10" for a number, milliseconds for a date).
* ``include``: relation names, ``{"relation", "scope"}`` objects or ``{"relation":
  nested}``; a scope takes ``where``, ``include``, ``fields``, ``order``, ``limit`` and
  ``skip``. As the reference (its "sanitize" step, an inner join), an include whose
  scope has a ``where`` (or a restricting include below it) keeps only parents with such
  a child (unlike the reference, one with only nested includes and no condition keeps
  every parent). Several includes of one relation must all match, and the item lists
  the children each one kept.
* ``fields``, ``order`` (``"title DESC"`` or a list), ``limit`` (0: all, up to 1000),
  ``skip``.
* ``query`` (or the ``query`` parameter): keywords that select and rank the results; see
  :mod:`~panhub_catalogue.panosc.scoring` for the ``score`` every result carries, as the
  federation needs it.

Parameter conditions that name a ``unit`` (``{"and": [{"name": "sample_temperature"},
{"value": {"lt": 80}}, {"unit": "celsius"}]}``) compare values converted to SI on both
sides (:mod:`panhub_catalogue.units`, pint), and the values come back in the unit the
query asked for. Anything panhub cannot answer is a 400 whose message names the part of
the filter (``include[0].scope.where.colour: unknown field``), never an empty list.

Modules
-------
entities  the classes: fields, JSON, relations (public rows only)
filters   the LoopBack ``filter``: ``where`` to SQL, ``include``, ``fields``, ``order``
scoring   ``query`` keywords: which rows match, and their scores
search    one call: a list, a count, one by pid, a dataset's files
"""
