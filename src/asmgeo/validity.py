"""When is a licence valid? One answer for every stage (overlaps, licensing, forest, candidates).

DESIGN.md section 3: a licence is valid on a date when it is not revoked, suspended or pending,
was granted on or before it and expires on or after it. **Unknown is not valid**:

* status wins over missing dates: an ``expired`` licence without an expiry date is expired on
  the run date, and its validity before then is undetermined;
* a date that is present but unreadable (ingest's ``date_problems``) makes the licence's
  validity undetermined (state ``dates_unknown``), never open-ended;
* a genuinely absent expiry is open-ended only when the status says ``active``; with no status
  either, validity is undetermined.

Dates are ISO text; open interval ends are sentinels that compare correctly as text.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from asmgeo.distinct import per_distinct
from asmgeo.i18n import t, templates, word
from asmgeo.parse import is_missing
from asmgeo.schema import DATE_PROBLEMS

NEVER, ALWAYS = "0001-01-01", "9999-12-31"
# why a licence's validity cannot be told, besides the date problems found at ingest (worded by unknown_text)
NO_EXPIRY_REASON = "status expired but no expiry date given"
NO_STATUS_REASON = "no status and no expiry date given"
FIXED_STATES = ("pending", "suspended", "revoked", "invalid_dates")
# states in which a licence may hold ground (not legalising anything yet when not valid)
UNKNOWN = "dates_unknown"


def _text_or(default: str, width: int | None = None):
    """The text of a value, ``default`` where it is missing or not text, cut to ``width``."""
    return lambda v: (v if isinstance(v, str) and v else default)[:width]


def licence_validity(concessions: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per licence: validity interval, its state on ``as_of``, and why it is undetermined.

    Columns: valid_from, valid_to (ISO text, open ends as sentinels), state (valid, expired,
    not_yet_valid, pending, suspended, revoked, invalid_dates, dates_unknown), status,
    unknown_reason (empty unless the validity cannot be told), expired_by (for a licence whose
    status says expired without a usable expiry date: the date from which it is known expired),
    open_ended (active with no expiry date given).
    """
    return pd.DataFrame(validity_arrays(concessions, as_of), index=concessions.index)


def validity_arrays(concessions: pd.DataFrame, as_of: dt.date) -> dict[str, np.ndarray]:
    """:func:`licence_validity` as numpy arrays by column name (no table built: for the steps that
    work on arrays, like the overlaps of a national cadastre)."""
    from asmgeo.io import dates_as_text

    concessions = dates_as_text(concessions)  # a layer read with geopandas holds datetimes
    # each distinct value looked at once: a national cadastre repeats its dates and statuses
    start = per_distinct(_text_or(NEVER, 10), concessions["granted_on"])
    expires = per_distinct(_text_or(""), concessions["expires_on"])
    end = per_distinct(_text_or(ALWAYS, 10), concessions["expires_on"])
    status = per_distinct(_text_or("unknown"), concessions["status"])
    problems = (per_distinct(_text_or(""), concessions[DATE_PROBLEMS]) if DATE_PROBLEMS in concessions.columns
                else np.full(len(concessions), "", dtype=object))
    day = as_of.isoformat()
    no_expiry = expires == ""
    reason = problems.copy()
    expired_status = status == "expired"
    lapsed_unknown = expired_status & (no_expiry | (end >= day)) & (reason == "")
    reason[lapsed_unknown & no_expiry] = NO_EXPIRY_REASON
    for k in np.flatnonzero(lapsed_unknown & ~no_expiry):
        reason[k] = f"status expired although expires_on {end[k]} is not before the run date {day}"
    unknown_status = (status == "unknown") & no_expiry & (reason == "")
    reason[unknown_status] = NO_STATUS_REASON
    unknown = reason != ""
    expired_by = np.full(len(reason), "", dtype=object)
    expired_by[expired_status & unknown] = day
    names = np.array(["pending", "suspended", "revoked", "invalid_dates", "expired", "not_yet_valid", UNKNOWN, "valid",
                      "expired", "not_yet_valid"], dtype=object)
    state = names[np.select(
        [status == "pending", status == "suspended", status == "revoked", ~unknown & (end < start),
         unknown & expired_status, unknown & (day < start), unknown,
         (start <= day) & (day <= end), end < day], range(9), default=9)]
    if not len(state):  # an empty layer's table keeps the column types it always had
        text = np.array([], dtype="U1")
        return {"valid_from": text, "valid_to": text, "state": text, "status": np.array([]), "unknown_reason": text,
                "expired_by": text, "open_ended": np.array([], dtype=bool)}
    return {"valid_from": start, "valid_to": end, "state": state, "status": status, "unknown_reason": reason,
            "expired_by": expired_by, "open_ended": (status == "active") & no_expiry & ~unknown}


STATES = np.array(["valid", "expired", "not_yet_valid", "pending", "suspended", "revoked", "invalid_dates", UNKNOWN],
                  dtype=object)
_CODE = {name: k for k, name in enumerate(STATES)}
_LAST_DAY = np.iinfo(np.int64).max


def day_numbers(days) -> np.ndarray:
    """ISO dates (text) as day numbers since 1970 (int64); each distinct text is parsed once.

    Raises ValueError for a text that is not an ISO date."""
    values = np.asarray(days)
    if values.dtype.kind in "iu":
        return values.astype(np.int64)
    if len(values) == 0:
        return np.array([], dtype=np.int64)
    codes, uniques = pd.factorize(values.astype(object))
    return np.asarray(uniques, dtype="U10").astype("datetime64[D]").astype(np.int64)[codes]


def state_codes(validity: pd.DataFrame, lic_idx: np.ndarray, days) -> np.ndarray:
    """:func:`state_on` as codes into :data:`STATES` (int8), with ``days`` as ISO text or day numbers.

    Integer comparisons on per-licence day numbers: for a million site-licence pairs this is
    milliseconds, where comparing ISO texts pair by pair took seconds."""
    start = day_numbers(validity["valid_from"].to_numpy(dtype=object))
    end = day_numbers(validity["valid_to"].to_numpy(dtype=object))
    expired_text = validity["expired_by"].to_numpy(dtype=object)
    has_expired_by = expired_text != ""
    expired_by = np.full(len(validity), _LAST_DAY, dtype=np.int64)
    if has_expired_by.any():
        expired_by[has_expired_by] = day_numbers(expired_text[has_expired_by])
    base = np.array([_CODE.get(s, -1) for s in validity["state"].to_numpy(dtype=object)], dtype=np.int8)
    fixed = np.isin(base, [_CODE[s] for s in FIXED_STATES])
    unknown = validity["unknown_reason"].to_numpy(dtype=object) != ""
    lic_idx = np.asarray(lic_idx, dtype=np.intp)
    day = day_numbers(days)
    start, end, expired_by = start[lic_idx], end[lic_idx], expired_by[lic_idx]
    before, after = day < start, day > end
    dated = np.where(before, _CODE["not_yet_valid"], np.where(after, _CODE["expired"], _CODE["valid"]))
    undetermined = np.where(before, _CODE["not_yet_valid"], np.where(day >= expired_by, _CODE["expired"], _CODE[UNKNOWN]))
    return np.where(fixed[lic_idx], base[lic_idx], np.where(unknown[lic_idx], undetermined, dated)).astype(np.int8)


def state_on(validity: pd.DataFrame, lic_idx: np.ndarray, days: np.ndarray) -> np.ndarray:
    """State of licence ``lic_idx[k]`` on date ``days[k]`` (ISO text or day numbers), in the
    vocabulary of :func:`licence_validity`."""
    try:
        return STATES[state_codes(validity, lic_idx, days)]
    except ValueError:  # a date that is not ISO text: compare as text, as ISO dates do
        return _state_on_text(validity, np.asarray(lic_idx, dtype=np.intp), np.asarray(days, dtype="U10"))


def _state_on_text(validity: pd.DataFrame, lic_idx: np.ndarray, days: np.ndarray) -> np.ndarray:
    base = validity["state"].to_numpy(dtype=object)[lic_idx]
    start = validity["valid_from"].to_numpy(dtype="U10")[lic_idx]
    end = validity["valid_to"].to_numpy(dtype="U10")[lic_idx]
    unknown = validity["unknown_reason"].to_numpy(dtype=object)[lic_idx] != ""
    expired_by = validity["expired_by"].to_numpy(dtype=object)[lic_idx]
    dated = np.where(days < start, "not_yet_valid", np.where(days > end, "expired", "valid"))
    known_expired = (expired_by != "") & (days >= expired_by.astype("U10"))
    undetermined = np.where(days < start, "not_yet_valid", np.where(known_expired, "expired", UNKNOWN))
    return np.where(np.isin(base, FIXED_STATES), base, np.where(unknown, undetermined, dated)).astype(object)


def valid_on(validity: pd.DataFrame, day: pd.Series | str) -> pd.Series:
    """True where a licence is known valid on ``day`` (ISO text, scalar or per row)."""
    usable = ~validity["state"].isin(FIXED_STATES) & (validity["unknown_reason"] == "")
    return usable & (validity["valid_from"] <= day) & (day <= validity["valid_to"])


def valid_during(validity: pd.DataFrame, lic_idx: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Licence ``lic_idx[k]`` was known valid at some time in [starts[k], ends[k]] (ISO text)."""
    fixed = validity["state"].isin(FIXED_STATES).to_numpy()[lic_idx]
    unknown = validity["unknown_reason"].to_numpy(dtype=object)[lic_idx] != ""
    return (~fixed & ~unknown & (validity.valid_from.to_numpy(dtype="U10")[lic_idx] <= ends)
            & (validity.valid_to.to_numpy(dtype="U10")[lic_idx] >= starts))


def period_text(row) -> str:
    """One line on a licence's validity, for reasons and popups (``row`` of licence_validity)."""
    return period_texts([row])[0]


_PERIOD_FIELDS = ("state", "valid_from", "valid_to", "unknown_reason", "expired_by", "status")


def period_texts(validity) -> np.ndarray:
    """:func:`period_text` of each row of ``validity`` (a frame from :func:`licence_validity`, its
    :func:`validity_arrays`, or rows), as an object array: the words looked up once and each
    distinct validity worded once (this runs once per licence of a national cadastre, where many
    licences share their dates)."""
    if isinstance(validity, (pd.DataFrame, dict)):
        columns = [validity[c] for c in _PERIOD_FIELDS]
    else:
        rows = list(validity)
        columns = [[getattr(row, c) for row in rows] for c in _PERIOD_FIELDS]
    words = templates(
        "pending application of {date}", "pending application", "{state}, granted {date}",
        "inconsistent dates: granted {start}, expires {end}", "expired on the run date, validity undetermined: {why}",
        "validity undetermined: {why}", "{start} to {end}", "status unknown, dated {period}", "valid {period}",
        "suspended", "revoked",
        # a period missing one or both of its dates is worded whole, so each language keeps its grammar
        "valid from {start}, with no expiry date given (taken as open-ended)", "valid from an unknown date to {end}",
        "valid, with no grant or expiry date given (taken as open-ended)",
        "status unknown, dated from {start}, with no expiry date given", "status unknown, dated from an unknown date to {end}",
        "status unknown, with no dates given")
    return per_distinct(lambda *fields: _period_words(*fields, words=words), *columns)


def _period_words(state, valid_from, valid_to, unknown_reason, expired_by, status, words) -> str:
    (pending_of, pending, granted, inconsistent, expired_unknown, unknown, span, status_unknown, valid, suspended,
     revoked, *partial) = words
    start = "" if valid_from == NEVER else valid_from
    end = "" if valid_to == ALWAYS else valid_to
    if state == "pending":
        return pending_of.format(date=start) if start else pending
    if state in ("suspended", "revoked"):
        said = suspended if state == "suspended" else revoked
        return granted.format(state=said, date=start) if start else said
    if state == "invalid_dates":
        return inconsistent.format(start=start, end=end)
    if unknown_reason:
        return (expired_unknown if expired_by else unknown).format(why=unknown_text(unknown_reason))
    if start and end:
        return (status_unknown if status == "unknown" else valid).format(period=span.format(start=start, end=end))
    # (from start, open-ended), (to end, from an unknown date), (neither date): valid, then status unknown
    which = 0 if start else (1 if end else 2)
    return partial[which + (3 if status == "unknown" else 0)].format(start=start, end=end)


def dates_text(start, end) -> str:
    """A licence's recorded grant and expiry dates in words, a missing one (None, NaN, empty) said."""
    start, end = ("" if is_missing(v) else v for v in (start, end))
    if start and end:
        return t("{start} to {end}", start=start, end=end)
    if start:
        return t("from {start}, no expiry date given", start=start)
    if end:
        return t("to {end}, no grant date given", end=end)
    return word("no dates given")


def unknown_text(reason: str) -> str:
    """Why a licence's validity cannot be told, in the run's language (the date problems found at
    ingest keep the words they were recorded with, like the rest of the input checks)."""
    match = _EXPIRED_NOT_BEFORE.fullmatch(reason)
    if match:
        return t("status expired although expires_on {end} is not before the run date {day}", end=match[1], day=match[2])
    return word(reason) if reason in (NO_EXPIRY_REASON, NO_STATUS_REASON) else reason


_EXPIRED_NOT_BEFORE = re.compile(r"status expired although expires_on (\S+) is not before the run date (\S+)")
