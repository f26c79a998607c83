from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """No open sign-up: members are created by staff (admin or CSV import) and invited by e-mail."""

    def is_open_for_signup(self, request):
        return False
