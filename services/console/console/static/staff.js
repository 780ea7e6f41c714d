// The plan builder's live total: line subtotals and the plan total in fen (integers only,
// the renovation service's rounding), shown against the per-household cap. The server
// re-validates every save; this only informs while typing.
"use strict";
(() => {
  const QTY = /^\d{1,7}(\.\d{1,3})?$/;

  /** "2.5" -> 2500 milli-units; "" -> 0; invalid -> null */
  function milli(raw) {
    const text = (raw || "").trim();
    if (!text) return 0;
    if (!QTY.test(text)) return null;
    const [whole, frac = ""] = text.split(".");
    return Number(whole) * 1000 + Number((frac + "000").slice(0, 3));
  }

  /** 123456 -> "¥1,234.56" */
  function yuan(fen) {
    const sign = fen < 0 ? "-" : "";
    const abs = Math.abs(fen);
    const whole = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return `${sign}¥${whole}.${String(abs % 100).padStart(2, "0")}`;
  }

  function recompute(form) {
    const cap = Number(form.dataset.cap);
    let total = 0;
    let bad = false;
    form.querySelectorAll("tr[data-price]").forEach((row) => {
      const input = row.querySelector("input.qty");
      const cell = row.querySelector(".line-total");
      const m = milli(input.value);
      if (m === null) {
        bad = true;
        cell.textContent = form.dataset.labelBad;
        return;
      }
      const line = Math.floor((Number(row.dataset.price) * m + 500) / 1000);
      total += line;
      cell.textContent = m ? yuan(line) : "—";
    });
    const left = cap - total;
    document.getElementById("plan-total-value").textContent = yuan(total);
    document.getElementById("plan-left").textContent = (left < 0
      ? `${form.dataset.labelOver} ${yuan(-left)}`
      : `${form.dataset.labelLeft} ${yuan(left)}`) + (bad ? ` · ${form.dataset.labelBad}` : "");
    document.getElementById("plan-summary").classList.toggle("over", left < 0);
    const meter = document.getElementById("plan-meter");
    if (meter) meter.value = Math.min(total, cap);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("plan-form");
    if (!form) return;
    form.addEventListener("input", (ev) => {
      if (ev.target instanceof HTMLInputElement && ev.target.classList.contains("qty")) {
        recompute(form);
      }
    });
  });
})();
