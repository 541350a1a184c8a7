"""The same-region role matrix: the world it runs on, its roles, and the small language of its table.

The world is the one the foreign matrix uses (``tests/tenant.py``: every area's ``tenant_objects*.py``), seen this
time by the users of its *own* region: each URL argument is an object of that region. On top of it, the roles the
need-to-know rules tell apart (``ROLES``): three committee members (assigned to the dossiers of the URLs, not
assigned, assigned but in conflict of interest), a finance officer, the national pilot and the platform superadmin.

The expected statuses live in ``tests/region_matrix_table.py``, one line per route name::

    "funding:dossier_detail": "GET C=200 *=403 | POST *=405",

Each part is a method (``GET``, ``POST``, and ``HX-GET`` / ``HX-POST`` for views that answer htmx differently),
then ``roles=status`` pairs; ``*`` is every role not named. Roles are the keys of ``ROLES``.
To (re)write rows after adding routes: ``REGION_MATRIX_RECORD=var/region-matrix pytest tests/test_region_matrix.py``
then ``python -m tests.region_matrix var/region-matrix`` prints the observed table (review every line before
pasting: the table is the spec, not a snapshot of whatever the code does).
"""

import inspect
import json
import sys
from collections import Counter
from pathlib import Path

# Short keys of the table → what the role is in the world.
ROLES = {
    "C": "coordinator of the structure",
    "P": "professional, delegate of the protocol (owner of the identity document of the URLs)",
    "I": "instructor",
    "MA": "committee member assigned to the dossiers of the URLs (no conflict)",
    "MU": "committee member not assigned",
    "MC": "committee member assigned, who declared a conflict of interest",
    "F": "finance officer",
    "A": "region admin",
    "N": "national pilot",
    "S": "platform superadmin",
}
METHODS = ("GET", "POST", "HX-GET", "HX-POST")

# Arguments that name a person's files or an application: whatever the table says, these roles never get a 200 on
# a route taking them (need-to-know, docs/security.md). Checked apart from the table, so a row cannot hide a leak.
NEVER_SERVED = {
    "MU": {"dossier_id", "dossier_attachment_id", "dossier_message_id", "decision_id", "review_id", "assignment_id"},
    "MC": {"dossier_id", "dossier_attachment_id", "dossier_message_id", "decision_id", "review_id"},
    "F": {"member_document_id", "dossier_attachment_id", "dossier_message_id", "review_id", "assignment_id"},
    "N": {"member_document_id", "team_membership_id", "dossier_id", "dossier_attachment_id", "dossier_message_id"},
}
# Routes taking ``team_membership_id`` that serve a personal file (the training certificate, the documents page).
PERSONAL_FILE_ROUTES = {"protocols:training_certificate", "protocols:member_documents"}
PERSONAL_FILE_READERS = {"C", "P", "I", "A", "S"}


def parse(spec: str) -> dict[str, dict[str, int]]:
    """``"GET C=200 *=403 | POST *=405"`` → ``{"GET": {"C": 200, "*": 403}, "POST": {"*": 405}}``."""
    parsed = {}
    for part in spec.split("|"):
        method, *pairs = part.split()
        assert method in METHODS, f"méthode inconnue {method!r} dans {spec!r}"
        statuses = {}
        for pair in pairs:
            keys, status = pair.split("=")
            for key in keys.split(","):
                assert key == "*" or key in ROLES, f"rôle inconnu {key!r} dans {spec!r}"
                statuses[key] = int(status)
        assert "*" in statuses, f"{spec!r} : chaque méthode donne un statut par défaut (*=…)"
        parsed[method] = statuses
    return parsed


def expected(spec: dict[str, dict[str, int]], method: str, role: str) -> int | None:
    statuses = spec.get(method)
    if statuses is None:
        return None
    return statuses.get(role, statuses["*"])


def answers_htmx(callback) -> bool:
    """Whether the view answers an htmx request differently (it reads ``request.htmx``)."""
    try:
        source = inspect.getsource(inspect.unwrap(callback))
    except (OSError, TypeError):
        return False
    return "request.htmx" in source


def render(observed: dict[str, dict[str, dict[str, int]]]) -> str:
    """The table lines for ``observed[route][method][role] = status``."""
    lines = []
    for route in sorted(observed):
        parts = []
        for method in METHODS:
            statuses = observed[route].get(method)
            if not statuses:
                continue
            default = Counter(statuses.values()).most_common(1)[0][0]
            groups = {}
            for role in ROLES:
                if role in statuses and statuses[role] != default:
                    groups.setdefault(statuses[role], []).append(role)
            pairs = [f"{','.join(roles)}={status}" for status, roles in sorted(groups.items())]
            parts.append(" ".join([method, *pairs, f"*={default}"]))
        lines.append(f'    "{route}": "{" | ".join(parts)}",')
    return "\n".join(lines)


def merge(directory: Path) -> dict:
    observed = {}
    for path in sorted(directory.glob("*.json")):
        role = path.stem
        for route, methods in json.loads(path.read_text()).items():
            for method, status in methods.items():
                observed.setdefault(route, {}).setdefault(method, {})[role] = status
    return observed


if __name__ == "__main__":
    print(render(merge(Path(sys.argv[1]))))
