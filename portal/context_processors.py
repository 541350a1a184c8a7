from django.utils.functional import SimpleLazyObject

from portal.access import get_scope


def portal(request):
    """The user's scope for the header (roles, structures, regions), evaluated only if a template reads it."""
    user = getattr(request, "user", None)
    return {"portal_scope": SimpleLazyObject(lambda: get_scope(user))}


def navigation(request):
    from portal import navigation as nav

    user = getattr(request, "user", None)
    return {"nav_items": SimpleLazyObject(lambda: nav.items_for(get_scope(user), request.path))}
