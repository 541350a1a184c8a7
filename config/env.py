"""Strict readers for settings taken from the environment.

A typo such as DEBUG=yess must stop the process at start-up rather than silently mean False.
Every reader also accepts ``<NAME>_FILE`` (a path whose content is the value) for secrets mounted as files.
"""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        with open(file_path, encoding="utf-8") as fh:
            return fh.read().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = env_str(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} n'est pas un booléen (attendu : 1/0, true/false, yes/no, on/off).")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = env_str(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} n'est pas un entier.") from exc
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = f"de {minimum} à {maximum}" if maximum is not None else f"au moins {minimum}"
        if minimum is None:
            bounds = f"au plus {maximum}"
        raise ImproperlyConfigured(f"{name}={raw!r} est hors des bornes (attendu : {bounds}).")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = env_str(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]
