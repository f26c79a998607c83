from members.models import Member
from members.services import member_record_email_change


def record_email_change(sender, request, user, from_email_address, to_email_address, **kwargs):
    member = Member.objects.filter(user=user).first()
    if member is not None:
        member_record_email_change(
            member=member,
            old=from_email_address.email if from_email_address else "",
            new=to_email_address.email,
            changed_by=request.user if request.user.is_authenticated else user,
        )
