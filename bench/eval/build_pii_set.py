"""Writes bench/eval/pii_prompts.jsonl: chat-style prompts with labelled PII spans (and prompts with none).

Provenance: templates, names, cities and formats were written for this project (2026-11); card numbers, IBANs and
SSNs are synthetic, generated here with valid checksums and ranges, and belong to nobody. The output is committed so
the evaluation does not depend on this script's randomness; re-run it only to extend the set:

    python -m bench.eval.build_pii_set
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Callable
from pathlib import Path

OUTPUT = Path(__file__).with_name("pii_prompts.jsonl")

NAMES = [
    "Maria Gonzalez",
    "John Smith",
    "Aisha Khan",
    "Wei Zhang",
    "Olga Petrova",
    "Kwame Mensah",
    "Priya Raghavan",
    "Lars Eriksson",
    "Fatima Al-Sayed",
    "Tomasz Kowalski",
    "Chloé Dubois",
    "Hiroshi Tanaka",
    "Emily O'Brien",
    "Carlos Mendes",
    "Sven Johansson",
    "Nguyen Van An",
    "Amara Okafor",
    "Dmitri Ivanov",
    "Sophie Müller",
    "Rahul Sharma",
    "Grace Kim",
    "Mohammed Hassan",
    "Isabella Rossi",
    "Jack Thompson",
    "Leila Haddad",
    "Kofi Boateng",
    "Anna Nowak",
    "Diego Fernández",
    "Yuki Sato",
    "Ravi Patel",
    "Ingrid Larsen",
    "Mateo Silva",
    "Hannah Becker",
    "Samuel Adeyemi",
    "Elena Popescu",
    "Liam Murphy",
    "Zara Ahmed",
    "Noah Williams",
    "Mei Lin",
    "Olivia Brown",
    "Arjun Mehta",
    "Freya Nielsen",
    "Tariq Aziz",
    "Julia Santos",
    "Ethan Clarke",
]
FIRST_NAMES = ["Maria", "Aisha", "Wei", "Olga", "Kwame", "Priya", "Lars", "Tomasz", "Hiroshi", "Emily", "Dmitri"]
CITIES = [
    "Berlin",
    "Lagos",
    "São Paulo",
    "Toronto",
    "Mumbai",
    "Chicago",
    "Melbourne",
    "Nairobi",
    "Madrid",
    "Seoul",
    "Austin",
    "Manchester",
    "Lyon",
    "Warsaw",
    "Osaka",
    "Cape Town",
    "Denver",
    "Dublin",
    "Vienna",
    "Lisbon",
    "Boston",
    "Oslo",
    "Hanoi",
    "Cairo",
    "Rotterdam",
    "Seattle",
    "Kraków",
    "Glasgow",
    "Bangalore",
    "Atlanta",
]
COUNTRIES = ["Germany", "Nigeria", "Brazil", "Canada", "India", "Japan", "Kenya", "Spain", "Poland", "Ireland"]
EMAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.co.uk", "proton.me", "acme-corp.com", "uni-hamburg.de", "mail.ru"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

PII_TEMPLATES = [
    "Hi, I'm {PERSON} and my card {CREDIT_CARD} was charged twice. Can you refund it?",
    "My name is {PERSON}, you can reach me at {EMAIL_ADDRESS} or {PHONE_NUMBER}.",
    "Please update the shipping address for {PERSON} to our office in {LOCATION}.",
    "I was born on {DATE_TIME} and my SSN is {US_SSN}, why was my application rejected?",
    "Can you send the invoice to {EMAIL_ADDRESS}? It should go to {PERSON} in accounting.",
    "call me on {PHONE_NUMBER} after 5pm, thanks",
    "My IBAN is {IBAN_CODE}, please wire the refund there.",
    "Our VPN keeps dropping, my laptop's IP is {IP_ADDRESS} and I'm working from {LOCATION} this week.",
    "{PERSON} said the payment with card {CREDIT_CARD} failed on {DATE_TIME}.",
    "hey its {PERSON} again, my number changed to {PHONE_NUMBER}",
    "I moved from {LOCATION} to {LOCATION} last month, how do I change my tax residence?",
    "The server at {IP_ADDRESS} is refusing connections from {IP_ADDRESS}, is the firewall blocking it?",
    "Please charge {CREDIT_CARD} (exp 09/28) for the annual plan.",
    "Email {EMAIL_ADDRESS} and cc {EMAIL_ADDRESS} about the outage.",
    "My social security number is {US_SSN} and my date of birth is {DATE_TIME}.",
    "Transfer 200 EUR from {IBAN_CODE} to {IBAN_CODE} on {DATE_TIME}.",
    "Dr. {PERSON} from the {LOCATION} clinic asked me to forward my records.",
    "Can {PERSON} and {PERSON} both get access to the shared drive?",
    "I need a replacement badge, I'm {PERSON}, desk 4B, phone {PHONE_NUMBER}.",
    "Is my card ending in 4821 safe? The full number is {CREDIT_CARD}.",
    "Ship it to {PERSON}, {LOCATION}, {LOCATION}. Contact: {PHONE_NUMBER}.",
    "my email is {EMAIL_ADDRESS} pls reset my password",
    "Booked a flight to {LOCATION} departing {DATE_TIME}, can I expense it?",
    "{PERSON} ({EMAIL_ADDRESS}) has left the company; remove her accounts.",
    "Contact {FIRST_NAME} at {PHONE_NUMBER} if the delivery is late.",
    "Hello, this is {PERSON} from {LOCATION}. My account was locked on {DATE_TIME}.",
    "The customer gave card number {CREDIT_CARD} and SSN {US_SSN} over chat, is that allowed?",
    "Our office router is at {IP_ADDRESS}; the printer moved to {IP_ADDRESS}.",
    "Pay the contractor to {IBAN_CODE}, reference INV-2291.",
    "Please note that {PERSON} will be on leave until {DATE_TIME}.",
    "Thanks {FIRST_NAME}! Also my wife's number is {PHONE_NUMBER} in case I'm unreachable.",
    "I'm writing on behalf of {PERSON}, who lives in {LOCATION}, {LOCATION}.",
    "Refund to card {CREDIT_CARD} please, the order was placed by {PERSON}.",
    "Can you check why {EMAIL_ADDRESS} isn't receiving our newsletters since {DATE_TIME}?",
    "I work remotely from {LOCATION} — does the travel policy cover trips to {LOCATION}?",
]

# Text that looks a little like PII and is not: the precision half of the set.
NEGATIVE_PROMPTS = [
    "How do I reset my VPN password?",
    "What is the vacation policy for new employees?",
    "Order 10442-88 arrived damaged, what now?",
    "We upgraded to version 3.12.4 and the build broke.",
    "The meeting is in 15 minutes, can you summarise the onboarding doc?",
    "Ticket #55821 has been open for two weeks.",
    "Is port 8443 open on the staging firewall?",
    "Our quarterly budget is 125,000 USD, what's the approval limit?",
    "Explain the difference between RAID 1 and RAID 5.",
    "How many days of sick leave do I get per year?",
    "The error code is 0x80070005 when installing updates.",
    "Can I expense a monitor that costs 349.99?",
    "What does the developer-mode toggle in the admin console do?",
    "Set the timeout to 30 seconds and retry 3 times.",
    "Which laptop models are approved for the engineering team?",
    "My badge number is on the back, it starts with NW.",
    "How do I configure two-factor authentication on my phone?",
    "The wifi password changed yesterday, where do I find the new one?",
    "Please summarise the security policy in five bullet points.",
    "Is the office closed on public holidays?",
    "Our SLA says 99.9% uptime; how many minutes of downtime is that per month?",
    "What is the parental leave policy?",
    "Reboot the router, then wait about 2 minutes.",
    "The invoice total was 1,234.56 and tax was 19%.",
    "Who approves purchases over the limit?",
    "Where is the expense report template?",
    "How long is the probation period?",
    "Use the model number 7410-X2 when ordering toner.",
    "Release 2024.10 changed the login page.",
    "What time zone does the support team work in?",
    "Can I bring my own device to work?",
    "Room 3.14 has a broken projector.",
    "Compare plan A and plan B for the dental insurance.",
    "Does the password policy require a special character?",
    "The backup job runs at 02:00 every night.",
    "Our team has 12 people and 4 contractors.",
    "What is the maximum attachment size for email?",
    "How do I request access to the finance share?",
    "Page 42 of the handbook mentions overtime.",
    "Is Python 3.11 supported on the build servers?",
]


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return body + str((10 - total % 10) % 10)


def credit_card(rng: random.Random) -> str:
    brand = rng.choice(["visa", "mastercard", "amex", "discover", "diners", "jcb", "mastercard2"])
    prefix, length, groups = {
        "visa": ("4", 16, (4, 4, 4, 4)),
        "mastercard": (str(rng.randint(51, 55)), 16, (4, 4, 4, 4)),
        "mastercard2": (str(rng.randint(2221, 2720)), 16, (4, 4, 4, 4)),
        "amex": (rng.choice(["34", "37"]), 15, (4, 6, 5)),
        "discover": ("6011", 16, (4, 4, 4, 4)),
        "diners": (rng.choice(["36", "38"]), 14, (4, 6, 4)),
        "jcb": ("35" + str(rng.randint(28, 89)), 16, (4, 4, 4, 4)),
    }[brand]
    number = luhn_complete(prefix, length, rng)
    separator = rng.choice(["", " ", "-", " "])
    if not separator:
        return number
    parts, start = [], 0
    for size in groups:
        parts.append(number[start : start + size])
        start += size
    return separator.join(parts)


def phone_number(rng: random.Random) -> str:
    def d(n: int) -> str:
        return "".join(rng.choice(string.digits) for _ in range(n))

    area = str(rng.randint(201, 989))
    return rng.choice(
        [
            f"({area}) 555-{d(4)}",
            f"{area}-555-{d(4)}",
            f"{area}.555.{d(4)}",
            f"+1 {area} 555 {d(4)}",
            f"+1-{area}-555-{d(4)}",
            f"{area}555{d(4)}",
            f"+44 20 7946 {d(4)}",
            f"020 7946 {d(4)}",
            f"+44 7700 900{d(3)}",
            f"+49 30 {d(8)}",
            f"+49 151 {d(8)}",
            f"+33 1 42 {d(2)} {d(2)} {d(2)}",
            f"+91 98{d(3)} {d(5)}",
            f"+61 4{d(2)} {d(3)} {d(3)}",
            f"+31 6 {d(8)}",
            f"({area}) 555 {d(4)}",
        ]
    )


def us_ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    number = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    return rng.choice([f"{number[:3]}-{number[3:5]}-{number[5:]}", f"{number[:3]} {number[3:5]} {number[5:]}"])


def iban(rng: random.Random) -> str:
    country, prefix, digits = rng.choice(
        [("DE", "", 18), ("GB", "NWBK", 14), ("FR", "", 23), ("NL", "ABNA", 10), ("ES", "", 20)]
    )
    body = prefix + "".join(rng.choice(string.digits) for _ in range(digits))
    numeric = "".join(str(int(char, 36)) for char in body + country + "00")
    check = 98 - int(numeric) % 97
    compact = f"{country}{check:02d}{body}"
    if rng.random() < 0.5:
        return compact
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def ip_address(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return ".".join(str(rng.randint(1, 254)) for _ in range(4))
    return ":".join(f"{rng.randint(0, 0xFFFF):x}" for _ in range(8))


def email(rng: random.Random) -> str:
    first, last = rng.choice(NAMES).split(" ", 1)
    local = rng.choice(
        [
            f"{first}.{last}",
            f"{first[0]}{last}",
            f"{first}_{last}{rng.randint(1, 99)}",
            f"{first}{rng.randint(70, 99)}",
        ]
    )
    local = re.sub(r"[^a-z0-9._]", "", local.lower()) or "user"
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def date_time(rng: random.Random) -> str:
    year, month, day = rng.randint(1950, 2026), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice(
        [
            f"{MONTHS[month - 1]} {day}, {year}",
            f"{month:02d}/{day:02d}/{year}",
            f"{year}-{month:02d}-{day:02d}",
            f"{day} {MONTHS[month - 1]} {year}",
            f"{day}.{month:02d}.{year}",
        ]
    )


def location(rng: random.Random) -> str:
    return rng.choice(CITIES) if rng.random() < 0.75 else rng.choice(COUNTRIES)


GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "PERSON": lambda rng: rng.choice(NAMES),
    "FIRST_NAME": lambda rng: rng.choice(FIRST_NAMES),
    "EMAIL_ADDRESS": email,
    "PHONE_NUMBER": phone_number,
    "CREDIT_CARD": credit_card,
    "US_SSN": us_ssn,
    "IBAN_CODE": iban,
    "IP_ADDRESS": ip_address,
    "LOCATION": location,
    "DATE_TIME": date_time,
}
SLOT = re.compile(r"\{([A-Z_]+)\}")


def fill(template: str, rng: random.Random) -> dict[str, object]:
    text, spans, cursor = "", [], 0
    for match in SLOT.finditer(template):
        text += template[cursor : match.start()]
        slot = match.group(1)
        value = GENERATORS[slot](rng)
        label = "PERSON" if slot == "FIRST_NAME" else slot
        spans.append({"type": label, "start": len(text), "end": len(text) + len(value)})
        text += value
        cursor = match.end()
    text += template[cursor:]
    return {"text": text, "spans": spans}


def main() -> None:
    rng = random.Random(20261123)
    rows = [fill(template, rng) for _ in range(6) for template in PII_TEMPLATES]
    rows += [{"text": text, "spans": []} for text in NEGATIVE_PROMPTS]
    with OUTPUT.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} prompts ({sum(len(r['spans']) for r in rows)} spans) to {OUTPUT}")  # type: ignore[misc,arg-type]


if __name__ == "__main__":
    main()
