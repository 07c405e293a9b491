"""Pieces of the review page: page image with boxes, recognised lines, the ID editor and the
named-field inputs with live validation (saved together), region re-OCR. Each action is one
ocr_core call."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from ocr_core import doctypes, files, overlay, redact
from ocr_core.record import corrections, decisions, pages, view
from ocr_core.errors import EncryptedPDFError, OCRError
from ocr_core.intake import process_upload
from ocr_core.auth import Identity
from ocr_core.models import ID_TYPES
from ocr_core.privacy import MASKED_TYPES, mask_id, mask_text

from . import state
from .canvas import canvas_rect
from .pages_view import line_text

LEGEND = ("Boxes: :green[■ confidence ≥ 0.90] · :orange[■ 0.75–0.90] · :red[■ < 0.75] · "
          ":blue[▢ valid ID] · :violet[▢ invalid ID]")


@st.cache_data(max_entries=16, ttl=900, show_spinner=False)
def _page_png(file_hash: str, page_no: int, show: bool, version: int, _result) -> bytes:
    """The page with Aadhaar/VID masked on the image, its boxes drawn over it."""
    page = next(p for p in _result.pages if p.number == page_no)
    img = overlay.draw_overlay(redact.masked_page(_result, page_no), page, _result.ids, show_lines=show,
                               show_ids=show)
    return redact.png(img)


def unlock_form(engine: str, lang: str) -> None:
    """Password-protected PDFs (e-Aadhaar) wait here for their password; it is used once, in memory."""
    locked: dict[str, bytes] = st.session_state["locked"]
    with st.form("unlock_form", clear_on_submit=True):
        name = st.selectbox("Password-protected PDF", list(locked), key="unlock_pick")
        pw = st.text_input("Its password", type="password", key="unlock_password",
                           help="e-Aadhaar: the first four letters of the name in capitals and the year of birth")
        go = st.form_submit_button("Open", icon=":material/lock_open:")
    if not (go and name):
        return
    try:
        res = process_upload(locked[name], name, engine=engine, lang=lang, source_label="ui", password=pw,
                             case=st.session_state.get("review_case"))  # the case typed beside the uploader
    except EncryptedPDFError as e:
        st.error(f"{name}: {e}")
        return
    except OCRError as e:
        locked.pop(name, None)
        st.error(f"{name}: {e}")
        return
    locked.pop(name, None)
    if res.file_hash not in st.session_state["queue"]:
        st.session_state["queue"].append(res.file_hash)
    state.open_doc(res.file_hash)
    state.flash("success", f"Opened {name}.")
    st.rerun()


def page_view(v: view.View) -> int:
    """The page image with its boxes; returns the page number shown."""
    res = v.result
    c1, c2 = st.columns([1, 1])
    show = c1.toggle("Show boxes", value=True, key="show_boxes")
    page_no = 1
    if len(res.pages) > 1:
        page_no = c2.selectbox("Page", [p.number for p in res.pages], key=f"page_{res.file_hash[:12]}",
                               format_func=lambda n: f"Page {n} of {len(res.pages)}")
    try:
        png = _page_png(res.file_hash, page_no, show, v.n_corrections, res)
    except LookupError as e:
        st.error(str(e))
        return page_no
    page = next(p for p in res.pages if p.number == page_no)
    st.image(png, caption=f"{res.filename} · page {page_no} · {len(page.lines)} lines"
             + (f" · turned {page.rotation}°" if page.rotation else "") + " · Aadhaar/VID masked on the image",
             width="stretch")
    st.caption(LEGEND)
    d1, d2 = st.columns([1, 1])
    d1.download_button("Masked copy (PDF)", icon=":material/picture_as_pdf:", key="dl_masked_pdf",
                       data=lambda: redact.masked_pdf(res), file_name=f"{res.filename.rsplit('.', 1)[0]}-masked.pdf",
                       mime="application/pdf", width="stretch")
    who = state.identity()
    kept = files.get(res.file_hash) is not None  # STORE_ORIGINALS=false keeps only the masked copy: nothing to show
    if d2.button("Show original (audited)", key="btn_unmask_image", icon=":material/visibility:",
                 disabled=who is None or not decisions.may_unmask(who) or not kept, width="stretch",
                 help="admins and names in UNMASK_ALLOWED; every view is in the audit trail" if kept else
                 "no original is kept (STORE_ORIGINALS=false): only the masked copy exists"):
        try:
            st.image(redact.png(pages.unmask_page(res.file_hash, page_no, who)),
                     caption="original page, unmasked (this view is in the audit trail)", width="stretch")
        except (PermissionError, LookupError, ValueError) as e:
            st.error(str(e))
    return page_no


def qr_panel(v: view.View) -> None:
    """The Aadhaar QR: its data, the signature status, the photo, where it disagrees with the print."""
    qr = v.result.aadhaar_qr
    if not qr:
        return
    st.markdown("#### Aadhaar QR")
    if qr.get("kind") == "xml":
        st.warning("Old XML QR code (not signed; holds the full number, so it is masked on the image).")
        return
    status = qr.get("signature")
    badge = {"verified": ":green-badge[signature verified]", "failed": ":red-badge[signature FAILED]"}.get(
        status, ":gray-badge[no certificate: signature not checked (set AADHAAR_QR_CERT)]")
    st.markdown(f"Secure QR {qr.get('version')} on page {qr.get('page')} · {badge}")
    c1, c2 = st.columns([1, 4])
    if qr.get("photo_png"):
        import base64

        c1.image(base64.b64decode(qr["photo_png"]), caption="photo in the QR", width=110)
    else:
        c1.caption(qr.get("photo_note") or "no photo")
    f = dict(qr.get("fields") or {})
    f["reference_id"] = f"{f.get('reference_id', '')[:4]}…"  # last 4 digits + timestamp
    c2.dataframe(pd.DataFrame([{"field": k, "value": val} for k, val in f.items() if val]), hide_index=True,
                 key="qr_fields", height=220)
    for d in qr.get("disagreements") or []:
        st.error(f"QR and printed text disagree on {d['field']}: QR {d['qr']!r}, printed {d['printed']!r}",
                 icon=":material/report:")


def lines_table(v: view.View, page_no: int) -> None:
    page = next(p for p in v.result.pages if p.number == page_no)
    order = st.radio("Sort lines", ["Reading order", "Lowest confidence first"], horizontal=True,
                     key="line_sort")
    rows = [{"text": line_text(ln), "confidence": round(ln.confidence, 3),
             "band": overlay.band(ln.confidence)} for ln in page.lines]
    if order.startswith("Lowest"):
        rows.sort(key=lambda r: r["confidence"])
    st.dataframe(pd.DataFrame(rows, columns=["text", "confidence", "band"]), hide_index=True, key="lines_table",
                 column_config={"confidence": st.column_config.ProgressColumn(
                     "confidence", min_value=0.0, max_value=1.0, format="%.3f")}, height=320)


def _clean(x: Any) -> Any:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def editor_key(file_hash: str, version: int) -> str:
    return f"ids_editor_{file_hash[:12]}_{version}"


def field_key(file_hash: str, version: int, key: str) -> str:
    """The widget key of a named field's input (one per document version, like the ID editor's)."""
    return f"field_{file_hash[:12]}_{version}_{key}"


def _has_edits(file_hash: str, version: int) -> bool:
    """Unsaved edits in the ID editor or a field input rendered from this version."""
    ss = st.session_state
    edits = ss.get(editor_key(file_hash, version)) or {}
    if any(edits.get(k) for k in ("edited_rows", "added_rows", "deleted_rows")):
        return True
    prefix = field_key(file_hash, version, "")
    return any(k in ss and ss[k] != shown for k, shown in ss["fields_shown"].items() if k.startswith(prefix))


def editor_base(v: view.View) -> view.View:
    """The version of the document the ID editor shows: the current one, unless the operator has
    unsaved edits made on an older one (another operator saved meanwhile); then that older one,
    so the edits stay on the rows they were made on and the save applies only them."""
    fh = v.result.file_hash
    pins = st.session_state["editor_seen"]
    seen = pins.get(fh)
    if seen is not None and seen != v.version and _has_edits(fh, seen):
        base = view.view(fh, as_of=seen)
        if base is not None:
            return base
    pins[fh] = v.version
    return v


@dataclass
class Edits:
    """What the operator changed in the ID editor and the field inputs, not yet saved."""
    base: view.View  # the version the editors show
    rows: list[dict[str, Any]] = field(default_factory=list)  # the ID editor's rows
    fields: dict[str, str] = field(default_factory=dict)  # field key -> the text in its input
    changes: int = 0
    invalid: int = 0


def id_editor(v: view.View, who: Identity) -> Edits:
    """Detected IDs in st.data_editor; each changed row is validated as it is typed. Returns the
    edits, saved with the field inputs' by `save_box` (with the version the editor was shown, so
    another operator's concurrent changes are kept)."""
    fh = v.result.file_hash
    base = editor_base(v)
    if base.version != v.version:
        st.info(f"Another operator saved {v.n_corrections - base.n_corrections} change(s) to these IDs or fields "
                "while you were editing. Saving stores only your own changes and keeps theirs.",
                icon=":material/group:")
    revealed = {k: val for (h, k), val in st.session_state["revealed"].items() if h == fh}
    rows = view.id_rows(base, revealed)
    df = pd.DataFrame(rows, columns=["key", "type", "value", "valid", "confidence", "reason", "origin", "page"])
    df["confidence"] = ["—" if c is None or pd.isna(c) else f"{c:.3f}" for c in df["confidence"]]  # never "None"
    # a dynamic editor cannot be given new values without losing the edits, so its valid/reason
    # columns are the saved check; the live check of every row as typed is the table below it
    edited = st.data_editor(
        df, key=editor_key(fh, base.version), num_rows="dynamic", hide_index=True, width="stretch",
        column_order=["type", "value", "valid", "confidence", "reason", "origin"],
        column_config={
            "type": st.column_config.SelectboxColumn("type", options=list(ID_TYPES), required=True, width=130),
            "value": st.column_config.TextColumn("value", required=True, width=220,
                                                 help="Edit to correct; Aadhaar/VID stay masked unless unmasked"),
            "valid": st.column_config.CheckboxColumn("saved valid", disabled=True,
                                                     help="as saved; the live check is below"),
            "confidence": st.column_config.TextColumn("OCR confidence", disabled=True,
                                                      help="— for a value an operator typed or edited"),
            "reason": st.column_config.TextColumn("reason (when invalid)", disabled=True),
            "origin": st.column_config.TextColumn("origin", disabled=True),
        })
    out: list[dict[str, Any]] = []
    live: list[dict[str, Any]] = []
    changes = invalid_changes = 0
    for r in edited.to_dict("records"):
        row = {"key": _clean(r.get("key")), "type": _clean(r.get("type")) or "", "value": _clean(r.get("value")) or "",
               "page": _clean(r.get("page")) or 1}
        out.append(row)
        if not row["key"] and not str(row["value"]).strip():
            continue
        chk = view.check_row(base, row["key"], row["type"], str(row["value"]))
        shown = mask_id(chk["type"], chk["value"]) if chk["type"] in MASKED_TYPES and chk["valid"] else (
            str(row["value"]) if chk["type"] in MASKED_TYPES else chk["value"])
        live.append({"type": chk["type"], "value": mask_text(shown) if chk["type"] in MASKED_TYPES else shown,
                     "valid": bool(chk["valid"]), "reason": chk["reason"] or "",
                     "change": "edited" if chk["changed"] and row["key"] else "new" if chk["changed"] else ""})
        if not chk["changed"]:
            continue
        changes += 1
        if chk["valid"]:
            st.success(f"{chk['type']} {shown}: valid", icon=":material/check_circle:")
        else:
            invalid_changes += 1
            st.error(f"{chk['type'] or 'ID'} {mask_text(shown)}: {chk['reason']}", icon=":material/error:")
    if live:
        st.dataframe(pd.DataFrame(live, columns=["type", "value", "valid", "reason", "change"]), hide_index=True,
                     width="stretch", key=f"ids_check_{fh[:12]}",
                     column_config={"valid": st.column_config.CheckboxColumn("valid (live)"),
                                    "reason": st.column_config.TextColumn("reason (when invalid)")})
    kept = {r["key"] for r in out if r["key"]}
    removed = [k for k in base.keys if k not in kept]
    if removed:
        changes += len(removed)
        st.warning(f"{len(removed)} ID(s) will be removed when you save.")
    return Edits(base=base, rows=out, changes=changes, invalid=invalid_changes)


FIELD_LABELS = doctypes.FIELD_LABELS  # each key's label, from the document types' field specs


def field_label(key: str) -> str:
    return FIELD_LABELS.get(key, key.replace("_", " ").capitalize())


def _field_status(r: dict[str, Any]) -> str:
    """The caption under an unchanged input: where the value comes from and its check."""
    if not r["found"]:
        return "not found on the document"
    where = {"edited": "corrected by an operator", "added": "added by an operator"}.get(
        r["origin"], f"read ({r['source']})" + (f" · confidence {r['confidence']:.2f}" if r["confidence"] is not None
                                                else ""))
    return where + (" · valid" if r["valid"] else f" · :red[not valid: {r['reason']}]")


def field_editor(edits: Edits) -> Edits:
    """One text input per named field of the document's type (explicit widget keys, one set per
    version shown), each checked as it is typed (`view.check_field`): the normalised value or
    the reason under it. An emptied input removes the field, a filled empty one adds it."""
    base = edits.base
    fh = base.result.file_hash
    rows = view.field_rows(base)
    if not rows:
        st.caption(f"No named fields for a {base.result.document_type} document.")
        return edits
    shown = st.session_state["fields_shown"]
    now = field_key(fh, base.version, "")
    for k in [k for k in shown if k.startswith(f"field_{fh[:12]}_") and not k.startswith(now)]:
        del shown[k]  # inputs of versions no longer shown
    cols = st.columns(2)
    for i, r in enumerate(rows):
        wkey = field_key(fh, base.version, r["key"])
        shown[wkey] = r["value"]
        if wkey not in st.session_state:
            st.session_state[wkey] = r["value"]
        label = field_label(r["key"])
        with cols[i % 2]:
            text = st.text_input(label, key=wkey, max_chars=500,
                                 help=f"`{r['key']}`: empty it to remove the field; dates as DD/MM/YYYY or YYYY-MM-DD")
            edits.fields[r["key"]] = text
            chk = view.check_field(base, r["key"], text)
            if not chk["changed"]:
                st.caption(_field_status(r))
            elif chk["remove"]:
                edits.changes += 1
                st.warning(f"{label} will be removed when you save.", icon=":material/delete:")
            elif chk["valid"]:
                edits.changes += 1
                st.success(f"{label}: {mask_text(chk['value'])} · valid", icon=":material/check_circle:")
            else:
                edits.changes += 1
                edits.invalid += 1
                st.error(f"{label}: {chk['reason']}", icon=":material/error:")
    return edits


def save_box(v: view.View, who: Identity, edits: Edits) -> None:
    """The reason and the one Save for the ID editor's and the field inputs' changes: one core
    call (`corrections.save_corrections`), one transaction, against the version they were shown."""
    fh = v.result.file_hash
    c1, c2 = st.columns([3, 1])
    reason = c1.text_input("Reason for the correction (optional)", key=f"corr_reason_{fh[:12]}")  # one per document
    c2.write("")
    may = state.can("correct")
    if edits.invalid:
        st.caption(":red[Correct or remove the invalid value to save: only valid values are stored.]")
    decided = v.row.get("review_status")
    if decided in decisions.DECIDED and may and edits.changes:
        st.caption(f":orange[This document is {decided}: saving a change sends it back to needs review.]")
    if c2.button("Save corrections", key="btn_save", icon=":material/save:",
                 disabled=not (may and edits.changes) or bool(edits.invalid), type="primary"):
        try:
            ids = corrections.save_corrections(fh, edits.rows, who, reason, seen=edits.base.version,
                                               fields=edits.fields)
        except (ValueError, LookupError, PermissionError) as e:
            st.error(str(e))
        else:
            st.session_state["editor_seen"].pop(fh, None)
            state.flash("success", f"Saved {len(ids)} correction(s).{reopened_note(v, ids)}")
            st.rerun()


def reopened_note(v: view.View, written: list[int] | int | None) -> str:
    """What the desk adds to a save's message when it sent a decided document back to review."""
    was = v.row.get("review_status")
    return f" The document was {was}: it needs review again." if written and was in decisions.DECIDED else ""


def unmask_box(v: view.View, who: Identity) -> None:
    fh = v.result.file_hash
    revealed = {k: val for (h, k), val in st.session_state["revealed"].items() if h == fh}
    masked = [(k, d) for k, d in zip(v.keys, v.result.ids) if d.type in MASKED_TYPES and k not in revealed]
    if revealed:
        st.warning(f"{len(revealed)} number(s) shown unmasked (logged in the audit trail).", icon=":material/visibility:")
        if st.button("Mask again", key="btn_remask"):
            st.session_state["revealed"] = {hk: x for hk, x in st.session_state["revealed"].items() if hk[0] != fh}
            st.rerun()
    if not masked:
        return
    may = decisions.may_unmask(who)
    c1, c2, c3 = st.columns([2, 2, 1])
    key = c1.selectbox("Unmask a number (audited)", [k for k, _ in masked], key="unmask_pick",
                       format_func=lambda k: f"{v.id_by_key(k).type} {v.id_by_key(k).display}")
    why = c2.text_input("Reason to unmask", key="unmask_reason", placeholder="required, kept in the audit trail",
                        disabled=not may)
    c3.write("")
    if c3.button("Unmask", key="btn_unmask", icon=":material/visibility:", disabled=not may):
        try:
            st.session_state["revealed"][(fh, key)] = decisions.unmask(fh, key, who, why)
        except (PermissionError, LookupError, ValueError) as e:
            st.error(str(e))
        else:
            st.rerun()
    if not may:
        st.caption("Unmask needs the admin role (or your name in UNMASK_ALLOWED); you are "
                   f"{who.role}.")


def region_reocr(v: view.View, page_no: int, who: Identity, engine: str, lang: str) -> None:
    """Draw a rectangle on the page; only that crop is OCR'd; its IDs can be added."""
    from streamlit_drawable_canvas import st_canvas

    res = v.result
    page = next(p for p in res.pages if p.number == page_no)
    try:
        img = redact.masked_page(res, page_no)  # the canvas shows the masked page too
    except LookupError as e:
        st.error(str(e))
        return
    cw = min(800, img.width)
    scale = img.width / cw
    ch = round(img.height / scale)
    canvas = st_canvas(background_image=img.resize((cw, ch)), drawing_mode="rect", stroke_width=2,
                       stroke_color="#2563eb", fill_color="rgba(37,99,235,0.15)", width=cw, height=ch,
                       key=f"canvas_{res.file_hash[:12]}_{page_no}")
    rect = canvas_rect(canvas.json_data, scale)
    if rect is None:
        st.caption("Draw a rectangle around the text to read again.")
        return
    may = state.can("correct")
    if st.button("Read this region", key="btn_region", icon=":material/crop:", disabled=not may):
        try:
            region = corrections.read_region(res.file_hash, page_no, rect, who, engine=engine, lang=lang)
        except (ValueError, LookupError, PermissionError) as e:
            st.error(str(e))
            return
        st.session_state["region"] = (res.file_hash, region)
    found = st.session_state.get("region")
    if not found or found[0] != res.file_hash:
        return
    region = found[1]
    st.write("Text in the region: " + (" · ".join(mask_text(ln.text) for ln in region.lines) or "(none)"))
    for i, d in enumerate(region.ids):
        if view.listed(v, d.type, d.value):
            st.caption(f"{d.type} {d.display}: already listed")
            continue
        if not d.valid:
            st.caption(f"{d.type} {d.display}: not valid ({d.reason}); correct it in the table instead")
            continue
        if st.button(f"Add {d.type} {d.display}", key=f"btn_add_region_{i}", disabled=not may):
            try:
                cid = corrections.add_id(res.file_hash, d.type, d.value, who, page=page_no, box=d.box,
                                    reason="region re-OCR", origin="region", confidence=d.confidence)
            except (ValueError, LookupError, PermissionError) as e:
                st.error(str(e))
                return
            st.session_state["region"] = None
            state.flash("success", f"Added {d.type} from the region.{reopened_note(v, cid)}")
            st.rerun()
