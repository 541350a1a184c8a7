"""Reporting tables for the import tests, written the way spreadsheet tools write them."""

import io

from protocols.imports.columns import HEADERS


def row_for(world, performed_on: str, episode: str, *, delegate=None, delegant=None, **extra) -> dict:
    delegate = delegate or world.delegate
    delegant = delegant or world.delegant
    return {
        "date_intervention": performed_on,
        "protocole": world.protocol.code,
        "delegue_nom": delegate.user.last_name,
        "delegue_prenom": delegate.user.first_name,
        "delegue_identifiant": delegate.identifier,
        "delegant_nom": delegant.user.last_name,
        "delegant_prenom": delegant.user.first_name,
        "delegant_identifiant": delegant.identifier,
        "reference_episode": episode,
        "date_second_contact": "",
        "second_contact_identifiant": "",
        **extra,
    }


def csv_bytes(rows: list[dict], *, delimiter=";", encoding="utf-8", bom=False, headers=None) -> bytes:
    headers = list(headers or HEADERS)
    lines = [delimiter.join(headers)]
    for row in rows:
        lines.append(delimiter.join(str(row.get(_key(header), "")) for header in headers))
    text = "\r\n".join(lines) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode(encoding)


def _key(header: str) -> str:
    from protocols.imports.columns import normalize_header

    return normalize_header(header)


def xlsx_bytes(rows: list[list], headers=None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers or HEADERS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
