from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from portal.access import get_scope


def role_required(*roles: str):
    """The page is for holders of one of ``roles``; anyone else gets a 403 (anonymous users go to log in).

    The objects the page shows are still fetched through ``visible_to(user, roles=...)``, which narrows them to
    the regions and structures where the user holds the role.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not get_scope(request.user).has_role(*roles):
                raise PermissionDenied("Cette page est réservée à d'autres rôles.")
            return view(request, *args, **kwargs)

        wrapped.required_roles = frozenset(roles)
        return wrapped

    return decorator
