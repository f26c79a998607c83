from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members and certifications"

    def ready(self):
        # allauth owns the e-mail change flow; its signal is the only hook to put it in the profile history.
        from allauth.account.signals import email_changed

        from members.receivers import record_email_change

        email_changed.connect(record_email_change, dispatch_uid="members.record_email_change")
