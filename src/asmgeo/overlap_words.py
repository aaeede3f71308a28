"""The words of a licence overlap: each licence as a party, when two licences were valid together,
and one sentence per pair (:mod:`asmgeo.overlaps` finds and classes the pairs; this module words them).

The functions take arrays and return a text per element: a national cadastre has hundreds of
thousands of pairs, so each template is looked up once and each text is one format.
"""

from __future__ import annotations

import numpy as np

from asmgeo.distinct import per_distinct
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
    when[live] = per_distinct(lambda s, u: (since_text.format(date=s) if s else together)
                              + (until_text.format(date=u) if u else ""), since[live], until[live])
    past = np.flatnonzero(conflict == "past")
    when[past] = per_distinct(lambda s, u: past_text.format(start=s or unknown_date, end=u), since[past], until[past])
    when[conflict == "dormant"] = word("one of them is suspended or revoked: the conflict revives if it is reinstated")
    cannot_tell, granted, granted_unknown, applied_for, not_applied, both_pending, priority = templates(
        "whether both were valid at the same time cannot be told ({why}), an undetermined conflict: check "
        "the licence record", "granted {date}", "granted (date unknown)", "applied for {date}",
        "no application date given",
        "two pending applications claim the same ground: a first-come-first-served priority question",
        "{pending} is a pending application ({applied}) over {other} ({first}, {state}): a "
        "first-come-first-served priority question")
    undetermined = np.flatnonzero(conflict == "undetermined")
    if len(undetermined):
        # each side's 'id: why', for a side whose validity cannot be told (each reason worded once)
        told = [per_distinct(lambda lid, why: f"{lid}: {unknown_text(why)}" if why else "", side["id"][undetermined],
                             side["unknown_reason"][undetermined]) for side in (a, b)]
        when[undetermined] = [cannot_tell.format(why=f"{wa}; {wb}" if wa and wb else wa or wb) for wa, wb in zip(*told)]
    contested = np.flatnonzero(conflict == "priority")
    if len(contested):
        # the pending side, and the other (granted, or pending too)
        a_pending = a["state"][contested] == "pending"
        side = {name: (np.where(a_pending, a[name][contested], b[name][contested]),
                       np.where(a_pending, b[name][contested], a[name][contested])) for name in ("id", "state", "valid_from")}
        applied = per_distinct(lambda d: applied_for.format(date=d) if d != NEVER else not_applied, side["valid_from"][0])
        first = per_distinct(lambda d: granted.format(date=d) if d != NEVER else granted_unknown, side["valid_from"][1])
        state = per_distinct(code_words, side["state"][1])
        when[contested] = [both_pending if other_state == "pending" else
                           priority.format(pending=p, applied=ap, other=o, first=f, state=st)
                           for p, ap, o, f, st, other_state in zip(side["id"][0], applied, side["id"][1], first, state,
                                                                   side["state"][1])]
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
