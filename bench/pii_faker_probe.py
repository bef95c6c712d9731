"""How much of each Faker provider's values the PII analyzer masks: `python -m bench.pii_faker_probe [--locale en_GB]`.

A dev probe, not an evaluation set: Faker (MIT, in the `bench` extra) makes the values, in chat templates written
here, so it says which value *shapes* the recognizers miss ("0x" inside a phone extension, JCB card prefixes, a
flat number before a street), not what users will see. Prints Markdown: per provider, the share of values the
analyzer overlaps with a span of the right type, and the share it covers whole (a half-masked address leaks).
"""

from __future__ import annotations

import argparse
import random
from typing import NamedTuple

from faker import Faker

from bench.injection_blind import NER_MODEL
from guardrails import GuardrailsConfig
from guardrails.pii import PiiAnalyzer, load_pii_analyzer

TEMPLATES = {
    ("PERSON", "name"): ("Please update the record for {}, she moved teams.", "{} can't log in since Monday."),
    ("PERSON", "first_name"): ("{} says the printer is broken.", "Can you ask {} to call me?", "Tell {} it moved."),
    ("PERSON", "last_name"): ("Ms. {} needs a new badge.", "Please escalate to Mr. {}."),
    ("PHONE_NUMBER", "phone_number"): ("You can reach me at {} after 5pm.", "Call {} to confirm the delivery."),
    ("LOCATION", "address"): ("Ship the replacement to {} please.", "My new address is {}."),
    ("LOCATION", "street_address"): ("I moved to {} last month.", "Deliver it to {}, please."),
    ("LOCATION", "city"): ("I'm based in {} and the VPN is slow.", "The courier to {} is late again."),
    ("LOCATION", "country"): ("We are opening an office in {} next year.", "Customers from {} see an error."),
    ("EMAIL_ADDRESS", "email"): ("Reply to {} when it's done.", "my email is {}"),
    ("CREDIT_CARD", "credit_card_number"): ("Charge card {} for the renewal.", "My card number is {}."),
    ("IBAN_CODE", "iban"): ("Please pay into {} by Friday.", "My IBAN is {}."),
    ("IP_ADDRESS", "ipv4"): ("The server at {} is down.", "Whitelist {} please."),
    ("IP_ADDRESS", "ipv6"): ("The server at {} is down.", "Whitelist {} please."),
    ("US_SSN", "ssn"): ("My SSN is {}, please update payroll.", "SSN {} was entered wrong."),
}


class Coverage(NamedTuple):
    entity: str
    provider: str
    values: int
    overlapped: int
    whole: int


def probe(analyzer: PiiAnalyzer, locale: str, count: int, seed: int = 11) -> list[Coverage]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    choose = random.Random(seed).choice
    entities = GuardrailsConfig().pii_entities
    rows = []
    for (entity, provider), templates in TEMPLATES.items():
        if not hasattr(fake, provider):
            continue  # a locale without US SSNs, say
        overlapped = whole = 0
        for _ in range(count):
            value = str(getattr(fake, provider)()).replace("\n", ", ")
            template = choose(templates)
            start = template.index("{}")
            end = start + len(value)
            spans = [
                span
                for span in analyzer.find(template.format(value), entities)
                if span.entity_type == entity and span.start < end and start < span.end
            ]
            overlapped += bool(spans)
            whole += any(span.start <= start and span.end >= end for span in spans)
        rows.append(Coverage(entity, provider, count, overlapped, whole))
    return rows


def table(rows: list[Coverage], locale: str) -> str:
    lines = [f"| {locale} provider | entity | values | overlapped | whole |", "|---|---|---|---|---|"]
    lines += [
        f"| `{row.provider}` | {row.entity} | {row.values} | {row.overlapped / row.values:.3f} | "
        f"{row.whole / row.values:.3f} |"
        for row in rows
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--locale", default="en_US", help="a Faker locale")
    parser.add_argument("--count", type=int, default=150, help="values per provider")
    args = parser.parse_args()
    config = GuardrailsConfig()
    spacy_model = str(NER_MODEL) if NER_MODEL.exists() else config.spacy_model
    analyzer = load_pii_analyzer(spacy_model, config.phone_regions, config.pii_score_threshold)
    print(table(probe(analyzer, args.locale, args.count), args.locale))


if __name__ == "__main__":
    main()
