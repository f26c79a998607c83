from django.http import Http404


def cycle_transcript(request, cycle_pk):
    raise Http404("Not built yet.")
