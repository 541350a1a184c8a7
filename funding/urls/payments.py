"""Routes of the payments pages (namespace "funding")."""

from django.urls import path

from funding.views import payments

urlpatterns = [
    path("financement/paiements/", payments.payment_list, name="payment_list"),
    path("financement/paiements/export/", payments.payment_export, name="payment_export"),
    path("financement/etats/<int:statement_id>/paiements/nouveau/", payments.payment_create, name="payment_create"),
]
