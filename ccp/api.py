from django.http import Http404


def completions(request):
    raise Http404("Not built yet.")
