"""Start-up checks of what the layers above must provide to the protocols layer.

``protocols`` cannot import ``funding`` (layers), so two of its rules are supplied from above at start-up: the
eligibility is computed by receivers of ``eligibility_inputs_changed``, and an intervention is frozen by the lock
providers registered in ``protocols.locks``. Without them the portal would run, silently: no eligibility, and
interventions editable after their statement was issued. These checks make that a start-up error instead.
"""

from django.core import checks

from protocols.locks import intervention_lock_condition
from protocols.signals import eligibility_inputs_changed


@checks.register()
def check_providers_registered(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    if not eligibility_inputs_changed.has_listeners():
        errors.append(
            checks.Error(
                "Aucun récepteur de eligibility_inputs_changed : l'éligibilité des interventions ne serait jamais "
                "calculée.",
                hint="Ajoutez « funding » à INSTALLED_APPS (FundingConfig.ready connecte ses récepteurs).",
                id="protocols.E001",
            )
        )
    if intervention_lock_condition() is None:
        errors.append(
            checks.Error(
                "Aucun fournisseur de verrou d'intervention : une intervention resterait modifiable après "
                "l'émission de l'état qui la compte.",
                hint="FundingConfig.ready doit appeler protocols.locks.register_intervention_lock.",
                id="protocols.E002",
            )
        )
    return errors
