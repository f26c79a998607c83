from django.http import Http404


def member_ccp(request, member_number):
    raise Http404("Not built yet.")
