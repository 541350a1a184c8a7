"""Reading and checking seed 003's "tableau de reporting" (CSV or XLSX): one line per patient episode.

``columns`` names the columns (case- and accent-insensitive headers), ``reading`` turns a file's bytes into rows
(CSV with ``;`` or ``,``, UTF-8 with or without BOM or Windows-1252; XLSX), ``validation`` checks each row against
the structure's protocols and professionals, ``files`` writes the template and the error report. Writing is the
job of ``protocols.services.imports``.
"""
