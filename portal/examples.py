"""Example identifiers for help texts, placeholders, API examples and import templates.

Each passes every format check of ``portal.validators`` (length, Luhn key) and belongs to nobody: no demo person or
structure carries one (tests/test_example_identifiers.py), and none is a real département's FINESS. A help text must
never show a real person's number: a PACA nurse's RPPS used to appear on every user's account page and in the
template a Centre-Val de Loire coordinator downloads.
"""

EXAMPLE_RPPS = "12345678903"  # the delegate's, in templates and API examples
EXAMPLE_RPPS_DELEGANT = "19876543216"
EXAMPLE_ADELI = "999999999"
EXAMPLE_AM_NUMBER = "999999999"
EXAMPLE_FINESS = "990000002"  # "99" is no département
EXAMPLE_PROTOCOL_CODE = "LOC-EXEMPLE"

EXAMPLES = (EXAMPLE_RPPS, EXAMPLE_RPPS_DELEGANT, EXAMPLE_ADELI, EXAMPLE_AM_NUMBER, EXAMPLE_FINESS)
