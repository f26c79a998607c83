"""Member CCP pages (being built)."""

from django.http import Http404


def _not_built(request, **kwargs):
    raise Http404("Not built yet.")


overview = certification = activity_add = cycle_detail = attest = _not_built
activity_edit = activity_remove = document_upload = document_download = _not_built
