"""Composed reads of the funding layer (annotations, aggregates, raw-SQL lists), shared by views and exports."""
