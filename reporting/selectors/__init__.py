"""Composed reads of the reporting layer: the figures of a report, the rows of a consolidation."""
