"""The portal's verifiable credential: the public key (JWKS) and issuer profile, the signed status lists,
the member's proof-of-certification page and the credential download."""

from django.urls import path

from recert import credential_views

app_name = "credentials"

urlpatterns = [
    path(".well-known/jwks.json", credential_views.jwks, name="jwks"),
    path("credentials/issuer", credential_views.issuer, name="issuer"),
    path("credentials/status/<str:purpose>", credential_views.status_list, name="status_list"),
    path("proof/", credential_views.proof, name="proof"),
    path("proof/<int:certification_pk>/credential/", credential_views.download, name="download"),
]
