"""Bundled example data: a seeded generator and paths to what it wrote.

Everything in ``data/examples/`` is **synthetic**: organisations, people, answers and results are
made up by :func:`generate_examples` with a fixed seed, shaped like the real exports and shaped so
that the whole-programme survey results round exactly to the published Picker figures (59 % of
organisations said their Always Event "definitely" improved experience, 41 % "to some extent";
52 % said it influenced co-production "a great deal" or "to some extent").

Regenerate with ``python -m aeeval.datasets data/examples`` (or ``make examples``); a test checks
that the committed files are exactly what the generator writes.
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

import numpy as np

from .paths import EXAMPLE_EXTRA, EXAMPLE_FILES, EXAMPLES

__all__ = ["generate_examples", "example_path", "EXAMPLE_FILES", "SEED"]

SEED = 20150401

SETTINGS = [
    "Maternity",
    "Children's services",
    "Learning disability",
    "Mental health",
    "Outpatients",
    "Acute inpatient wards",
    "Community nursing",
]
REGIONS = [
    "London",
    "South East",
    "South West",
    "East of England",
    "Midlands",
    "North West",
    "North East and Yorkshire",
]
ORG_TYPE_BY_SETTING = {
    "Maternity": "Acute trust",
    "Children's services": "Acute trust",
    "Learning disability": "Mental health trust",
    "Mental health": "Mental health trust",
    "Outpatients": "Acute trust",
    "Acute inpatient wards": "Acute trust",
    "Community nursing": "Community trust",
}
COHORT_START = {1: "2016-01-11", 2: "2017-01-16", 3: "2018-01-15", 4: "2019-01-14"}
COHORT_SIZE = {1: 30, 2: 35, 3: 30, 4: 30}  # 125 organisations

FIRST = [
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Eleanor",
    "Femi",
    "Grace",
    "Harpreet",
    "Isla",
    "Jamal",
    "Kate",
    "Liam",
    "Maya",
    "Niall",
    "Olu",
    "Priya",
    "Rhys",
    "Sian",
    "Tom",
    "Uzma",
    "Wei",
    "Zara",
]
LAST = [
    "Ahmed",
    "Baker",
    "Clarke",
    "Davies",
    "Evans",
    "Fraser",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "Owen",
    "Patel",
    "Quinn",
    "Roberts",
    "Shah",
    "Taylor",
]

# How real exports spell each answer (survey tools, hand-typed spreadsheets, Excel autocorrect).
SPELLINGS = {
    "Yes, definitely": [
        "Yes, definitely",
        "Yes – definitely",
        "yes, definitely ",
        "Definitely",
        "YES - DEFINITELY",
        "Yes—definitely",
        "Yes definitely",
    ],
    "Yes, to some extent": [
        "Yes, to some extent",
        "Yes – to some extent",
        "yes, to some extent ",
        "To some extent",
        "Yes - to some extent",
        "yes,to some extent",
    ],
    "No": ["No", "no", "No "],
    "Don't know": ["Don't know", "Don’t know", "Dont know", "don't know", "Not sure"],
    "A great deal": ["A great deal", "a great deal", "Great deal", "A Great Deal "],
    "To some extent": [
        "To some extent",
        "to some extent",
        "Yes – to some extent",
        "To Some Extent",
    ],
    "Very little": ["Very little", "very little", "Very Little "],
    "Not at all": ["Not at all", "not at all", "Not At All"],
}
HELPED = [
    "Senior support",
    "National training",
    "Patient voice",
    "Protected time",
    "Prior engagement work",
]
HELPED_SPELLINGS = {
    "Senior support": ["Senior support", "Senior leadership support"],
    "National training": ["National training", "National training and support"],
    "Patient voice": ["Patient voice", "The patient voice"],
    "Protected time": ["Protected time", "Protected staff time"],
    "Prior engagement work": ["Prior engagement work", "What matters to you"],
}

# Interview coding frame: the published Picker themes.
THEMES = {
    "Challenges": {
        "protected_time": ("Protected time and flexibility in staff workload", 9),
        "staff_engagement": ("Staff engagement", 7),
    },
    "What helps": {
        "prior_engagement": ('Prior engagement work ("What matters to you?")', 6),
        "patient_voice": ("The power of the patient voice", 10),
        "communication": ("Communication", 7),
        "national_support": ("National training and support", 8),
        "senior_support": ("Senior-level support and visibility", 8),
        "qi_strategy": ("Inclusion in QI strategies", 4),
        "oversight_group": ("Oversight group reporting to executives", 3),
        "staff_forums": ("Links into existing staff forums", 4),
    },
    "Key learnings": {
        "culture_readiness": ("Organisational culture and readiness", 6),
        "training": ("Staff training in co-production and QI tools", 5),
        "operational_efficiency": ("Evidence of operational efficiencies", 3),
        "senior_accountability": ("Senior accountability", 5),
    },
}
QUOTES = {
    "protected_time": [
        "We never had protected time, it was all done on top of the day job.",
        "Releasing staff from the ward for the co-design sessions was the hardest part.",
    ],
    "staff_engagement": [
        "Getting the night staff involved took months.",
        "Some colleagues saw it as one more initiative from above.",
    ],
    "prior_engagement": [
        "Because we had already done What matters to you, patients trusted us.",
        "The earlier listening events gave us a head start.",
    ],
    "patient_voice": [
        "When a mother told her story in the room, everything changed.",
        "Hearing it from patients convinced the consultants in a way data never did.",
    ],
    "communication": [
        "We put the event on every huddle board and talked about it weekly.",
        "A simple newsletter kept everyone in the loop.",
    ],
    "national_support": [
        "The national learning sessions gave us the tools and the confidence.",
        "Having the coaching calls kept us on track.",
    ],
    "senior_support": [
        "Our chief nurse came to the first session and that mattered.",
        "Executive visibility opened doors for us.",
    ],
    "qi_strategy": [
        "We wrote it into the trust quality improvement strategy.",
        "It became part of our QI programme rather than a side project.",
    ],
    "oversight_group": [
        "The steering group reported to the executive board every quarter.",
        "Our oversight group kept momentum when people moved on.",
    ],
    "staff_forums": [
        "We used the existing nursing forum rather than inventing a new meeting.",
        "Linking it to the staff council helped spread the word.",
    ],
    "culture_readiness": [
        "You need a culture that is ready to hear uncomfortable things.",
        "The ward was ready because of the work that came before.",
    ],
    "training": [
        "Everyone should be trained in co-production before they start.",
        "PDSA training made the measurement part much easier.",
    ],
    "operational_efficiency": [
        "Fewer complaints meant less time spent on responses.",
        "Discharge got quicker once the checklist was agreed with families.",
    ],
    "senior_accountability": [
        "Someone senior has to own it or it drifts.",
        "Accountability at board level made it stick.",
    ],
}
# A few quotes carry identifiers, as real transcripts do: redaction must catch them.
IDENTIFIER_QUOTES = [
    "Ask {name} on 020 7946 0018 or {email}, she ran the sessions.",
    "One patient, NHS number 943 476 5919, gave us permission to share his story.",
    "We met at the hub in LS1 4AP every month with {name}.",
]
# team: (measure, share 'always' before, after, month of the change, the team's care setting)
MEASURES = {
    "Maternity unit A": ("Partner welcome to stay", 0.62, 0.83, 14, "Maternity"),
    "Ward 7 (older people)": ("Introduced by name", 0.71, 0.90, 12, "Acute inpatient wards"),
    "Children's outpatients": ("Asked what matters to you", 0.55, 0.78, 18, "Children's services"),
    "Learning disability team": (
        "Care plan shared in easy read",
        0.48,
        0.74,
        20,
        "Learning disability",
    ),
    "District nursing north": ("Told who to call", 0.80, 0.82, 36, "Community nursing"),
}


def _csv_text(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _name(rng: np.random.Generator) -> str:
    return f"{FIRST[rng.integers(len(FIRST))]} {LAST[rng.integers(len(LAST))]}"


def _register(rng):
    rows, n = [], 0
    for cohort, size in COHORT_SIZE.items():
        for _ in range(size):
            n += 1
            setting = SETTINGS[(n * 3 + cohort) % len(SETTINGS)]
            region = REGIONS[rng.integers(len(REGIONS))]
            code = f"Z{chr(65 + (n - 1) // 99)}{(n - 1) % 99 + 1:02d}"
            start = np.datetime64(COHORT_START[cohort]) + np.timedelta64(
                int(rng.integers(0, 60)), "D"
            )
            rows.append(
                [
                    code,
                    f"Example {region} NHS Trust {n:03d}",
                    ORG_TYPE_BY_SETTING[setting],
                    region,
                    setting,
                    cohort,
                    str(start),
                    _name(rng),
                ]
            )
    return rows


def _survey(rng, register):
    """79 respondents whose whole-programme results round to the published Picker figures."""
    pick = np.sort(rng.choice(len(register), size=79, replace=False))
    improved = ["Yes, definitely"] * 44 + ["Yes, to some extent"] * 31 + ["Don't know"] * 3 + [""]
    influenced = (
        ["A great deal"] * 14
        + ["To some extent"] * 24
        + ["Very little"] * 23
        + ["Not at all"] * 12
        + ["Don't know"] * 5
        + [""]
    )
    improved = [improved[i] for i in rng.permutation(79)]
    influenced = [influenced[i] for i in rng.permutation(79)]
    roles = ["Patient experience lead", "Ward manager", "Head of nursing", "QI lead", "Matron"]
    rows = []
    for k, idx in enumerate(pick):
        org = register[idx]

        def spell(label):
            return "" if not label else SPELLINGS[label][rng.integers(len(SPELLINGS[label]))]

        chosen = [h for h in HELPED if rng.random() < 0.45]
        helped = "; ".join(HELPED_SPELLINGS[h][rng.integers(2)] for h in chosen) or (
            "None of these" if rng.random() < 0.5 else ""
        )
        comment = ""
        if rng.random() < 0.15:
            comment = (
                f"Happy to talk more: contact {org[7]} on 01632 960{int(rng.integers(1000)):03d}."
            )
        elif rng.random() < 0.3:
            comment = "The co-design sessions changed how the team works with families."
        completed = np.datetime64("2019-06-03") + np.timedelta64(int(rng.integers(0, 28)), "D")
        day = str(completed)
        completed_text = f"{day[8:10]}/{day[5:7]}/{day[0:4]}" if k % 3 == 0 else day
        rows.append(
            [
                f"R{100234 + k * 7}",
                org[0],
                completed_text,
                roles[rng.integers(len(roles))],
                spell(improved[k]),
                spell(influenced[k]),
                helped,
                comment,
            ]
        )
    return rows


def _interviews(rng, register):
    """12 interviews, each coded by two coders who mostly agree."""
    orgs = [register[i] for i in np.sort(rng.choice(len(register), size=12, replace=False))]
    present = {}
    for codes in THEMES.values():
        for code, (_, k) in codes.items():
            present[code] = set(rng.choice(12, size=k, replace=False).tolist())
    rows = []
    for i, org in enumerate(orgs):
        interview = f"INT{i + 1:02d}"
        offset = 0
        segments = []
        for theme, codes in THEMES.items():
            for code in codes:
                if i in present[code]:
                    text = QUOTES[code][rng.integers(2)]
                    if rng.random() < 0.12:
                        text = IDENTIFIER_QUOTES[rng.integers(len(IDENTIFIER_QUOTES))].format(
                            name=org[7], email=org[7].lower().replace(" ", ".") + "@nhs.net"
                        )
                    offset += int(rng.integers(40, 400))
                    segments.append((code, theme, text, offset, offset + len(text)))
                    offset += len(text)
        for coder in ("Coder A", "Coder B"):
            for code, theme, text, start, end in segments:
                # Coder B misses about one segment in eight; both sometimes add a near-miss code.
                if coder == "Coder B" and rng.random() < 0.12:
                    continue
                rows.append([interview, org[0], coder, code, theme, text, start, end])
            if rng.random() < 0.25:
                theme, codes = list(THEMES.items())[rng.integers(3)]
                code = list(codes)[rng.integers(len(codes))]
                if i not in present[code]:
                    text = QUOTES[code][0]
                    rows.append(
                        [
                            interview,
                            org[0],
                            coder,
                            code,
                            theme,
                            text,
                            offset + 10,
                            offset + 10 + len(text),
                        ]
                    )
    return rows


def _staff_survey(rng, register):
    """About 230 trusts x 2015-2024: q22c to 2020, the flagged successor item after."""
    trusts = [r[0] for r in register] + [
        f"Y{chr(65 + i // 99)}{i % 99 + 1:02d}" for i in range(105)
    ]
    joined = {r[0]: int(r[6][:4]) for r in register}
    items = {y: "q22c" for y in range(2015, 2021)}
    items.update({2021: "q21b", 2022: "q23b", 2023: "q25b", 2024: "q25b"})
    rows = []
    for code in trusts:
        level = rng.normal(0.35, 0.35)  # trust's log-odds of agreeing
        size = int(
            rng.choice(
                [rng.integers(6, 40), rng.integers(200, 900), rng.integers(900, 3500)],
                p=[0.03, 0.57, 0.40],
            )
        )
        for year, item in items.items():
            if year >= 2021:
                logit = level - 0.25 + 0.02 * (year - 2021)  # a different question, another level
            else:
                logit = level + 0.04 * (year - 2015)
                # the effect the example carries, from the first survey whose fieldwork follows
                # joining: every example trust joined in January-March, before that autumn's survey
                if code in joined and year >= joined[code]:
                    logit += 0.12
            base = max(1, int(size * rng.uniform(0.85, 1.15)))
            p = 1 / (1 + np.exp(-(logit + rng.normal(0, 0.05))))
            positive = int(rng.binomial(base, p))
            rows.append([code, year, item, positive, "", base])
    return rows


def _measures(rng, register):
    """Monthly measures; each team belongs to the first organisation of its setting in cohort
    1, 2, 3 … in turn, so that every cohort's report has measures to show."""
    rows = []
    months = np.arange(np.datetime64("2017-04"), np.datetime64("2020-04"))
    cohorts = sorted({r[5] for r in register})
    for i, (team, (measure, before, after, change_at, setting)) in enumerate(MEASURES.items()):
        cohort = cohorts[i % len(cohorts)]
        org = next(r[0] for r in register if r[4] == setting and r[5] == cohort)
        for k, month in enumerate(months):
            p = before if k < change_at else after
            denominator = int(rng.integers(18, 45))
            numerator = int(rng.binomial(denominator, p))
            rows.append([team, org, measure, f"{month}-01", numerator, denominator])
    return rows


#: A count of events for the c and u charts (notebook 04): falls a month on one ward, with the
#: occupied bed days as the denominator; the mean drops from 7 to 2.5 falls a month from month 18
#: (October 2018).
EVENT_COUNTS = ("Ward 7 (older people)", "Inpatient falls", 7.0, 2.5, 18)


def _event_counts(rng, measures):
    """Monthly falls and occupied bed days, in the measures schema (numerator, denominator)."""
    team, measure, before, after, change_at = EVENT_COUNTS
    org = next(r[1] for r in measures if r[0] == team)
    months = np.arange(np.datetime64("2017-04"), np.datetime64("2020-04"))
    rows = []
    for k, month in enumerate(months):
        falls = int(rng.poisson(before if k < change_at else after))
        bed_days = int(rng.integers(780, 900))
        rows.append([team, org, measure, f"{month}-01", falls, bed_days])
    return rows


def generate_examples(
    outdir: str | Path, seed: int = SEED, *, qi_outdir: str | Path | None = None
) -> dict[str, Path]:
    """Write the synthetic example data set into ``outdir``; return the paths written.

    ``outdir`` has no default: the bundled copy (:data:`aeeval.paths.EXAMPLES`) is inside the
    installed package, which a user's run must never write into. The quality-improvement series
    that are not Always Event measures (:data:`aeeval.paths.EXAMPLE_EXTRA`) go into ``qi_outdir``
    (the bundled :data:`aeeval.paths.QI_EXAMPLES`), or into ``outdir/qi-examples`` without it: an
    evaluation folder holds one measures file.

    The survey export is written as UTF-8 with a byte-order mark (as survey tools export it);
    the others as plain UTF-8 with CRLF line ends (as Excel saves CSV).
    """
    rng = np.random.default_rng(seed)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    register = _register(rng)
    tables = {
        "register": (
            [
                "org_code",
                "org_name",
                "org_type",
                "region",
                "setting",
                "cohort",
                "start_date",
                "contact_name",
            ],
            register,
            "utf-8",
        ),
        "survey": (
            [
                "response_id",
                "org_code",
                "completed",
                "respondent_role",
                "improved_experience",
                "influenced_coproduction",
                "what_helped",
                "comments",
            ],
            _survey(rng, register),
            "utf-8-sig",
        ),
        "interview_segments": (
            ["interview", "org_code", "coder", "code", "theme", "text", "start", "end"],
            _interviews(rng, register),
            "utf-8",
        ),
        "staff_survey": (
            ["org_code", "year", "item", "positive", "estimate", "base"],
            _staff_survey(rng, register),
            "utf-8",
        ),
        "measures": (
            ["team", "org_code", "measure", "period", "numerator", "denominator"],
            measures := _measures(rng, register),
            "utf-8",
        ),
    }
    # drawn after every other table, so that adding it changed none of them
    tables["event_counts"] = (tables["measures"][0], _event_counts(rng, measures), "utf-8")
    qi_outdir = Path(qi_outdir) if qi_outdir is not None else outdir / "qi-examples"
    qi_outdir.mkdir(parents=True, exist_ok=True)
    written = {}
    for key, (header, rows, encoding) in tables.items():
        path = (
            outdir / EXAMPLE_FILES[key]
            if key in EXAMPLE_FILES
            else qi_outdir / EXAMPLE_EXTRA[key][0]
        )
        path.write_bytes(_csv_text(header, rows).encode(encoding))
        written[key] = path
    return written


def example_path(name: str) -> Path:
    """Path of a bundled example table by schema name (e.g. ``"survey"``)."""
    try:
        return EXAMPLES / EXAMPLE_FILES[name]
    except KeyError:
        raise KeyError(
            f"no example table '{name}'; choose one of {', '.join(EXAMPLE_FILES)}"
        ) from None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write aeeval's synthetic example data.")
    parser.add_argument(
        "outdir",
        help="folder to write the example tables into (in a source "
        "checkout, data/examples regenerates the bundled ones)",
    )
    parser.add_argument(
        "--qi-outdir",
        help="folder for the quality-improvement series that are not Always Event measures "
        "(default: OUTDIR/qi-examples; in a source checkout, data/qi-examples)",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    for path in generate_examples(args.outdir, args.seed, qi_outdir=args.qi_outdir).values():
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
