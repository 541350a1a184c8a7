"""ProConnect and Pro Santé Connect: the client (``client``), which account a login opens (``linking``), and the
French pages of a refused or failed login with their audit line (``errors``). See ``docs/federation.md``."""
