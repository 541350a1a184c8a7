"""Exports of the funding app: the dossier list, the statements and the payments (CSV, XLSX, PDF).

Column sets are stable and documented in docs/funding.md; everything streams, so memory stays flat with the number
of lines."""
