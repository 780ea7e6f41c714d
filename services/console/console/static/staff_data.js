// The import runs chunk by chunk: without this file each "continue" click sends one chunk;
// with it, one click sends them all and the progress bar and results follow along.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("import-next");
  const bar = document.getElementById("import-progress");
  const text = document.getElementById("import-progress-text");
  const results = document.getElementById("import-results");
  if (!(form instanceof HTMLFormElement) || !bar || !text || !results) return;
  const button = form.querySelector("button");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (button) button.disabled = true;
    const body = new FormData(form);
    try {
      for (;;) {
        const resp = await fetch(form.action, {
          method: "POST", body, credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (!resp.ok) throw new Error(String(resp.status));
        const step = await resp.json();
        bar.setAttribute("max", String(step.total || 1));
        bar.setAttribute("value", String(step.total ? step.processed : 1));
        bar.textContent = step.percent + "%";
        text.textContent = step.text;
        results.innerHTML = step.html;
        if (step.done) {
          form.hidden = true;
          results.setAttribute("tabindex", "-1");
          results.focus();
          return;
        }
      }
    } catch (err) {
      form.submit(); // fall back to the plain form post (one chunk, then the page again)
    }
  });
});
