"""The dashboards of each role: aggregates read in SQL (``agency``, ``structure``), cached by ``cache``."""
