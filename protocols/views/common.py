"""Helpers of the protocols views: scoped fetching (a foreign object is a 404), error display, page context."""

from django.shortcuts import get_object_or_404, render

from portal.access import get_scope
from portal.roles import AGENCY_ROLES, STRUCTURE_ROLES, Role
from protocols.models import Protocol, ProtocolStatus, can_end
from protocols.selectors import suspension_on
from protocols.services.common import is_agent, is_coordinator, today

READERS = tuple(STRUCTURE_ROLES | AGENCY_ROLES | {Role.SUPERADMIN})
AGENCY_READERS = tuple(AGENCY_ROLES | {Role.SUPERADMIN})
PAGE_SIZE = 25


def get_protocol_for_user(user, protocol_id, roles=None) -> Protocol:
    queryset = Protocol.objects.visible_to(user, roles).select_related(
        "structure__region", "implementing_structure", "national_protocol"
    )
    return get_object_or_404(queryset, pk=protocol_id)


def render_form(request, template: str, context: dict, *, form=None):
    """Render a page with a form; a form with errors answers 400."""
    form = form if form is not None else context.get("form")
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(request, template, context, status=status)


def protocol_page_context(user, protocol: Protocol, section: str) -> dict:
    """What every page of a protocol shows in its header: status, suspension, the user's powers, the tabs."""
    scope = get_scope(user)
    coordinator = is_coordinator(user, protocol)
    day = today()
    return {
        "protocol": protocol,
        "section": section,
        "is_coordinator": coordinator,
        "is_instructor": is_agent(user, protocol, Role.INSTRUCTOR),
        "is_agent": is_agent(user, protocol, *AGENCY_ROLES) or scope.is_superadmin,
        "current_suspension": suspension_on(protocol, day) if protocol.status == ProtocolStatus.DECLARED else None,
        "can_suspend": protocol.can_be_suspended_by(user),
        "can_end": can_end(user, protocol),
        "today": day,
    }
