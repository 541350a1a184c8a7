"""The tableau de reporting in the ARS's layout (seed 003), one sheet per structure: title block, the two header rows
(merged as the ARS's template merges them), one line per intervention with « 25 euros » on the paid first
contacts, the period, the sworn statement with who confirmed it and when, and the statements' totals.

Two sources, one writer: the statements of a region's half-year (``export_statements --format tableau`` and the
statements page: the lines each statement counts or excludes, frozen once issued), or one structure's tableau as
its lines stand (its page). What it writes re-imports through ``protocols.imports`` as it is: the extra column
« Motif d'exclusion (portail) » and the rows under « Période concernée » are read, never refused.
"""

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from funding.models import Statement, Tableau, TableauSignatory
from funding.periods import Period
from funding.selectors.statements import reason_label
from funding.services.statement_sql import (
    INTERVENTIONS,
    REASON_NOT_EVALUATED,
    frozen_detail_sql,
    live_detail_sql,
)
from funding.services.tableaux import tableau_lines
from portal.exports import xlsx_cell
from portal.models import Structure, StructureKind
from protocols.models import Intervention

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE = "Tableau de reporting pour la rémunération des protocoles de coopération"
SWORN = (
    "J'atteste sur l'honneur l'exactitude des informations ci-dessus sur la délégation ou la réalisation des actes "
    "mentionnés"
)
SIGNATORIES = (
    "Signataires : les délégués et délégants mentionnés dans le fichier ci-dessus et le responsable de la structure"
)
GROUPS = [
    "Nature du protocole concerné",
    "1er contact",
    *[None] * 7,
    "2ème contact – le cas échéant",
    *[None] * 3,
    "Montant des forfaits",
    None,
    "Motif d'exclusion (portail)",
]
NAMES = [
    None,
    "Date de réalisation du protocole",
    "Nom du délégué",
    "Prénom du délégué",
    "Spécialité professionnelle du délégué",
    "N° AM le cas échéant (MSP) et n°RPPS pour les CDS",
    "Nom du déléguant",
    "Prénom du déléguant",
    "N° AM le cas échéant (MSP) et n° RPPS pour le RPPS",
    "Date du 2ème contact",
    "Nom du délégué",
    "Prénom du délégué",
    "N°AM du délégué (MSP)",
    "Montant du forfait pour le 1er contact",
    "Montant du forfait pour le 2ème contact",
    None,
]
HEADER_ROW = 9  # the groups row; the column names are on the next one
DATE_COLUMNS = (1, 9)  # the first and the second contact
MERGES = ["A1:P1", "A9:A10", "B9:I9", "J9:M9", "N9:O9", "P9:P10"]
WIDTHS = [28, 14, 18, 16, 22, 20, 18, 16, 20, 14, 18, 16, 16, 16, 16, 34]
CHUNK = 2_000


@dataclass
class Line:
    intervention: Intervention
    is_eligible: bool
    reason: str
    rate: Decimal | None


@dataclass
class SheetData:
    structure: Structure
    period: Period
    lines: Iterable[Line]
    protocols: dict[str, object] = field(default_factory=dict)  # code → declared on
    tableau: Tableau | None = None
    signatories: list[TableauSignatory] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)


def euros(amount: Decimal) -> str:
    text = f"{amount:,.2f}".replace(",", " ").replace(".", ",")
    return text[:-3] if text.endswith(",00") else text


def _with_interventions(rows: Iterator[tuple[int, bool, str, Decimal | None]]) -> Iterator[Line]:
    """``(intervention id, eligible, reason, rate)`` in order → lines with their intervention, loaded by chunks."""
    related = ("protocol", "delegate__user", "delegant__user", "second_contact_delegate__user")
    while chunk := list(itertools.islice(rows, CHUNK)):
        interventions = Intervention.objects.select_related(*related).in_bulk([row[0] for row in chunk])
        for intervention_id, is_eligible, reason, rate in chunk:
            yield Line(interventions[intervention_id], is_eligible, reason or "", rate)


def _statement_rows(statements: list[Statement], period: Period) -> Iterator[tuple]:
    """The period's interventions the statements count or exclude (frozen for the issued ones), by date."""
    issued = [s.pk for s in statements if s.is_issued]
    drafts = [s.pk for s in statements if not s.is_issued]
    rates = {s.pk: s.rate for s in statements}
    parts, params = [], []
    if issued:
        sql, part_params = frozen_detail_sql(issued)
        parts.append(sql)
        params += part_params
    if drafts:
        sql, part_params = live_detail_sql(drafts, period, regularised_ids=[])
        parts.append(sql)
        params += part_params
    union = " UNION ALL ".join(f"SELECT * FROM ({part}) AS part{index}" for index, part in enumerate(parts))
    sql = f"""
        SELECT d.intervention_id, d.is_eligible, d.reason, d.statement_id
        FROM ({union}) AS d JOIN {INTERVENTIONS} i ON i.id = d.intervention_id
        WHERE NOT d.is_regularisation
        ORDER BY i.performed_on, i.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(CHUNK):
            for intervention_id, is_eligible, reason, statement_id in batch:
                yield intervention_id, bool(is_eligible), reason, rates[statement_id]


def _tableau_of(structure_id: int, period: Period):
    tableau = Tableau.objects.filter(structure_id=structure_id, year=period.year, half=period.half).first()
    signatories = (
        list(tableau.signatories.filter(is_current=True).select_related("professional__user", "confirmed_by"))
        if tableau
        else []
    )
    return tableau, signatories


def tableau_sheets_of_statements(statements, period: Period) -> Iterator[SheetData]:
    """One sheet per structure of ``statements`` (one region's half-year)."""
    statements = list(
        statements.select_related("grant__structure", "grant__protocol").order_by("grant__structure__name", "pk")
    )
    for structure_id, group in itertools.groupby(statements, key=lambda s: s.grant.structure_id):
        group = list(group)
        structure = group[0].grant.structure
        tableau, signatories = _tableau_of(structure_id, period)
        yield SheetData(
            structure=structure,
            period=period,
            lines=_with_interventions(_statement_rows(group, period)),
            protocols={s.grant.protocol.code: s.grant.protocol.declared_on for s in group},
            tableau=tableau,
            signatories=signatories,
            statements=group,
        )


def tableau_sheets_of_tableau(tableau: Tableau) -> list[SheetData]:
    """The structure's tableau as its lines stand (eligibility read live), for its page."""
    lines = (
        tableau_lines(tableau.structure_id, tableau.period)
        .order_by("performed_on", "pk")
        .values_list("pk", "eligibility__is_eligible", "eligibility__reason", "eligibility__grant__rate")
    )
    statements = list(
        Statement.objects.filter(grant__structure_id=tableau.structure_id)
        .of_period(tableau.period)
        .select_related("grant__protocol")
        .order_by("grant__reference")
    )
    rows = (
        (pk, bool(eligible), REASON_NOT_EVALUATED if eligible is None else reason, rate)
        for pk, eligible, reason, rate in lines.iterator(chunk_size=CHUNK)
    )
    protocols = dict(
        tableau_lines(tableau.structure_id, tableau.period)
        .values_list("protocol__code", "protocol__declared_on")
        .distinct()
        .order_by("protocol__code")
    )
    return [
        SheetData(
            structure=tableau.structure,
            period=tableau.period,
            lines=_with_interventions(rows),
            protocols=protocols,
            tableau=tableau,
            signatories=list(
                tableau.signatories.filter(is_current=True).select_related("professional__user", "confirmed_by")
            ),
            statements=statements,
        )
    ]


def _identifier(professional, structure: Structure) -> str:
    """Seed 003: « N° AM le cas échéant (MSP) et n° RPPS pour les CDS »."""
    if professional is None:
        return ""
    if structure.kind == StructureKind.MSP and professional.am_number:
        return professional.am_number
    return professional.rpps or professional.adeli or ""


def _line_cells(line: Line, structure: Structure) -> list:
    intervention = line.intervention
    delegate, delegant = intervention.delegate, intervention.delegant
    second = intervention.second_contact_delegate
    paid = f"{euros(line.rate)} euros" if line.is_eligible and line.rate is not None else None
    return [
        intervention.protocol.code,
        intervention.performed_on,
        delegate.user.last_name,
        delegate.user.first_name,
        delegate.get_profession_display(),
        _identifier(delegate, structure),
        delegant.user.last_name,
        delegant.user.first_name,
        _identifier(delegant, structure),
        intervention.second_contact_on,
        second.user.last_name if second else None,
        second.user.first_name if second else None,
        _identifier(second, structure),
        paid,
        None,  # the second contact earns nothing (seed 003: « _____ »)
        None if line.is_eligible else reason_label(line.reason),
    ]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y à %H:%M")


def _signatory_text(signatory: TableauSignatory, structure: Structure) -> str:
    professional = signatory.professional
    who = f"{professional.user.get_full_name()} ({signatory.roles_label}, {_identifier(professional, structure)})"
    if signatory.is_confirmed:
        return f"{who} : attesté le {_local(signatory.confirmed_at)}"
    if signatory.must_confirm_again:
        return f"{who} : à attester de nouveau (ses lignes ont changé depuis son attestation du " + (
            f"{_local(signatory.confirmed_at)})"
        )
    return f"{who} : pas encore attesté"


def _footer(sheet: SheetData) -> list[list]:
    period = sheet.period
    rows = [
        [],
        [f"Période concernée : du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y}"],
        [],
        [SWORN],
        [SIGNATORIES],
    ]
    tableau = sheet.tableau
    if tableau is None:
        rows.append(["Attestations : le coordinateur n'a pas encore ouvert ce tableau aux attestations."])
    for signatory in sheet.signatories:
        rows.append([_signatory_text(signatory, sheet.structure)])
    if tableau is not None and tableau.is_transmitted:
        by = tableau.transmitted_by
        rows.append(
            [
                f"Responsable de la structure : {by.get_full_name() or by.email}, transmis à l'ARS le "
                f"{_local(tableau.transmitted_at)}"
                + (" (lignes modifiées depuis la transmission)" if tableau.changed_since_transmission else "")
            ]
        )
    elif tableau is not None:
        rows.append(["Responsable de la structure : tableau pas encore transmis à l'ARS"])
    if sheet.statements:
        rows.append([])
    for statement in sheet.statements:
        rows.append(
            [
                f"État {statement.reference} ({statement.grant.protocol.code}, "
                f"{'émis' if statement.is_issued else 'brouillon'}) : {statement.eligible_count} intervention(s) "
                f"éligible(s), {statement.excluded_count} exclue(s) ; période {euros(statement.period_amount)} €, "
                f"régularisations {euros(statement.regularisation_amount)} €, total {euros(statement.total_amount)} €"
            ]
        )
    return rows


def _sheet_title(structure: Structure, used: set[str]) -> str:
    """The structure's name as a sheet title: 31 characters, none of ``[]:*?/\\``, unique in the workbook."""
    base = "".join(" " if char in "[]:*?/\\" else char for char in structure.name).strip() or "Structure"
    title = base[:31]
    for number in itertools.count(2):
        if title not in used:
            break
        suffix = f" ({number})"
        title = base[: 31 - len(suffix)] + suffix
    used.add(title)
    return title


def write_tableau(sheets: Iterable[SheetData], target) -> None:
    """Write one sheet per structure to ``target`` (a path or a binary file), in openpyxl's write-only mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    used: set[str] = set()
    written = False
    for sheet_data in sheets:
        written = True
        structure = sheet_data.structure
        sheet = workbook.create_sheet(title=_sheet_title(structure, used))
        for index, width in enumerate(WIDTHS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width

        def styled(value, font=None, alignment=None, number_format=None, sheet=sheet):
            cell = WriteOnlyCell(sheet, value=xlsx_cell(value))
            if font:
                cell.font = font
            if alignment:
                cell.alignment = alignment
            if number_format:
                cell.number_format = number_format
            return cell

        declared = " ; ".join(
            f"{day:%d/%m/%Y} ({code})" if day else f"non déclaré ({code})"
            for code, day in sorted(sheet_data.protocols.items())
        )
        sheet.append([styled(TITLE, bold)])
        sheet.append([])
        sheet.append(["Numéro FINESS de la structure :", xlsx_cell(structure.finess)])
        sheet.append(["Nom de la structure :", xlsx_cell(structure.name)])
        sheet.append(["Date de déclaration des protocoles à l'ARS :", xlsx_cell(declared)])
        sheet.append(["CPAM de rattachement de la structure :", xlsx_cell(structure.cpam)])
        sheet.append([])
        sheet.append([styled("Renseigner une ligne par patient", Font(italic=True))])
        sheet.append([styled(value, bold, wrap) if value else None for value in GROUPS])
        sheet.append([styled(value, bold, wrap) if value else None for value in NAMES])
        for line in sheet_data.lines:
            cells = [xlsx_cell(value) for value in _line_cells(line, structure)]
            for index in DATE_COLUMNS:
                if cells[index] is not None:
                    cells[index] = styled(cells[index], number_format="DD/MM/YYYY")
            sheet.append(cells)
        for row in _footer(sheet_data):
            sheet.append([xlsx_cell(value) for value in row])
        for cells in MERGES:
            sheet.merged_cells.add(cells)
        sheet.freeze_panes = f"B{HEADER_ROW + 2}"
    if not written:
        workbook.create_sheet(title="Tableau").append(["Aucun état pour cette période."])
    workbook.save(target)
