import hashlib
import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.access import ScopedQuerySet

TOKEN_PREFIX = "pcp_"


class ApiTokenQuerySet(ScopedQuerySet):
    """A token is visible to its owner only (an ARS admin never sees another person's secret)."""

    superadmin_sees_all = False

    def scope_filter(self, scope, roles):
        return Q(user_id=scope.user_id) if scope.user_id else Q(pk__in=[])

    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class ApiToken(models.Model):
    """A personal API token: shown once, stored as a SHA-256 hash, scoped like its owner, revocable."""

    class Scope(models.TextChoices):
        READ = "read", "Lecture"
        WRITE = "write", "Lecture et saisie des interventions"

    user = models.ForeignKey("portal.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("nom", max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField("portée", max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    expires_at = models.DateTimeField("expire le", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @classmethod
    def generate_key(cls) -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
