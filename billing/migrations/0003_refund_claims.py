"""A refund under way is claimed in its own timestamp field, no longer written into fields that mirror Stripe:
a staff refund's claim was "claimed at <iso time>" in `Payment.stripe_refund_id`, and money going back for a
settled invoice was the status "refunding" in `CardPaymentIntent.status`. Claims open at migration time move
to the new fields (a claim older than the timeout is then taken over, as before)."""

import datetime

from django.db import migrations, models

OLD_PAYMENT_CLAIM_PREFIX = "claimed at "
OLD_INTENT_CLAIM_STATUS = "refunding"


def move_claims(apps, schema_editor):
    Payment = apps.get_model("billing", "Payment")
    CardPaymentIntent = apps.get_model("billing", "CardPaymentIntent")
    for payment in Payment.objects.filter(stripe_refund_id__startswith=OLD_PAYMENT_CLAIM_PREFIX):
        claimed = payment.stripe_refund_id.removeprefix(OLD_PAYMENT_CLAIM_PREFIX)
        payment.refund_claimed_at = datetime.datetime.fromisoformat(claimed)
        payment.stripe_refund_id = ""
        payment.save(update_fields=["refund_claimed_at", "stripe_refund_id"])
    # "refunding" was set only after Stripe said "succeeded"; the daily check re-reads a claimed intent.
    for intent in CardPaymentIntent.objects.filter(status=OLD_INTENT_CLAIM_STATUS):
        intent.refund_claimed_at = intent.updated_at
        intent.status = "succeeded"
        intent.save(update_fields=["refund_claimed_at", "status"])


def restore_claims(apps, schema_editor):
    Payment = apps.get_model("billing", "Payment")
    CardPaymentIntent = apps.get_model("billing", "CardPaymentIntent")
    for payment in Payment.objects.filter(refund_claimed_at__isnull=False, refunded_on=None):
        payment.stripe_refund_id = f"{OLD_PAYMENT_CLAIM_PREFIX}{payment.refund_claimed_at.isoformat()}"
        payment.save(update_fields=["stripe_refund_id"])
    CardPaymentIntent.objects.filter(refund_claimed_at__isnull=False).update(status=OLD_INTENT_CLAIM_STATUS)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_seed_configuration")]

    operations = [
        migrations.AddField(
            model_name="cardpaymentintent",
            name="refund_claimed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Money paid for a settled invoice is going back since then (cleared when it is recorded).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="payment",
            name="refund_claimed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="A staff refund under way since then (cleared when it is recorded).",
                null=True,
            ),
        ),
        migrations.RunPython(move_claims, restore_claims),
    ]
