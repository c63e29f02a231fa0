"""The generator's world: agencies, courts, which system each Sheriff's Office runs, instruments, code maps.

This is generator configuration only. The warehouse keeps its own reference data (seeds); nothing here is read
by a dbt model (R-SRC-1: the OMS/JMS split is reference data, never hard-coded in model logic).

Simulated values are *canonical* (for example the admission type ``"parole_violation"``). Each system writes
them with its own code (``SYSTEM_CODES``); ``check_code_maps`` fails loudly if a mapped code is not in the
system's code set of the landing contract.
"""

from __future__ import annotations

from dataclasses import dataclass

from crosstrack.contract import Contract

GENERATOR_VERSION = "1.0.0"

WINDOW_START = "2010-01-01"  # first year of extracts (legacy records)
SIMULATION_START = "1998-01-01"  # careers start here so that 2010 opens with people already in custody
IMS_MIGRATION_DATE = "2012-01-01"  # IMS records created before it use legacy numeric race codes
CSST_9_ITEM_DATE = "2019-01-01"  # R-RISK-2: ORAS-CSST 4 items before the 2019 change, 9 after
BRISTOL_ASSESSMENT_START = "2026-01-01"  # Bristol delivers no electronic assessments before 2026


# R-CHG-5: what the Trial Court records when a probation is revoked. The violation itself (its rate, and
# whether it is revoked) is simulated with the supervision (lifecourse.LifeCourseParams: probation_violation_rate,
# new_offense_revocation); here, the later disposition entered on the original charge at the violation hearing
# that commits the person, by the community disposition it ends.
REVOCATION_CODES: dict[str, str] = {
    "PRB": "PRV",  # probation revoked, sentence imposed
    "SUS": "SSI",  # suspended sentence imposed after a violation
    "CWF": "CWV",  # continuance without a finding violated: guilty finding entered, sentence imposed
    "HOC": "PRV",  # probation after a house of correction term (split sentence) revoked
    "DOC": "PRV",  # probation after a state prison term (from and after) revoked
}
REVOCATION_SENTENCE = "HOC"
"""A revoked probationer is committed to the county house of correction (the Sheriff who supervised the probation
holds the violator), so the sentence imposed on revocation is a house of correction term."""
REVOCATION_SENTENCE_MEDIAN_DAYS = 240.0
"""Median house of correction term imposed on revocation (days, before good time); a suspended sentence is imposed
as suspended. Clipped to 30..912 days (the house of correction maximum of two and a half years)."""


@dataclass(frozen=True)
class SheriffOffice:
    """A Sheriff's Office: its county, the system it runs, its instrument, and its relative size."""

    county: str
    system: str  # "oms" | "jms"
    site_code: str  # code in that system's site/agency code set
    instrument: str | None  # canonical instrument: lsirsv | oras | orapit | lscmi | None
    size: float  # relative volume of arrests in the county


# R-SRC-1, R-RISK-1. Which office runs which system is generator configuration (the warehouse has a seed).
SHERIFFS: tuple[SheriffOffice, ...] = (
    SheriffOffice("Barnstable", "oms", "BAR", "lsirsv", 4.0),
    SheriffOffice("Berkshire", "jms", "BERK", "lsirsv", 2.2),
    SheriffOffice("Bristol", "oms", "BRI", None, 9.0),
    SheriffOffice("Dukes", "jms", "DUKE", "lsirsv", 0.35),
    SheriffOffice("Essex", "oms", "ESS", "oras", 11.0),
    SheriffOffice("Franklin", "jms", "FRNK", "lsirsv", 1.2),
    SheriffOffice("Hampden", "jms", "HAMD", "lsirsv", 11.0),
    SheriffOffice("Hampshire", "oms", "HMS", "lscmi", 2.0),
    SheriffOffice("Middlesex", "oms", "MID", "orapit", 14.0),
    SheriffOffice("Norfolk", "jms", "NORF", "lsirsv", 7.0),
    SheriffOffice("Plymouth", "oms", "PLY", "lsirsv", 8.0),
    SheriffOffice("Suffolk", "jms", "SUFF", "lsirsv", 14.0),
    SheriffOffice("Worcester", "oms", "WOR", "lsirsv", 12.0),
)
SHERIFF_INDEX = {s.county: i for i, s in enumerate(SHERIFFS)}
# Agency numbers used in the simulation: 0 is DOC, 1..13 the Sheriffs' Offices in SHERIFFS order.
DOC = 0


@dataclass(frozen=True)
class Court:
    code: str  # court_code as MassCourts writes it
    number: int  # two-digit court number inside the docket number
    county: str  # county of the court; its defendants are held by that county's Sheriff (Nantucket: Barnstable)
    superior: bool
    weight: float  # share of the county's district-court filings


COURTS: tuple[Court, ...] = (
    Court("BMC-CENTRAL", 1, "Suffolk", False, 3.0),
    Court("BMC-DORCHESTER", 7, "Suffolk", False, 2.0),
    Court("BMC-ROXBURY", 2, "Suffolk", False, 2.0),
    Court("CHELSEA-DC", 14, "Suffolk", False, 1.0),
    Court("SUFFOLK-SC", 84, "Suffolk", True, 1.0),
    Court("CAMBRIDGE-DC", 52, "Middlesex", False, 2.0),
    Court("LOWELL-DC", 11, "Middlesex", False, 2.5),
    Court("FRAMINGHAM-DC", 49, "Middlesex", False, 1.5),
    Court("WOBURN-DC", 53, "Middlesex", False, 1.5),
    Court("MIDDLESEX-SC", 81, "Middlesex", True, 1.0),
    Court("WORCESTER-DC", 62, "Worcester", False, 3.0),
    Court("FITCHBURG-DC", 16, "Worcester", False, 1.0),
    Court("DUDLEY-DC", 64, "Worcester", False, 1.0),
    Court("WORCESTER-SC", 85, "Worcester", True, 1.0),
    Court("SPRINGFIELD-DC", 23, "Hampden", False, 3.0),
    Court("HOLYOKE-DC", 17, "Hampden", False, 1.0),
    Court("HAMPDEN-SC", 79, "Hampden", True, 1.0),
    Court("LAWRENCE-DC", 18, "Essex", False, 2.0),
    Court("LYNN-DC", 13, "Essex", False, 2.0),
    Court("SALEM-DC", 36, "Essex", False, 1.0),
    Court("ESSEX-SC", 77, "Essex", True, 1.0),
    Court("NEW-BEDFORD-DC", 33, "Bristol", False, 2.0),
    Court("FALL-RIVER-DC", 32, "Bristol", False, 2.0),
    Court("BRISTOL-SC", 73, "Bristol", True, 1.0),
    Court("BROCKTON-DC", 15, "Plymouth", False, 2.5),
    Court("PLYMOUTH-DC", 59, "Plymouth", False, 1.0),
    Court("PLYMOUTH-SC", 83, "Plymouth", True, 1.0),
    Court("QUINCY-DC", 56, "Norfolk", False, 2.0),
    Court("DEDHAM-DC", 54, "Norfolk", False, 1.0),
    Court("NORFOLK-SC", 82, "Norfolk", True, 1.0),
    Court("BARNSTABLE-DC", 25, "Barnstable", False, 2.0),
    Court("BARNSTABLE-SC", 72, "Barnstable", True, 1.0),
    Court("NANTUCKET-DC", 88, "Nantucket", False, 1.0),
    Court("NANTUCKET-SC", 75, "Nantucket", True, 1.0),
    Court("PITTSFIELD-DC", 26, "Berkshire", False, 1.0),
    Court("BERKSHIRE-SC", 76, "Berkshire", True, 1.0),
    Court("EDGARTOWN-DC", 89, "Dukes", False, 1.0),
    Court("DUKES-SC", 74, "Dukes", True, 1.0),
    Court("GREENFIELD-DC", 41, "Franklin", False, 1.0),
    Court("FRANKLIN-SC", 78, "Franklin", True, 1.0),
    Court("NORTHAMPTON-DC", 45, "Hampshire", False, 1.0),
    Court("HAMPSHIRE-SC", 80, "Hampshire", True, 1.0),
)

# Relative arrest volume by county (Nantucket's people are held by Barnstable: R-SRC-1).
COUNTY_SIZES: dict[str, float] = {s.county: s.size for s in SHERIFFS} | {"Nantucket": 0.25}


def holding_sheriff(county: str) -> str:
    """The Sheriff's Office holding a court's defendants: Nantucket has no jail (R-SRC-1)."""
    return "Barnstable" if county == "Nantucket" else county


DOC_FACILITIES: dict[str, tuple[str, ...]] = {
    "MAX": ("SBCC", "MCI-CJ"),
    "MED": ("MCI-NORFOLK", "MCI-SHIRLEY", "MCI-CONCORD", "NCCI-GARDNER", "OCCC", "MTC", "BSH"),
    "MIN": ("MCI-SHIRLEY-MIN", "NECC", "OCCC-MIN", "MCI-FRAMINGHAM-MIN"),
    "PRE": ("BOSTON-PRE", "PONDVILLE", "SMCC"),
}
DOC_FEMALE_FACILITY = "MCI-FRAMINGHAM"

# Canonical value -> code per system. None: the system has no such value (the simulation never asks for it).
SYSTEM_CODES: dict[str, dict[str, dict[str, str]]] = {
    "admission_type": {
        "ims": {
            "new_commitment": "NCM",
            "parole_violation": "PVR",
            "parole_detainer": "PVD",
            "probation_violation": "PRV",
            "transfer_from_county": "TRI",
            "transfer_in": "TRJ",
            "escape_return": "ESR",
            "court_readmit": "CRR",
            "held_for_other_dept": "HFD",
            "civil": "CVL",
            "federal": "FED",
            "interstate": "ISC",
            "other": "OTH",
        },
        "oms": {
            "arrest": "ARREST",
            "new_commitment": "COMMIT",
            "held_pending_arraignment": "HPA",
            "held_pretrial": "PRETRIAL",
            "held_for_other_dept": "HOLDDEPT",
            "hpd_bail": "HPDB",
            "hpd_no_bail": "HPDNB",
            "court_readmit": "CRTRET",
            "escape_return": "ESCRET",
            "parole_violation": "PAROLEV",
            "parole_detainer": "PV15",
            "probation_violation": "PROBV",
            "transfer_in": "TRANSIN",
            "safe_keep": "SAFEKEEP",
            "civil": "CIVIL",
            "federal": "FEDERAL",
            "other": "OTHER",
        },
        "jms": {
            "arrest": "ARR",
            "new_commitment": "SEN",
            "held_pending_arraignment": "HPA",
            "held_pretrial": "HPT",
            "held_for_other_dept": "HAD",
            "hpd_bail": "HPDB",
            "hpd_no_bail": "HPDN",
            "court_readmit": "CRR",
            "escape_return": "ESR",
            "parole_violation": "PVL",
            "parole_detainer": "PVD",
            "probation_violation": "PBV",
            "transfer_in": "TRJ",
            "safe_keep": "SFK",
            "civil": "CIV",
            "federal": "FED",
            "other": "OTH",
        },
    },
    "release_type": {
        "ims": {
            "parole": "PAR",
            "probation": "PRB",
            "expired": "EOS",
            "court": "CRT",
            "time_served": "TSV",
            "to_other_agency": "TRO",
            "to_county": "TRC",
            "deceased": "DEC",
            "escape": "ESC",
            "home": "HOM",
            "remain": "RMI",
            "other": "OTH",
        },
        "oms": {
            "bail": "BAIL",
            "pr": "PR",
            "court": "COURT",
            "time_served": "TIMESERV",
            "parole": "PAROLE",
            "probation": "PROB",
            "expired": "EXPIRE",
            "supervised": "SUPV",
            "home": "HOMECONF",
            "to_doc": "TRANSDOC",
            "to_other_agency": "TRANSOUT",
            "deceased": "DEATH",
            "escape": "ESCAPE",
            "other": "OTHER",
        },
        "jms": {
            "bail": "BAL",
            "pr": "PRR",
            "court": "CRT",
            "time_served": "TSV",
            "parole": "PAR",
            "probation": "PRB",
            "expired": "WOS",
            "supervised": "RWS",
            "home": "HCF",
            "to_doc": "TDC",
            "to_other_agency": "TCJ",
            "deceased": "DEC",
            "escape": "ESC",
            "remain": "RMI",
            "other": "OTH",
        },
    },
    "offender_status": {
        "ims": {"PRE": "PRE", "SEN": "SEN", "PV": "PV", "CIV": "CIV", "FED": "FED", "ISC": "ISC"},
        "oms": {"PRE": "PRE", "SEN": "SEN", "PV": "SEN", "SK": "SK", "FED": "FED", "ISC": "ISC", "CIV": "CIV"},
        "jms": {"PRE": "PT", "SEN": "SN", "PV": "SN", "SK": "SK", "FED": "FD", "ISC": "IC", "CIV": "CC"},
    },
    "facility_type": {
        "oms": {"JAIL": "JAIL", "HOC": "HOC"},
        "jms": {"JAIL": "J", "HOC": "H"},
    },
    "sex": {
        "ims": {"M": "M", "F": "F", "U": "U"},
        "oms": {"M": "M", "F": "F", "U": "U"},
        "jms": {"M": "1", "F": "2", "U": "9"},
        "masscourts": {"M": "M", "F": "F", "U": "U"},
        "parole": {"M": "M", "F": "F", "U": "U"},
        "probation": {"M": "M", "F": "F", "U": "U"},
    },
    # True race (UCR) -> recorded race; "HISP" is the person's race as entered where Hispanic is a race.
    "race": {
        "ims": {"A": "A", "B": "B", "I": "I", "P": "P", "W": "W", "UN": "UN", "MR": "MR", "HISP": "UN"},
        "ims_legacy": {"A": "3", "B": "2", "I": "4", "P": "3", "W": "1", "UN": "9", "MR": "8", "HISP": "8"},
        "oms": {"A": "A", "B": "B", "I": "I", "P": "P", "W": "W", "UN": "U", "MR": "M", "HISP": "H"},
        "jms": {"A": "ASN", "B": "BLK", "I": "AIN", "P": "PIS", "W": "WHT", "UN": "UNK", "MR": "MUL", "HISP": "HIS"},
        "masscourts": {"A": "A", "B": "B", "I": "I", "P": "P", "W": "W", "UN": "UN", "MR": "UN", "HISP": "UN"},
        "parole": {"A": "A", "B": "B", "I": "I", "P": "P", "W": "W", "UN": "UN", "MR": "UN", "HISP": "UN"},
        "probation": {"A": "A", "B": "B", "I": "I", "P": "P", "W": "W", "UN": "UN", "MR": "UN", "HISP": "UN"},
    },
    "ethnicity": {
        "ims": {"H": "H", "N": "N", "U": "U"},
        "oms": {"H": "HIS", "N": "NHI", "U": "UNK"},
        "jms": {"H": "1", "N": "2", "U": "9"},
        "parole": {"H": "H", "N": "N", "U": "U"},
        "probation": {"H": "H", "N": "N", "U": "U"},
    },
    "self_report": {
        "ims": {"Y": "Y", "N": "N", "R": "R", "X": "X"},
        "oms": {"Y": "YES", "N": "NO", "R": "REFUSED", "X": "UNKNOWN"},
        "jms": {"Y": "Y", "N": "N", "R": "D", "X": "U"},
    },
}

# Which contract code set each canonical map writes into, per system (for check_code_maps).
CODE_SET_OF: dict[str, dict[str, str]] = {
    "admission_type": {"ims": "admission_type", "oms": "booking_reason", "jms": "commit_reason"},
    "release_type": {"ims": "release_type", "oms": "release_reason", "jms": "release_reason"},
    "offender_status": {"ims": "offender_status", "oms": "custody_status", "jms": "status"},
    "facility_type": {"oms": "facility_type", "jms": "facility_type"},
    "sex": {s: "sex" for s in ("ims", "oms", "jms", "masscourts", "parole", "probation")},
    "race": {
        "ims": "race",
        "ims_legacy": "race",
        "oms": "race",
        "jms": "race",
        "masscourts": "race",
        "parole": "race",
        "probation": "race",
    },
    "ethnicity": {s: "ethnicity" for s in ("ims", "oms", "jms", "parole", "probation")},
    "self_report": {s: "self_report" for s in ("ims", "oms", "jms")},
}


def check_code_maps(contract: Contract) -> None:
    """Fail loudly if a code the generator writes is not in the contract's code set (or a site is unknown)."""
    for kind, per_system in SYSTEM_CODES.items():
        for system_key, mapping in per_system.items():
            system = contract.system(system_key.removesuffix("_legacy"))
            code_set = system.code_sets[CODE_SET_OF[kind][system_key]]
            bad = sorted(set(mapping.values()) - code_set.keys())
            if bad:
                raise ValueError(f"generator code map {kind}/{system_key} writes codes not in the contract: {bad}")
    for office in SHERIFFS:
        code_set_name = "site" if office.system == "oms" else "agency"
        if office.site_code not in contract.system(office.system).code_sets[code_set_name]:
            raise ValueError(f"{office.county}: site code {office.site_code} not in {office.system} {code_set_name}")


# ---- identity noise (crosstrack/generator/identity_noise.py, docs/generator.md "Identity noise") ------------------


@dataclass(frozen=True)
class IdentityNoiseRates:
    """Identity noise on person records, on top of the data-quality faults (faults.py). Record rates are per legacy
    record (MassCourts, IMS, OMS and JMS records created before 2018) and `recent_factor` times that on the others;
    person rates are shares of people. Every noisy record is logged in truth/identity_noise."""

    nickname: float = 0.0
    """First name delivered as a nickname or short form (William -> BILL; the nickname table)."""
    alias: float = 0.0
    """The person's alias (another first and last name) delivered as the main name."""
    compound_surname: float = 0.0
    """Last name delivered as a compound: hyphenated with a second surname, or the two joined."""
    married_name: float = 0.0
    """Women's records under a maiden or married last name (another surname of the person's)."""
    suffix: float = 0.0
    """A generational suffix (JR, SR, II, III) appended to the last name."""
    keyboard_typo: float = 0.0
    """One letter of the first or last name replaced by a neighbour on the keyboard."""
    phonetic_typo: float = 0.0
    """A sound-alike spelling in the first or last name (PH/F, C/K, Y/I, a doubled letter single, ...)."""
    birth_date_digit: float = 0.0
    """One digit of the birth date's day or month mistyped (the date stays a real date)."""
    birth_year_typo: float = 0.0
    """The birth year mistyped: one year or ten years off, or its last two digits transposed."""
    missing_birth_date: float = 0.0
    """No birth date."""
    transposed_sid: float = 0.0
    """Two adjacent digits of the SID transposed."""
    second_sid_person: float = 0.0
    """Share of people given a second SID in legacy data; half their legacy records carry it."""
    twin: float = 0.0
    """Share of people who get a twin: another person with the same last name and birth date."""
    look_alike: float = 0.0
    """Share of people who share first name, last name and birth date with another person."""
    recent_factor: float = 0.25
    """Record noise on records that are not legacy records, relative to the legacy rate."""


IDENTITY_PROFILES: dict[str, IdentityNoiseRates] = {
    # The default profile adds no identity noise beyond the data-quality faults: its output is unchanged.
    "default": IdentityNoiseRates(),
    # The hardest case: pre-2018 court and county records of a real legacy extract.
    "legacy": IdentityNoiseRates(
        nickname=0.04,
        alias=0.01,
        compound_surname=0.01,
        married_name=0.03,
        suffix=0.01,
        keyboard_typo=0.02,
        phonetic_typo=0.015,
        birth_date_digit=0.015,
        birth_year_typo=0.01,
        missing_birth_date=0.02,
        transposed_sid=0.01,
        second_sid_person=0.02,
        twin=0.004,
        look_alike=0.003,
    ),
}
