"""Money is integer cents plus a currency code; never float."""


def format_cents(amount_cents: int, currency: str = "USD") -> str:
    sign = "-" if amount_cents < 0 else ""
    dollars, cents = divmod(abs(amount_cents), 100)
    symbol = "$" if currency == "USD" else f"{currency} "
    return f"{sign}{symbol}{dollars:,}.{cents:02d}"
