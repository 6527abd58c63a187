"""The printable page of a decision receipt, Thai first with English beside it."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from domain.receipts import LABELS, Receipt

STYLE = (
    "body{font-family:'Sarabun','Noto Sans Thai',sans-serif;margin:2em;max-width:48em}"
    "th{text-align:left;vertical-align:top;padding-right:1em}"
    "code{font-size:.85em;word-break:break-all}"
)


def render(receipt: Receipt) -> str:
    rows = [
        _row("action", receipt.action),
        _row("decided_by", receipt.decided_by),
        _row("on_behalf_of", receipt.on_behalf_of or "-"),
        _row("at", receipt.at),
        _row("agreement_id", receipt.agreement_id or "-"),
        _row("decided_on", _pairs(receipt.decided_on)),
        _row("outcome", _pairs(receipt.outcome)),
        _row("seq", str(receipt.seq)),
        _row("entry_hash", receipt.entry_hash),
        _row("tree_size", str(receipt.tree_size)),
        _row("root_hash", receipt.root_hash),
    ]
    proof = "<br>".join(f"<code>{escape(node)}</code>" for node in receipt.inclusion)
    note = escape(receipt.checkpoint or "รอจุดตรวจถัดไป / awaiting the next checkpoint")
    return (
        '<!doctype html><html lang="th"><head><meta charset="utf-8">'
        f"<title>ใบรับรองการตัดสิน {receipt.seq} / Decision receipt</title>"
        f"<style>{STYLE}</style></head><body>"
        "<h1>ใบรับรองการตัดสิน <small>Decision receipt</small></h1>"
        f"<table>{''.join(rows)}</table>"
        "<h2>หลักฐานการอยู่ในบันทึก <small>Inclusion proof (RFC 9162)</small></h2>"
        f"<p>{proof or '-'}</p>"
        "<h2>จุดตรวจที่ลงนาม <small>Signed checkpoint</small></h2>"
        f"<pre>{note}</pre></body></html>"
    )


def _row(key: str, value: str) -> str:
    thai, english = LABELS[key]
    return f"<tr><th>{thai}<br><small>{english}</small></th><td>{escape(value)}</td></tr>"


def _pairs(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in values.items()) or "-"
