"""A fictional sample school for the demo: a roster CSV in the import format."""

from __future__ import annotations

import csv
import io
import random
from datetime import date

FIRST = ("Ava Ben Chloe Daniel Ella Finn Grace Harry Isla Jack Kai Leah Mason Nia Oscar Poppy "
         "Quinn Rosa Sami Tara Umar Vera Will Xena Yusuf Zara Amir Bea Caleb Dina Eli Freya "
         "Gus Hana Ivo Jade Kit Lola Milo Nadia Otto Priya Reuben Sofia Theo Uma Vik Wren").split()
LAST = ("Abbott Baker Carter Dawson Evans Fletcher Green Hughes Ingram Jones Khan Lewis Mills "
        "Novak Owens Parry Quinlan Rahman Shaw Turner Usman Vaughan Walsh Young Zielinski "
        "Ahmed Brooks Chen Doyle Ellis Farouk Gill Hart Iqbal Jenkins Kowalski Lopes Morris "
        "Nwosu Okafor Popescu Reyes Silva Thompson Wood").split()

# Demo logins: username, role, first, last (fictional post-holders of examples/policy.toml).
DEMO_STAFF = [
    ("alex.morgan", "dsl", "Alex", "Morgan"),
    ("sam.patel", "deputy-dsl", "Sam", "Patel"),
    ("jordan.reid", "headteacher", "Jordan", "Reid"),
    ("robin.hale", "it-technician", "Robin", "Hale"),
    ("taylor.brooks", "staff", "Taylor", "Brooks"),
    ("casey.nwosu", "staff", "Casey", "Nwosu"),
]
DEMO_GOVERNOR = ("chris.lowe", "governor", "Chris", "Lowe")
HEADER = ["kind", "external_id", "last_name", "first_name", "year", "class", "date_of_birth",
          "start_date", "username", "email", "role", "groups"]


def sample_roster(seed: int = 7, per_year: int = 30, today: date | None = None) -> str:
    """A roster of about 210 pupils (Reception to Year 6), 30 staff and 6 governors."""
    rng = random.Random(seed)
    today = today or date(2026, 9, 1)
    rows: list[list[str]] = []
    academic_start = today.year if today.month >= 9 else today.year - 1
    number = 0
    for year in range(0, 7):
        born = academic_start - 5 - year
        for index in range(per_year):
            number += 1
            first, last = rng.choice(FIRST), rng.choice(LAST)
            dob = date(born, 9, 1).toordinal() + rng.randrange(365)
            klass = f"{'R' if year == 0 else year}{'AB'[index % 2]}"
            groups = "digital-leaders" if year >= 5 and index % 10 == 0 else ""
            rows.append(["pupil", f"P{number:05d}", last, first, str(year), klass,
                         date.fromordinal(dob).isoformat(), f"{academic_start - year}-09-01",
                         f"{first.lower()}.{last.lower()}{number}", "", "", groups])
    for index, (username, role, first, last) in enumerate(DEMO_STAFF, start=1):
        rows.append(["staff", f"S{index:03d}", last, first, "", "", "", "2020-09-01", username,
                     f"{username}@oakbridge.example.sch.uk", role, ""])
    for index in range(len(DEMO_STAFF) + 1, 31):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        username = f"{first[0].lower()}.{last.lower()}{index}"
        start = f"{rng.choice([2015, 2018, 2021, 2024, 2026])}-09-01"
        rows.append(["staff", f"S{index:03d}", last, first, "", "", "", start, username,
                     f"{username}@oakbridge.example.sch.uk", "staff", ""])
    username, _, first, last = DEMO_GOVERNOR
    rows.append(["governor", "G001", last, first, "", "", "", "2023-09-01", username,
                 f"{username}@oakbridge.example.sch.uk", "", ""])
    for index in range(2, 7):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(["governor", f"G{index:03d}", last, first, "", "", "", "2024-09-01", "", "", "", ""])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()
