"""Exports of the funding statements and payments (CSV, XLSX, PDF). Column sets are stable and documented in
docs/funding.md; everything streams, so memory stays flat with the number of lines."""
