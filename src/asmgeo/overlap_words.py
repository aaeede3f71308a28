"""The words of a licence overlap: each licence as a party, when two licences were valid together,
and one sentence per pair (:mod:`asmgeo.overlaps` finds and classes the pairs; this module words them).

The functions take arrays and return a text per element: a national cadastre has hundreds of
thousands of pairs, so each template is looked up once and each text is one format.
"""

from __future__ import annotations

import numpy as np

from asmgeo.i18n import current, t, templates, word
from asmgeo.labels import code_words
from asmgeo.validity import NEVER, unknown_text


def sentence(text: str) -> str:
    """``text`` with its first letter capitalised, to open a sentence."""
    return sentences([text])[0]


def sentences(texts) -> list[str]:
    """:func:`sentence` of each text (one list comprehension: this runs once per licence in a pair)."""
    return [text[:1].upper() + text[1:] for text in texts]


def party(licence: str, holder: object, ltype: str, period: str) -> str:
    """'licence L (holder, type, validity)'."""
    return parties([licence], [holder], [ltype], [period])[0]


def parties(licences, holders, types, periods) -> list[str]:
    """:func:`party` for each licence: the words looked up once, each type worded once (this runs
    once per licence in a pair of a national cadastre)."""
    template, unknown = templates("licence {licence} ({holder}, {type}, {period})", "holder unknown")
    kinds = {lt: code_words(lt) for lt in set(types)}
    holders = [h if isinstance(h, str) and h else unknown for h in holders]
    if current() == "en":  # at national scale: one f-string per licence (the template above, written out)
        return [f"licence {lid} ({h}, {kinds[lt]}, {p})" for lid, h, lt, p in zip(licences, holders, types, periods)]
    return [template.format(licence=lid, holder=h, type=kinds[lt], period=p)
            for lid, h, lt, p in zip(licences, holders, types, periods)]


def when_clauses(conflict: np.ndarray, since: np.ndarray, until: np.ndarray, a: dict, b: dict) -> np.ndarray:
    """What the two validities say of each pair's conflict, by its class (see
    :func:`asmgeo.overlaps.pair_classes`): since and until when both were valid, why it cannot be
    told, or who applied first.

    ``a`` and ``b`` hold per-pair arrays of each side: ``id``, ``unknown_reason``, ``state`` and
    ``valid_from`` (ISO text, :data:`asmgeo.validity.NEVER` when not given)."""
    n = len(conflict)
    when = np.full(n, word("their validity periods never overlapped, a historic overlap"), dtype=object)
    since_text, together, until_text, past_text, unknown_date = templates(
        "both valid since {date}", "both valid at the same time", " until {date}",
        "both were valid from {start} to {end}, a past conflict", "an unknown date")
    live = np.flatnonzero(conflict == "live")
    when[live] = [(since_text.format(date=s) if s else together) + (until_text.format(date=u) if u else "")
                  for s, u in zip(since[live], until[live])]
    past = np.flatnonzero(conflict == "past")
    when[past] = [past_text.format(start=s or unknown_date, end=u) for s, u in zip(since[past], until[past])]
    when[conflict == "dormant"] = word("one of them is suspended or revoked: the conflict revives if it is reinstated")
    cannot_tell, granted, granted_unknown, applied_for, not_applied, both_pending, priority = templates(
        "whether both were valid at the same time cannot be told ({why}), an undetermined conflict: check "
        "the licence record", "granted {date}", "granted (date unknown)", "applied for {date}",
        "no application date given",
        "two pending applications claim the same ground: a first-come-first-served priority question",
        "{pending} is a pending application ({applied}) over {other} ({first}, {state}): a "
        "first-come-first-served priority question")
    why_words: dict[str, str] = {}  # each reason worded once
    for k in np.flatnonzero(conflict == "undetermined"):
        parts = [f"{side['id'][k]}: {why_words.get(why) or why_words.setdefault(why, unknown_text(why))}"
                 for side in (a, b) if (why := side["unknown_reason"][k])]
        when[k] = cannot_tell.format(why="; ".join(parts))
    for k in np.flatnonzero(conflict == "priority"):
        pending, other = (a, b) if a["state"][k] == "pending" else (b, a)
        if other["state"][k] == "pending":
            when[k] = both_pending
            continue
        first = granted.format(date=other["valid_from"][k]) if other["valid_from"][k] != NEVER else granted_unknown
        applied = (applied_for.format(date=pending["valid_from"][k]) if pending["valid_from"][k] != NEVER
                   else not_applied)
        when[k] = priority.format(pending=pending["id"][k], applied=applied, other=other["id"][k], first=first,
                                  state=code_words(other["state"][k]))
    return when


def pair_sentences(opening: np.ndarray, party_b: np.ndarray, area_ha, share_a, share_b, ids_a: np.ndarray,
                   ids_b: np.ndarray, when: np.ndarray, relation: np.ndarray, same_holder: np.ndarray) -> np.ndarray:
    """One sentence per pair: licence a as a party (capitalised), licence b, the overlap's area and
    shares, :func:`when_clauses`, whether one lies inside the other and whether they share a holder."""
    inside = np.full(len(when), "", dtype=object)
    (lies_inside,) = templates("; {inner} lies entirely inside {outer}")
    for kind, outer, inner in (("a_inside_b", ids_b, ids_a), ("b_inside_a", ids_a, ids_b)):
        at = np.flatnonzero(relation == kind)
        inside[at] = [lies_inside.format(inner=x, outer=y) for x, y in zip(inner[at], outer[at])]
    inside[relation == "identical"] = word("; the two outlines coincide")
    same = np.where(same_holder, word(" (same holder)"), "")
    columns = (opening, party_b, area_ha, share_b, ids_b, share_a, ids_a, when, inside, same)
    if current() != "en":
        return np.array([t("{a} overlaps {b} by {area:.2f} ha: {share_b:.2f}% of {licence_b}, {share_a:.2f}% of "
                           "{licence_a}; {when}{inside}{same}.", a=pa, b=pb, area=float(ha), share_b=float(sb),
                           licence_b=lb, share_a=float(sa), licence_a=la, when=w, inside=ins, same=sh)
                         for pa, pb, ha, sb, lb, sa, la, w, ins, sh in zip(*(np.asarray(c).tolist() for c in columns))],
                        dtype=object)
    # English, at national scale: one f-string per pair (the template above, written out)
    return np.array([f"{pa} overlaps {pb} by {ha:.2f} ha: {sb:.2f}% of {lb}, {sa:.2f}% of {la}; {w}{ins}{sh}."
                     for pa, pb, ha, sb, lb, sa, la, w, ins, sh in zip(*(np.asarray(c).tolist() for c in columns))],
                    dtype=object)
