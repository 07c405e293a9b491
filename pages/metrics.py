"""Operator metrics: volume, errors, cache, latency, throughput, review and corrections."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from ocr_core import metrics
from ui import signin

signin.guard()

st.title("Metrics")
window = st.segmented_control("Throughput per", ["minute", "hour", "day"], default="hour", key="met_bucket")
s = metrics.summary()


def secs(v: float | None) -> str:
    return "–" if v is None else (f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s")


def dur(v: float | None) -> str:
    if v is None:
        return "–"
    h, rem = divmod(int(v), 3600)
    return f"{h} h {rem // 60} min" if h else f"{rem // 60} min {rem % 60} s"


c = st.columns(4)
c[0].metric("Requests", s["requests"])
c[1].metric("Errors", s["errors"], help="files refused or failed")
c[2].metric("Error rate", f"{s['error_rate']:.1%}")
c[3].metric("Cache hit rate", f"{s['cache_hit_rate']:.1%}")
c = st.columns(4)
c[0].metric("Latency p50", secs(s["latency_p50"]))
c[1].metric("Latency p95", secs(s["latency_p95"]))
c[2].metric("Mean time to review", dur(s["mean_time_to_review"]))
c[3].metric("Uptime", dur(s["uptime"]))

st.subheader("Throughput")
tp = metrics.throughput(bucket=window or "hour")
if tp.empty:
    st.info("Nothing processed yet.")
else:
    long = tp.melt("time", ["documents", "errors"], var_name="kind", value_name="count")
    st.altair_chart(alt.Chart(long).mark_bar().encode(x=alt.X("time:T"), y="count:Q", color="kind:N",
                                                       tooltip=["time:T", "kind", "count"]), width="stretch")

st.subheader("Latency per engine")
st.dataframe(metrics.latency_by_engine(), hide_index=True, width="stretch")

left, right = st.columns(2)
with left:
    st.subheader("Documents per type")
    st.bar_chart(pd.Series(s["documents_per_type"], name="documents", dtype="int64"), horizontal=True)
    st.subheader("Review status")
    st.dataframe(pd.DataFrame(list(s["review_status"].items()), columns=["status", "documents"]), hide_index=True)
with right:
    st.subheader("Corrections per change")
    st.dataframe(pd.DataFrame(list(s["corrections_per_field"].items()), columns=["change", "corrections"]),
                 hide_index=True)
    st.dataframe(pd.DataFrame(list(s["corrections_per_id_type"].items()), columns=["ID type", "corrections"]),
                 hide_index=True)
    st.subheader("Corrections per operator")
    st.dataframe(pd.DataFrame(list(s["corrections_per_operator"].items()), columns=["operator", "corrections"]),
                 hide_index=True)
st.subheader("Jobs")
st.dataframe(pd.DataFrame([s["jobs"]]) if s["jobs"] else pd.DataFrame(), hide_index=True)
st.subheader("Engines and models")
st.dataframe(metrics.engine_versions(), hide_index=True, width="stretch")
