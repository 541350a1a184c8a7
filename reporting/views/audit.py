from django.core.paginator import Paginator
from django.shortcuts import render

from portal.access import get_scope
from portal.decorators import role_required
from portal.roles import Role
from reporting.audit import sources

PAGE_SIZE = 50
MAX_ENTRIES_PER_SOURCE = 500


def _recent_history(region_ids):
    """The most recent history entries of every audited model in the regions, newest first."""
    entries = []
    for source in sources():
        rows = source.history_in(region_ids).select_related("history_user").order_by("-history_date")
        entries.extend((source.label, row) for row in rows[:MAX_ENTRIES_PER_SOURCE])
    entries.sort(key=lambda pair: pair[1].history_date, reverse=True)
    return entries


@role_required(Role.REGION_ADMIN)
def audit_log(request):
    region_ids = get_scope(request.user).region_ids([Role.REGION_ADMIN])
    page = Paginator(_recent_history(region_ids), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reporting/audit_log.html", {"page": page})
