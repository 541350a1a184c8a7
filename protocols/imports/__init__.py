"""Reading and checking the reporting table (CSV or XLSX), in either layout: the portal's template (one line per
patient episode) or seed 003's tableau de reporting as the ARS hands it out (one line per patient).

``columns`` names the columns (case- and accent-insensitive headers), ``reading`` turns a file's bytes into rows
(CSV with ``;`` or ``,``, UTF-8 with or without BOM or Windows-1252; XLSX) and recognises the layout, ``tableau``
reads the ARS's layout onto the portal's columns, ``lookups`` finds the structure's protocols and professionals,
``validation`` checks each row, ``episodes`` derives the episode of the ARS's lines, ``files`` writes the template
and the error report. Writing is the job of ``protocols.services.imports``.
"""
