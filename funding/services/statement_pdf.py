"""The PDF "état de versement" of a grant for a period, with the ARS letterhead.

An issued statement is rendered once and stored with its SHA-256, so the document the structure received can be
served again byte for byte; a draft is rendered on demand and marked as such.
"""

from django.core.files.base import ContentFile
from django.db import transaction

from funding.models import Statement
from funding.selectors.statements import exclusion_counts
from portal.pdf import render_pdf, sha256_hex

TEMPLATE = "funding/pdf/statements.html"


def statements_pdf_bytes(statements) -> bytes:
    """One document, one statement per page (or more when it has many lines), each with its letterhead."""
    statements = list(
        statements.select_related("grant__structure__region", "grant__protocol", "issued_by").prefetch_related("lines")
    )
    exclusions = exclusion_counts(statements)
    entries = [
        {"statement": statement, "lines": list(statement.lines.all()), "exclusions": exclusions.get(statement.pk, [])}
        for statement in statements
    ]
    region = statements[0].grant.structure.region if statements else None
    return render_pdf(TEMPLATE, {"entries": entries, "region": region})


def statement_pdf(*, statement: Statement) -> bytes:
    """The PDF of one statement: the stored file of an issued statement (rendered and stored the first time)."""
    if not statement.is_issued:
        return statements_pdf_bytes(Statement.objects.filter(pk=statement.pk))
    if statement.pdf:
        with statement.pdf.open("rb") as stored:
            return stored.read()
    with transaction.atomic():
        locked = Statement.objects.select_for_update(of=("self",)).get(pk=statement.pk)
        if locked.pdf:  # another request stored it meanwhile
            with locked.pdf.open("rb") as stored:
                return stored.read()
        data = statements_pdf_bytes(Statement.objects.filter(pk=statement.pk))
        locked.pdf.save(f"{locked.reference}.pdf", ContentFile(data), save=False)
        locked.pdf_sha256 = sha256_hex(data)
        # Not through save(): the statement is frozen, only its document is attached (no new history entry).
        Statement.objects.filter(pk=locked.pk).update(pdf=locked.pdf.name, pdf_sha256=locked.pdf_sha256)
    statement.pdf, statement.pdf_sha256 = locked.pdf, locked.pdf_sha256
    return data
