"""Shop receipts: recognised from their text and shape, read into merchant, date, total,
currency, tax and line items.

Rules over the OCR lines (written here: no library reads receipts from plain text lines).
A receipt prints prices at the ends of its lines, a TOTAL and usually payment words (CASH,
CHANGE, CARD); many print "TAX INVOICE" too, which is why this runs before the document-type
keywords.
"""

from __future__ import annotations

import re
from typing import Any

_PRICE_END = re.compile(r"(?<![\d/:])(-?\d{1,6}[.,]\d{2})\s*$")
_TOTAL = re.compile(r"\b(?:grand\s+)?total(?:\s+due)?\b|\bamount\s+due\b|\bbalance\s+due\b", re.I)
_SUBTOTAL = re.compile(r"\bsub[\s-]?total\b", re.I)
_PAYMENT = re.compile(
    r"\b(?:cash|change|visa|mastercard|amex|eftpos|debit|credit|card|tendered|paid)\b", re.I
)
_TAX = re.compile(r"\b(?:tax|gst|vat|mwst|hst|pst)\b", re.I)
_NOT_ITEMS = re.compile(
    r"\b(?:total|sub[\s-]?total|cash|change|tax|gst|vat|visa|card|eftpos|tendered|balance|"
    r"rounding|discount|savings|paid|due)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|"
    r"Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{2,4})\b",
    re.I,
)
_CURRENCIES = (
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY"),
    ("₩", "KRW"),
    ("₹", "INR"),
    ("$", "USD"),
)
_CODES = re.compile(r"\b(EUR|USD|GBP|AUD|NZD|CAD|CHF|JPY|CNY|SGD|MYR|INR|SEK|NOK|DKK)\b")


def is_receipt(lines: list[str], width: int, height: int) -> bool:
    """Whether the text reads like a till receipt."""
    priced = sum(1 for line in lines if _PRICE_END.search(line))
    total = any(_TOTAL.search(line) and not _SUBTOTAL.search(line) for line in lines)
    paid = any(_PAYMENT.search(line) for line in lines)
    narrow = height >= 1.4 * width
    return total and priced >= 3 and (paid or narrow)


def read_receipt(lines: list[str]) -> dict[str, Any]:
    """What a receipt says, as far as its lines can be read."""
    text = "\n".join(lines)
    total = next(
        (
            _amount(line)
            for line in reversed(lines)
            if _TOTAL.search(line) and not _SUBTOTAL.search(line) and _amount(line)
        ),
        None,
    )
    tax = next((_amount(line) for line in lines if _TAX.search(line) and _amount(line)), None)
    items = [
        {"name": name, "price": price}
        for line in lines
        if (price := _amount(line))
        and not _NOT_ITEMS.search(line)
        and (name := _PRICE_END.sub("", line).strip(" .:$€£x*"))
        and any(ch.isalpha() for ch in name)
    ]
    date = _DATE.search(text)
    return {
        "merchant": next((line.strip() for line in lines if _merchant_like(line)), None),
        "date": date.group(1) if date else None,
        "total": total,
        "currency": _currency(text),
        "tax": tax,
        "line_items": items or None,
    }


def _amount(line: str) -> str | None:
    found = _PRICE_END.search(line) or _PRICE_INSIDE.search(line)
    return found.group(1).replace(",", ".") if found else None


_PRICE_INSIDE = re.compile(r"(?<![\d/:])(\d{1,6}[.,]\d{2})(?![\d/])")


def _merchant_like(line: str) -> bool:
    letters = sum(ch.isalpha() for ch in line)
    return letters >= 3 and not _PRICE_END.search(line) and not _DATE.search(line)


def _currency(text: str) -> str | None:
    code = _CODES.search(text)
    if code:
        return code.group(1)
    return next((iso for symbol, iso in _CURRENCIES if symbol in text), None)
