from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from portal.models import Invitation, Professional, Region, RegionMembership, Structure, StructureMembership, User


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "agency_name"]
    search_fields = ["code", "name"]


@admin.register(Structure)
class StructureAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "finess", "commune", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "finess", "siret", "commune"]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin):
    list_display = ["email", "last_name", "first_name", "is_active", "is_superuser"]
    search_fields = ["email", "last_name", "first_name"]
    exclude = ["password"]


@admin.register(Professional)
class ProfessionalAdmin(SimpleHistoryAdmin):
    list_display = ["user", "profession", "rpps", "adeli", "am_number"]
    search_fields = ["user__email", "user__last_name", "rpps", "adeli", "am_number"]


@admin.register(StructureMembership)
class StructureMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "structure", "role", "created_at"]
    list_filter = ["role"]


@admin.register(RegionMembership)
class RegionMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "region", "role", "created_at"]
    list_filter = ["role", "region"]


@admin.register(Invitation)
class InvitationAdmin(SimpleHistoryAdmin):
    list_display = ["email", "role", "structure", "region", "created_at", "accepted_at"]
    exclude = ["token_hash"]
