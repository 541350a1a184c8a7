"""Routes of the committee pages (namespace "funding")."""

from django.urls import path

from funding.views import committee_grid, committee_session, grants, reviews

urlpatterns = [
    # Region admin: set-up.
    path("ars/commission/", committee_grid.committee_home, name="committee_home"),
    path("ars/commission/campagnes/<int:campaign_id>/grille/", committee_grid.committee_grid, name="committee_grid"),
    path(
        "ars/commission/campagnes/<int:campaign_id>/grille/modele/",
        committee_grid.committee_grid_model,
        name="committee_grid_model",
    ),
    path(
        "ars/commission/campagnes/<int:campaign_id>/grille/ponderation/",
        committee_grid.committee_grid_weights,
        name="committee_grid_weights",
    ),
    path(
        "ars/commission/campagnes/<int:campaign_id>/regles/",
        committee_grid.committee_settings,
        name="committee_settings",
    ),
    path(
        "ars/commission/criteres/<int:criterion_id>/",
        committee_grid.committee_criterion_edit,
        name="committee_criterion_edit",
    ),
    path(
        "ars/commission/criteres/<int:criterion_id>/retirer/",
        committee_grid.committee_criterion_delete,
        name="committee_criterion_delete",
    ),
    path(
        "ars/commission/campagnes/<int:campaign_id>/affectations/",
        committee_grid.committee_assignments,
        name="committee_assignments",
    ),
    # Region admin: the sitting.
    path("ars/commission/campagnes/<int:campaign_id>/", committee_session.committee_page, name="committee_page"),
    path("ars/commission/vagues/<int:wave_id>/seance/", committee_session.committee_meeting, name="committee_meeting"),
    path(
        "ars/commission/seances/<int:meeting_id>/pv/",
        committee_session.committee_minutes_generate,
        name="committee_minutes_generate",
    ),
    path(
        "ars/commission/seances/<int:meeting_id>/pv.pdf",
        committee_session.committee_minutes_download,
        name="committee_minutes_download",
    ),
    path(
        "ars/commission/dossiers/<int:dossier_id>/decision/",
        committee_session.committee_decision,
        name="committee_decision",
    ),
    path(
        "ars/commission/evaluations/<int:review_id>/",
        committee_session.committee_review_detail,
        name="committee_review_detail",
    ),
    path(
        "ars/commission/evaluations/<int:review_id>/rouvrir/",
        committee_session.committee_review_reopen,
        name="committee_review_reopen",
    ),
    # Committee members.
    path("commission/evaluations/", reviews.review_list, name="review_list"),
    path("commission/evaluations/<int:assignment_id>/", reviews.review_edit, name="review_edit"),
    path("commission/evaluations/<int:assignment_id>/declaration/", reviews.review_declare, name="review_declare"),
    # Decisions and letters (coordinators and ARS).
    path("decisions/", grants.decision_list, name="decision_list"),
    path("decisions/<int:decision_id>/courrier.pdf", grants.decision_letter, name="decision_letter"),
]
