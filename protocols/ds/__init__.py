"""démarches-simplifiées (DS): the State's dossier platform where declarations are filed (seeds 000, 002, 003).

``client`` reads one dossier through the DS GraphQL API v2; ``secrets`` keeps the regions' API tokens encrypted."""
